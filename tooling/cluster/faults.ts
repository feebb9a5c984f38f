/**
 * Faults for the cluster test: what watches a release while something
 * breaks, and what is done afterwards, as docs/delivery.md's "After a fault"
 * says (force-unlock a lock the dead run left, delete an analysis the dead
 * run started, import a snapshot it took, deploy again).
 */
import { COLOUR_LABEL } from '../../core/labels';
import { colourName } from '../../core/names';
import type { Colour } from '../../core/colours';
import { spawnSync } from 'node:child_process';
import { ensureTool } from '../tools';
import { Kube, KubeObject, apiPath } from './kube';
import { sleep, waitFor } from './processes';
import type { Workdir } from './workdir';
import { protectedAddresses } from './checks';

/* eslint-disable @typescript-eslint/no-explicit-any -- Terraform's JSON */

/** Whether a colour's Deployment has every replica updated and available (what a switch needs). */
export function fullyAvailable(deployment: KubeObject | undefined): boolean {
  if (!deployment) return false;
  const want = deployment.spec.replicas ?? 1;
  const s = deployment.status ?? {};
  return (
    want > 0 &&
    (s.observedGeneration ?? 0) >= deployment.metadata.generation &&
    (s.updatedReplicas ?? 0) >= want &&
    (s.availableReplicas ?? 0) >= want &&
    (s.replicas ?? 0) === (s.updatedReplicas ?? 0)
  );
}

/**
 * Watches a Service's selector while a fault plays out: each time it moves
 * to a colour, that colour's Deployment must be fully available at that
 * moment. Polls every 100 ms (a switch lasts; Terraform does not flick back).
 */
export class SelectorWatch {
  public readonly problems: string[] = [];
  public readonly moves: string[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly kube: Kube,
    private readonly namespace: string,
    private readonly service: string,
  ) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    let last: string | undefined;
    while (this.running) {
      try {
        const svc = await this.kube.get(apiPath('v1', 'services', this.namespace, this.service));
        const colour = svc.spec.selector[COLOUR_LABEL] as Colour;
        if (last !== undefined && colour !== last) {
          const path = apiPath('apps/v1', 'deployments', this.namespace, colourName(this.service, colour));
          const deployment = await this.kube.find(path);
          this.moves.push(`${last} → ${colour}`);
          if (!fullyAvailable(deployment)) {
            const s = deployment?.status ?? {};
            this.problems.push(
              `${this.namespace}/${this.service} moved ${last} → ${colour} while ${colour} was not fully available ` +
                `(replicas ${deployment?.spec.replicas}, updated ${s.updatedReplicas ?? 0}, available ${s.availableReplicas ?? 0})`,
            );
          }
        }
        last = colour;
      } catch {
        // The API server may be down on purpose; the next poll sees it again.
      }
      await sleep(100);
    }
  }

  /** Stops watching; returns the problems seen. */
  public async stop(): Promise<string[]> {
    this.running = false;
    await this.done;
    return this.problems;
  }
}

/** The resource at `address` in `terraform show -json`'s state, or undefined. */
export function stateResource(state: any, address: string): any {
  const find = (module: any): any =>
    (module?.resources ?? []).find((r: any) => r.address === address) ??
    (module?.child_modules ?? []).map(find).find(Boolean);
  return find(state.values?.root_module);
}

/**
 * What must survive any fault: each protected resource's id, and each RDS
 * snapshot the configuration keeps (older ones rotate out by design), from the state.
 */
export function protectedInventory(state: any, json: any): Map<string, string> {
  const snapshots = Object.keys(json.resource?.aws_db_snapshot ?? {}).map((id) => `aws_db_snapshot.${id}`);
  const wanted = new Set([...protectedAddresses(json), ...snapshots]);
  const inventory = new Map<string, string>();
  const walk = (module: any) => {
    for (const r of module?.resources ?? []) {
      if (r.mode === 'managed' && wanted.has(r.address))
        inventory.set(r.address, String(r.values.id ?? r.values.db_snapshot_identifier));
    }
    for (const child of module?.child_modules ?? []) walk(child);
  };
  walk(state.values?.root_module);
  return inventory;
}

/** What of `before` is gone or has another id in `after` (destroyed or replaced). */
export function lostFrom(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...before]
    .filter(([address, id]) => after.get(address) !== id)
    .map(([address, id]) => `${address} (${id}) is ${after.has(address) ? `now ${after.get(address)}` : 'gone'}`);
}

/** One error of a Terraform run: its summary, the resource it names, its detail. */
export interface TerraformError {
  readonly summary: string;
  readonly address?: string;
  readonly text: string;
}

