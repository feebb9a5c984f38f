/**
 * What "protected" means, in one place: the resource types whose loss loses
 * data or takes the service down. Constructs give theirs `prevent_destroy`
 * when `protect` is on (protectedLifecycle); the plan summary flags every
 * destroy or replace of any of them. Snapshots rotate, and the database and
 * Secrets must be replaceable, so those are flagged without prevent_destroy.
 */

/** Types this program's constructs make `prevent_destroy` when `protect` is on. */
export const PREVENT_DESTROY_TYPES = ['aws_s3_bucket', 'aws_kms_key', 'kubernetes_namespace_v1'] as const;

/** Types whose destroy or replace the plan summary puts in its caution block. */
export const PROTECTED_TYPES: ReadonlySet<string> = new Set([
  ...PREVENT_DESTROY_TYPES,
  'aws_db_snapshot',
  'aws_db_instance',
  'aws_rds_cluster',
  'kubernetes_namespace',
  'kubernetes_secret_v1',
  'kubernetes_secret',
]);

/** The lifecycle of a resource of a PREVENT_DESTROY_TYPES type. */
export function protectedLifecycle(protect: boolean): { preventDestroy: boolean } {
  return { preventDestroy: protect };
}
