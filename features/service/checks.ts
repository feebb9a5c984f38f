/**
 * Rules across the services of one environment: names are unique, and a
 * Secret name is one service's unless every service naming it says it is
 * shared, with the same keys (a second service's Secret would otherwise
 * silently replace the first's).
 */
import type { FieldIssue } from '../../core/errors';

interface Services {
  readonly services: readonly {
    readonly name: string;
    readonly secret?: { readonly name: string; readonly keys: Record<string, unknown>; readonly shared?: boolean };
  }[];
}

/** Which service declares each Secret: the first that names it (the others, sharing it, read that one). */
export function secretOwners(services: Services['services']): Map<string, number> {
  const owners = new Map<string, number>();
  services.forEach((svc, i) => {
    if (svc.secret && !owners.has(svc.secret.name)) owners.set(svc.secret.name, i);
  });
  return owners;
}

export function serviceIssues(env: Services): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const names = new Set<string>();
  const secretOwner = secretOwners(env.services);
  const keys = (s: { keys: Record<string, unknown> }) => JSON.stringify(Object.entries(s.keys).sort());
  env.services.forEach((svc, i) => {
    if (names.has(svc.name)) {
      issues.push({ path: ['services', i, 'name'], message: `duplicates service "${svc.name}"` });
    }
    names.add(svc.name);
    if (!svc.secret) return;
    const owner = secretOwner.get(svc.secret.name)!;
    if (owner === i) return;
    const other = env.services[owner]!;
    if (!svc.secret.shared || !other.secret!.shared) {
      issues.push({
        path: ['services', i, 'secret', 'name'],
        message: `"${svc.secret.name}" is also the Secret of service "${other.name}": give each its own, or mark both shared: true`,
      });
    } else if (keys(svc.secret) !== keys(other.secret!)) {
      issues.push({
        path: ['services', i, 'secret', 'keys'],
        message: `must equal service "${other.name}"'s keys: a shared Secret has one set of keys`,
      });
    }
  });
  return issues;
}

interface Issued {
  readonly protect: boolean;
  readonly services: readonly { readonly ingress?: { readonly clusterIssuer: string } }[];
}

/**
 * A protected (production) environment never takes its certificates from a
 * staging issuer: browsers do not trust them, so the public host would fail
 * for every client, and only at the first request after apply.
 */
export function issuerIssues(env: Issued): FieldIssue[] {
  if (!env.protect) return [];
  return env.services.flatMap((svc, i) =>
    svc.ingress && /(^|[-.])staging($|[-.])/.test(svc.ingress.clusterIssuer)
      ? [
          {
            path: ['services', i, 'ingress', 'clusterIssuer'],
            message: `"${svc.ingress.clusterIssuer}" is a staging issuer, whose certificates browsers do not trust, in a protected environment: use the production issuer (such as "letsencrypt-prod")`,
          },
        ]
      : [],
  );
}