/** The errors in a Terraform run's output (`-no-color`), one per `Error:` block. */
export function terraformErrors(output: string): TerraformError[] {
  return output
    .split(/^(?:│ )?Error: /m)
    .slice(1)
    .map((block) => {
      const text = block.replace(/^│ ?/gm, '').split(/\n╵/)[0]!;
      return {
        summary: text.split('\n')[0]!.trim(),
        address: /^\s*with ([^\s,]+),/m.exec(text)?.[1],
        text: text.replace(/\s+/g, ' ').trim(),
      };
    });
}

/** The lock id an "Error acquiring the state lock" names, or undefined. */
export function stateLockId(output: string): string | undefined {
  if (!/Error acquiring the state lock/.test(output)) return undefined;
  return /^\s*│?\s*ID:\s+(\S+)/m.exec(output)?.[1];
}

/** What docs/delivery.md's "After a fault" prescribes for one error of a failed deploy, or undefined when nothing does. */
export type Remedy =
  | { readonly kind: 'unlock'; readonly lockId: string }
  | { readonly kind: 'delete-analysis'; readonly name: string }
  | { readonly kind: 'import-snapshot'; readonly address: string; readonly identifier: string }
  | { readonly kind: 'helm-rollback'; readonly address: string };

/** The remedies for a failed run's output: each error matched to one, or reported as unknown. */
export function remedies(output: string): { remedies: Remedy[]; unknown: TerraformError[] } {
  const found: Remedy[] = [];
  const unknown: TerraformError[] = [];
  const lockId = stateLockId(output);
  if (lockId) return { remedies: [{ kind: 'unlock', lockId }], unknown };
  for (const error of terraformErrors(output)) {
    const analysis = /(?:jobs\.batch|configmaps) "([a-z0-9.-]*-(?:pre|post)-[a-z0-9.-]+)" already exists/.exec(
      error.text,
    );
    const snapshot = /DBSnapshotAlreadyExists.*?identifier ([A-Za-z0-9-]+) already exists/.exec(error.text);
    const pending = /another operation \(install\/upgrade\/rollback\) is in progress/.test(error.text);
    if (analysis) found.push({ kind: 'delete-analysis', name: analysis[1]! });
    else if (pending && error.address?.startsWith('helm_release.'))
      found.push({ kind: 'helm-rollback', address: error.address });
    else if (snapshot && error.address)
      found.push({ kind: 'import-snapshot', address: error.address, identifier: snapshot[1]! });
    else unknown.push(error);
  }
  const unique = [...new Map(found.map((r) => [JSON.stringify(r), r])).values()];
  return { remedies: unique, unknown };
}

/** Applies a remedy: Terraform's commands in the working directory, the API server for analyses. */
export async function applyRemedy(remedy: Remedy, wd: Workdir, kube: Kube, namespace: string): Promise<string> {
  switch (remedy.kind) {
    case 'unlock':
      wd.must(['force-unlock', '-force', remedy.lockId]);
      return `terraform force-unlock -force ${remedy.lockId}`;
    case 'import-snapshot':
      wd.must(['import', '-input=false', '-no-color', remedy.address, remedy.identifier]);
      return `terraform import ${remedy.address} ${remedy.identifier}`;
    case 'helm-rollback': {
      // The release as the state holds it (the configuration names its namespace by reference),
      // the cluster as the loaded stack's provider names it.
      const state = JSON.parse(wd.must(['show', '-json', '-no-color']).stdout);
      const release = stateResource(state, remedy.address)?.values;
      if (!release) throw new Error(`${remedy.address} is not in the state: no Helm release to roll back`);
      const cluster = wd.loaded().provider.helm[0].kubernetes;
      const args = ['-n', release.namespace, 'rollback', release.name];
      const res = spawnSync(
        ensureTool('helm', () => undefined),
        [...args, '--kubeconfig', cluster.config_path, '--kube-context', cluster.config_context],
        { encoding: 'utf8' },
      );
      if (res.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${res.stdout}${res.stderr}`);
      return `helm ${args.join(' ')}`;
    }
    case 'delete-analysis': {
      const ns = namespace;
      for (const path of [apiPath('batch/v1', 'jobs', ns, remedy.name), apiPath('v1', 'configmaps', ns, remedy.name)]) {
        // Background propagation would leave the Job's pods; the API's default for Jobs is orphan.
        await kube.call('DELETE', `${path}?propagationPolicy=Foreground`).catch(() => undefined);
      }
      const job = apiPath('batch/v1', 'jobs', ns, remedy.name);
      await waitFor(`${job} to go`, 60_000, async () => !(await kube.find(job)) || undefined);
      return `kubectl -n ${ns} delete job/${remedy.name} configmap/${remedy.name}`;
    }
  }
}
