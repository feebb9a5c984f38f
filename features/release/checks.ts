/**
 * Rules between an environment's settings and its release file: the file
 * describes exactly the configured services, each colour runs an image of
 * the service's repository, and an environment that keeps no snapshots
 * keeps no history.
 */
import { COLOURS } from '../../core/colours';
import type { FieldIssue } from '../../core/errors';
import { isImageOf } from '../../core/image';
import type { ReleaseState } from './schema';

interface Settings {
  readonly services: readonly { readonly name: string; readonly imageRepository: string }[];
  readonly database: { readonly snapshotsToKeep: number };
}

export function releaseIssues(settings: Settings, release: ReleaseState): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const configured = new Set(settings.services.map((s) => s.name));
  for (const name of Object.keys(release.services)) {
    if (!configured.has(name)) {
      issues.push({ path: ['release', 'services', name], message: 'is not a service of this environment' });
    }
  }
  for (const svc of settings.services) {
    const rel = release.services[svc.name];
    if (!rel) {
      issues.push({
        path: ['release', 'services', svc.name],
        message: 'is missing: every service needs a release entry',
      });
      continue;
    }
    for (const colour of COLOURS) {
      const image = rel[colour].image;
      if (image && !isImageOf(image, svc.imageRepository)) {
        issues.push({
          path: ['release', 'services', svc.name, colour, 'image'],
          message: `must be an image of ${svc.imageRepository} (got "${image}")`,
        });
      }
    }
  }
  if (settings.database.snapshotsToKeep === 0 && release.history.length > 0) {
    issues.push({
      path: ['release', 'history'],
      message: 'must be empty: database.snapshotsToKeep is 0, so nothing uses it',
    });
  }
  return issues;
}
