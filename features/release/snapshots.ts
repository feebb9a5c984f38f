import { DbSnapshot } from '@cdktf/provider-aws/lib/db-snapshot';
import { Construct } from 'constructs';
import { PropsError } from '../../core/errors';
import { snapshotIdentifier } from '../../core/snapshots';

export interface ReleaseSnapshotsProps {
  /** RDS instance identifier of the database to protect. */
  readonly dbInstanceIdentifier: string;
  /**
   * Releases that keep a pre-deploy snapshot, oldest first. Dropping one
   * deletes its snapshot; adding one takes a new snapshot.
   */
  readonly releases: readonly string[];
}

/**
 * One RDS snapshot per kept release, taken before that release's code
 * touches the database: a colour's Deployment depends on its release's
 * snapshot. Snapshots rotate with the kept list, so they are not
 * `prevent_destroy`; the plan summary flags their deletion.
 */
export class ReleaseSnapshots extends Construct {
  private readonly byRelease = new Map<string, DbSnapshot>();

  constructor(scope: Construct, id: string, props: ReleaseSnapshotsProps) {
    super(scope, id);
    const seen = new Map<string, string>();
    props.releases.forEach((release, i) => {
      const identifier = snapshotIdentifier(props.dbInstanceIdentifier, release);
      if (typeof identifier !== 'string') {
        throw new PropsError('ReleaseSnapshots', `releases[${i}]`, `cannot name a snapshot: ${identifier.error}`);
      }
      const clash = seen.get(identifier);
      if (clash !== undefined) {
        throw new PropsError(
          'ReleaseSnapshots',
          `releases[${i}]`,
          `"${release}" names the same snapshot as "${clash}" (${identifier})`,
        );
      }
      seen.set(identifier, release);
      // The construct id is the identifier, so a release keeps its address
      // when others are added or dropped around it.
      const snapshot = new DbSnapshot(this, identifier, {
        dbInstanceIdentifier: props.dbInstanceIdentifier,
        dbSnapshotIdentifier: identifier,
        tags: { release, purpose: 'pre-deploy' },
        timeouts: { create: '60m' },
      });
      this.byRelease.set(release, snapshot);
    });
  }

  /** The snapshot of `release`, if it is kept. */
  public snapshotFor(release: string): DbSnapshot | undefined {
    return this.byRelease.get(release);
  }
}
