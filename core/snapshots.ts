/**
 * Pre-deploy database snapshots are named `<db>-pre-deploy-<release>-s<stage>`:
 * every stage of a release takes its own (staging 1.4.1 again, months later,
 * must not lean on the first one's restore point). Snapshots taken before
 * stages were numbered keep their name, `<db>-pre-deploy-<release>`. The
 * name must fit RDS's rules, so it is made here, once, for the release
 * command and the ReleaseSnapshots construct alike.
 */

/** RDS: DB snapshot identifiers are at most 255 characters. */
const MAX_IDENTIFIER = 255;

/**
 * The snapshot identifier `<db>-pre-deploy-<release>[-s<stage>]`, made to fit RDS's
 * rules: letters, digits and hyphens; starts with a letter; no two hyphens
 * in a row; no trailing hyphen; at most 255 characters. Returns an error
 * message instead when the name cannot be made valid.
 */
export function snapshotIdentifier(instance: string, release: string, stage?: number): string | { error: string } {
  const cleanRelease = release
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  if (cleanRelease === '') return { error: `release "${release}" has no letter or digit to name a snapshot by` };
  const id = `${instance}-pre-deploy-${cleanRelease}${stage === undefined ? '' : `-s${stage}`}`
    .toLowerCase()
    .replace(/-{2,}/g, '-');
  if (!/^[a-z]/.test(id))
    return { error: `"${id}" must start with a letter (the database identifier "${instance}" does not)` };
  if (!/^[a-z0-9-]+$/.test(id)) return { error: `"${id}" may hold only letters, digits and hyphens` };
  if (id.length > MAX_IDENTIFIER) return { error: `"${id.slice(0, 40)}…" is longer than ${MAX_IDENTIFIER} characters` };
  return id;
}
