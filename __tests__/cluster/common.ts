/**
 * What each environment's cluster test file shares: its run (a cluster of its
 * own, started before its tests and stopped after), the checks after every
 * apply, and the cases every environment goes through (applied from empty,
 * secrets through External Secrets Operator).
 *
 * One file per environment (staging.test.ts, production.test.ts) so jest runs
 * them side by side: each has its own API server, moto, Terraform state and
 * project copy, and most of either's time is spent waiting (the providers'
 * reads, rollouts), so the two share two cores.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitoringProblems, podTemplateProblems, releaseProblems, routeProblems } from '../../tooling/cluster/checks';
import { timed } from '../../tooling/cluster/cluster';
import { ClusterRun } from '../../tooling/cluster/harness';
import { apiPath } from '../../tooling/cluster/kube';
import type { Kube } from '../../tooling/cluster/kube';
import { ENVOY_GATEWAY_NAMESPACE } from '../../features/edge/schema';
import { ROOT } from '../../environments/root';

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON */
export const EDGE = readFileSync(join(ROOT, 'docs/edge.md'), 'utf8');
export const RELEASES = readFileSync(join(ROOT, 'docs/releases.md'), 'utf8');

/**
 * The arguments of an apply (or plan) that follows an empty plan which read every
 * resource, with nothing changed since but the files: reading them all again
 * finds nothing new, and costs about 10 s a command (the mirror's AWS
 * provider waits on each lifecycle configuration). Data sources are read
 * either way. An apply after another apply, or after the test changed the
 * cluster, reads everything.
 */
export const AFTER_EMPTY_PLAN: readonly string[] = ['-refresh=false'];

export interface EnvironmentRun {
  /** The environment's run (started in its file's beforeAll). */
  readonly run: () => ClusterRun;
  readonly kube: () => Kube;
  /** Prints a line, prefixed with the environment (the two files print side by side). */
  readonly log: (line: string) => void;
  /** The second plan of what is applied is empty: no perpetual diff. */
  readonly expectNoChanges: () => Promise<void>;
  /** The release file's state is what runs: selectors, images, sizes. */
  readonly expectRelease: () => Promise<void>;
}

/**
 * Starts the environment's cluster before the file's tests and stops it after.
 * State in S3 on moto (with its lock file), AWS through the fault proxy: see fault-cases.ts.
 */
export function environmentRun(name: string): EnvironmentRun {
  let run: ClusterRun | undefined;
  const log = (line: string) => process.stdout.write(`[cluster ${name}] ${line}\n`);
  beforeAll(async () => {
    run = await timed(log, 'cluster up', () => ClusterRun.start({ log, faults: true, environments: [name] }));
  });
  afterAll(async () => {
    await run?.stop();
  });
  const get = () => {
    if (!run) throw new Error(`the ${name} cluster did not start`);
    return run;
  };
  const kube = () => get().cluster.planes[get().environment(name).kubernetes.context]!.kube;
  return {
    run: get,
    kube,
    log,
    expectNoChanges: async () => {
      const plan = await get().planExitCode(name);
      if (plan.status !== 0)
        throw new Error(`${name}: the second plan is not empty (exit ${plan.status}):\n${plan.output.slice(-4000)}`);
    },
    expectRelease: async () => {
      expect(await releaseProblems(kube(), get().environment(name))).toEqual([]);
    },
  };
}

/** What every environment goes through: a fresh apply, an empty second plan, the live checks, its secrets. */
export function appliedFromEmpty(name: string, e: EnvironmentRun): void {
  describe(`${name}, applied from empty`, () => {
    it('applies with no error', async () => {
      await timed(e.log, `${name}: fresh apply`, () => e.run().apply(name));
    });

    it('plans nothing the second time', async () => {
      await e.expectNoChanges();
    });

    it('admits every pod template under its namespace’s Pod Security level', async () => {
      const env = e.run().environment(name);
      const namespaces = [env.namespace, env.monitoringNamespace, 'external-secrets', ENVOY_GATEWAY_NAMESPACE];
      expect(await podTemplateProblems(e.kube(), namespaces)).toEqual([]);
    });

    it('selects what the release file says', async () => {
      await e.expectRelease();
    });

    it('routes the paths, with the timeouts and the allow-list, the README’s edge table lists', async () => {
      expect(await routeProblems(e.kube(), e.run().environment(name), EDGE)).toEqual([]);
    });

    it('has its Helm releases deployed, with each service’s PrometheusRule and PodMonitor', async () => {
      const json = JSON.parse(readFileSync(join(e.run().workdir(name).dir, 'cdk.tf.json'), 'utf8'));
      const releases = Object.values<any>(json.resource.helm_release).map((r) => r.name as string);
      expect(releases.length).toBeGreaterThan(3);
      expect(await monitoringProblems(e.kube(), e.run().environment(name), releases)).toEqual([]);
    });
  });

  describe(`${name}: secrets through External Secrets Operator`, () => {
    it('has the operator’s CRDs, one ClusterSecretStore, and an ExternalSecret for each Secret the stack reads', async () => {
      const env = e.run().environment(name);
      const store = await e
        .kube()
        .get(apiPath('external-secrets.io/v1', 'clustersecretstores', undefined, 'aws-secrets-manager'));
      expect(store.spec.conditions).toEqual([{ namespaces: [env.namespace, env.monitoringNamespace] }]);
      const declared = async (ns: string) =>
        (await e.kube().list(apiPath('external-secrets.io/v1', 'externalsecrets', ns)))
          .map((x: any) => x.metadata.name)
          .sort();
      expect(await declared(env.namespace)).toEqual(['mls-secrets', 'mls-server-registry']);
      expect(await declared(env.monitoringNamespace)).toEqual(['alertmanager-slack', 'grafana-admin']);
    });
  });
}
