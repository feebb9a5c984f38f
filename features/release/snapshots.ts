import { DbSnapshot } from '@cdktf/provider-aws/lib/db-snapshot';
import { Construct } from 'constructs';
import { PropsError } from '../../core/errors';
import { snapshotIdentifier } from '../../core/snapshots';

export interface ReleaseSnapshotsProps {
  /** RDS instance identifier of the database to protect. */
  readonly dbInstanceIdentifier: string;
  /**
   * Stages that keep a pre-deploy snapshot, oldest first: a release and its
   * stage number (none for a stage from before stages were numbered).
   * Dropping one deletes its snapshot; adding one takes a new snapshot.
   */
  readonly releases: readonly { readonly release: string; readonly stage?: number }[];
}

/**
 * One RDS snapshot per kept release, taken before that release's code
 * touches the database: a colour's Deployment depends on its release's
 * snapshot. Snapshots rotate with the kept list, so they are not
 * `prevent_destroy`; the plan summary flags their deletion.
 */
export class ReleaseSnapshots extends Construct {
  private readonly byStage = new Map<string, DbSnapshot>();

  constructor(scope: Construct, id: string, props: ReleaseSnapshotsProps) {
    super(scope, id);
    const seen = new Map<string, string>();
    props.releases.forEach(({ release, stage }, i) => {
      const identifier = snapshotIdentifier(props.dbInstanceIdentifier, release, stage);
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
        tags: { release, purpose: 'pre-deploy', ...(stage === undefined ? {} : { stage: String(stage) }) },
        timeouts: { create: '60m' },
      });
      this.byStage.set(key(release, stage), snapshot);
    });
  }

  /** The snapshot of a stage of `release`, if it is kept. */
  public snapshotFor(release: string, stage?: number): DbSnapshot | undefined {
    return this.byStage.get(key(release, stage));
  }
}

const key = (release: string, stage?: number) => `${release}#${stage ?? ''}`;
