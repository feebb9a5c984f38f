/**
 * The backup job reads the database URL from a key of a Secret the
 * environment creates: a Secret or key no service declares would leave the
 * job unable to start.
 */
import type { FieldIssue } from '../../core/errors';

interface Settings {
  readonly services: readonly { readonly secret?: { readonly name: string; readonly keys: Record<string, unknown> } }[];
  readonly backups: { readonly databaseUrl: { readonly secret: string; readonly key: string } };
}

export function backupIssues(env: Settings): FieldIssue[] {
  const { secret, key } = env.backups.databaseUrl;
  const holder = env.services.find((s) => s.secret?.name === secret);
  if (!holder) {
    return [
      {
        path: ['backups', 'databaseUrl', 'secret'],
        message: `"${secret}" is not the Secret of any service, so the backup job could not read the database URL`,
      },
    ];
  }
  if (!(key in holder.secret!.keys)) {
    return [{ path: ['backups', 'databaseUrl', 'key'], message: `"${key}" is not a key of Secret "${secret}"` }];
  }
  return [];
}
