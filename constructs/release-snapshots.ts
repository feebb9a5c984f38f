import { DbSnapshot } from '@cdktf/provider-aws/lib/db-snapshot';
import { Construct } from 'constructs';
import { PropsError } from './props-error';

/** RDS: DB snapshot identifiers are at most 255 characters. */
const MAX_IDENTIFIER = 255;

/**
 * The snapshot identifier `<db>-pre-deploy-<release>`, made to fit RDS's
 * rules: letters, digits and hyphens; starts with a letter; no two hyphens
 * in a row; no trailing hyphen; at most 255 characters. Returns an error
 * message instead when the name cannot be made valid.
 */
export function snapshotIdentifier(instance: string, release: string): string | { error: string } {
  const cleanRelease = release
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  if (cleanRelease === '') return { error: `release "${release}" has no letter or digit to name a snapshot by` };
  const id = `${instance}-pre-deploy-${cleanRelease}`.toLowerCase().replace(/-{2,}/g, '-');
  if (!/^[a-z]/.test(id))
    return { error: `"${id}" must start with a letter (the database identifier "${instance}" does not)` };
  if (!/^[a-z0-9-]+$/.test(id)) return { error: `"${id}" may hold only letters, digits and hyphens` };
  if (id.length > MAX_IDENTIFIER) return { error: `"${id.slice(0, 40)}…" is longer than ${MAX_IDENTIFIER} characters` };
  return id;
}

export interface ReleaseSnapshotsProps {
  /** RDS instance identifier of the database to protect. */
  readonly dbInstanceIdentifier: string;
  /**
   * Releases that keep a pre-deploy snapshot, oldest first. Dropping one
   * deletes its snapshot; adding one takes a new snapshot.
   */
  readonly releases: readonly string[];
  /** Extra tags for each snapshot. @default none (the provider's default tags still apply) */
  readonly tags?: Readonly<Record<string, string>>;
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
    for (const release of props.releases) {
      const identifier = snapshotIdentifier(props.dbInstanceIdentifier, release);
      if (typeof identifier !== 'string')
        throw new PropsError(
          'ReleaseSnapshots',
          `releases["${release}"]`,
          `cannot name a snapshot: ${identifier.error}`,
        );
      const clash = seen.get(identifier);
      if (clash !== undefined) {
        throw new PropsError(
          'ReleaseSnapshots',
          `releases["${release}"]`,
          `names the same snapshot as "${clash}" (${identifier})`,
        );
      }
      seen.set(identifier, release);
      // The construct id is the identifier, so a release keeps its address
      // when others are added or dropped around it.
      const snapshot = new DbSnapshot(this, identifier, {
        dbInstanceIdentifier: props.dbInstanceIdentifier,
        dbSnapshotIdentifier: identifier,
        tags: { ...props.tags, release, purpose: 'pre-deploy' },
        timeouts: { create: '60m' },
      });
      this.byRelease.set(release, snapshot);
    }
  }

  /** The snapshot of `release`, if it is kept. */
  public snapshotFor(release: string): DbSnapshot | undefined {
    return this.byRelease.get(release);
  }
}
