/**
 * Staging's cluster test: the stack applied for real on a Kubernetes API
 * server of its own (with a controller manager, a scheduler and kwok's
 * simulated nodes), AWS emulated by moto, the real providers from the
 * mirror. Fresh apply, an empty second plan and the live checks; the move
 * from Secrets Terraform filled; a planted privileged template; the release
 * analysis around a switch of traffic and the rollback; the deployed-commit
 * record; the move from Ingress objects to the Gateway API. Each step prints
 * its time. Production's runs beside it (production.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timed } from '../../tooling/cluster/cluster';
import { podTemplateProblems } from '../../tooling/cluster/checks';
import { git } from '../../tooling/cluster/harness';
import type { ClusterRun } from '../../tooling/cluster/harness';
import { KubeError, apiPath } from '../../tooling/cluster/kube';
import { waitFor } from '../../tooling/cluster/processes';
import { runRollback } from '../../bin/rollback-command';
import { ANALYSIS_WHEN_LABEL } from '../../core/labels';
import { ENVOY_GATEWAY_CONTROLLER } from '../../features/edge/gateway-api';
import { ROOT } from '../../environments/root';
import { AFTER_EMPTY_PLAN, appliedFromEmpty, environmentRun } from './common';

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON */
const e = environmentRun('staging');
const { log, expectNoChanges, expectRelease } = e;
const run = e.run;
const kube = e.kube;

appliedFromEmpty('staging', e);

describe('the move from Secrets Terraform filled (staging)', () => {
  it('forgets the Secret at the address the state holds, leaves it in the cluster, and destroys nothing', async () => {
    const env = run().environment('staging');
    const wd = run().workdir('staging');
    const address = 'kubernetes_secret_v1.mls-server-secrets_secret_9B729C5D';
    const secretPath = apiPath('v1', 'secrets', env.namespace, 'mls-secrets');
    // The Secret as the earlier construct made it, at its address (its removed block set aside to plant it).
    wd.load(join(run().synth(), 'staging'));
    wd.edit((json) => {
      delete json.removed;
      json.resource.kubernetes_secret_v1 = {
        'mls-server-secrets_secret_9B729C5D': {
          metadata: [{ name: 'mls-secrets', namespace: env.namespace }],
          type: 'Opaque',
          data: { 'database-url': 'postgresql://planted' },
        },
      };
    });
    // After the empty second plan of the fresh apply.
    await timed(log, 'staging: the earlier Secret, applied', () => wd.apply(AFTER_EMPTY_PLAN));
    expect(await kube().find(secretPath)).toBeDefined();
    wd.load(join(run().synth(), 'staging'));
    wd.must(['plan', '-input=false', '-no-color', '-out=migration.tfplan']);
    const plan = JSON.parse(wd.must(['show', '-json', 'migration.tfplan']).stdout);
    const secretChanges = plan.resource_changes.filter((rc: any) => rc.type === 'kubernetes_secret_v1');
    expect(secretChanges.map((rc: any) => [rc.address, rc.change.actions])).toEqual([[address, ['forget']]]);
    expect(plan.resource_changes.filter((rc: any) => rc.change.actions.includes('delete'))).toEqual([]);
    await timed(log, 'staging: the migration applied', () =>
      wd.must(['apply', '-input=false', '-no-color', 'migration.tfplan']),
    );
    const secret = await kube().get(secretPath);
    expect(Object.keys(secret.data)).toEqual(['database-url']);
    await expectNoChanges();
    await kube().call('DELETE', secretPath);
  });
});

describe('planted defects are caught', () => {
  it('a privileged container in a pod template that apply accepts', async () => {
    const env = run().environment('staging');
    const wd = run().workdir('staging');
    wd.edit((json) => {
      const cron: any = Object.values(json.resource.kubernetes_cron_job_v1)[0];
      Object.assign(cron.spec.job_template.spec.template.spec.container[0].security_context, {
        privileged: true,
        allow_privilege_escalation: true,
      });
    });
    // After the migration's empty second plan (the Secret it deletes is no longer in state).
    await timed(log, 'staging: planted privileged template applied', () => wd.apply(AFTER_EMPTY_PLAN));
    const problems = await podTemplateProblems(kube(), [env.namespace]);
    expect(problems).toEqual([
      expect.stringMatching(
        /cronjobs\/db-backup: its pod template is refused: .*violates PodSecurity "restricted:latest": privileged/,
      ),
    ]);
    // Back to what the stack says.
    await run().apply('staging');
    expect(await podTemplateProblems(kube(), [env.namespace])).toEqual([]);
  });
});

describe('the release analysis, around a switch of traffic (staging)', () => {
  const ENV = 'staging';
  const SERVICE = 'mls-server';
  const ns = () => run().environment(ENV).namespace;
  const live = async () => (await kube().get(apiPath('v1', 'services', ns(), SERVICE))).spec.selector.version as string;
  const analysisJobs = async () =>
    (
      await kube().list(`${apiPath('batch/v1', 'jobs', ns())}?labelSelector=${encodeURIComponent(ANALYSIS_WHEN_LABEL)}`)
    ).map((j: any) => ({
      name: j.metadata.name as string,
      when: j.metadata.labels[ANALYSIS_WHEN_LABEL] as string,
      done: (j.status.conditions ?? []).find((c: any) => c.status === 'True' && ['Complete', 'Failed'].includes(c.type))
        ?.type as string | undefined,
    }));
  /** Applies with a planted verdict; returns the failed apply's output (the apply must fail). */
  const failingApply = async (what: string, verdicts: ReturnType<ClusterRun['workdir']>['verdicts']) => {
    const wd = run().workdir(ENV);
    wd.verdicts = verdicts;
    try {
      wd.load(join(run().synth(), ENV));
      const res = await timed(log, `${ENV}: ${what}`, () =>
        wd.run(['apply', '-auto-approve', '-input=false', '-no-color']),
      );
      expect(res.status).toBe(1);
      return `${res.stdout}\n${res.stderr}`;
    } finally {
      wd.verdicts = {};
    }
  };
  /** Runs the rollback command as the deploy workflow does: on the environment's state, nothing else. */
  const rollBack = () => {
    const out: string[] = [];
    const code = runRollback([ENV], {
      root: run().project,
      environments: run().environments(),
      steps: (env) => run().rollbackSteps(env),
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    log(out.join('\n'));
    return { code, out: out.join('\n') };
  };
  const analysisPods = async () =>
    (await kube().list(`${apiPath('v1', 'pods', ns())}?labelSelector=${encodeURIComponent(ANALYSIS_WHEN_LABEL)}`)).map(
      (p: any) => p.metadata.name as string,
    );

  it('a passing analysis runs before the switch and after it, once per release', async () => {
    log(run().release([ENV, 'stage', 'ghcr.io/catbird/mls-server:1.5.0']));
    await run().apply(ENV);
    expect(await analysisJobs()).toEqual([]);
    log(run().release([ENV, 'promote']));
    await timed(log, `${ENV}: promote applied, analysed`, () => run().apply(ENV));
    expect(await live()).toBe('blue');
    expect((await analysisJobs()).map((j) => [j.when, j.done]).sort()).toEqual([
      ['post', 'Complete'],
      ['pre', 'Complete'],
    ]);
    // Unchanged release: the second plan runs no analysis (it has nothing to do).
    await expectNoChanges();
    // The pod garbage collector may delete a finished Job's pods: the verdict is kept in state.
    const pods = await analysisPods();
    expect(pods).toHaveLength(2);
    for (const pod of pods) await kube().delete(apiPath('v1', 'pods', ns(), pod));
    await waitFor('the analysis pods to go', 60_000, async () => (await analysisPods()).length === 0);
    await expectNoChanges();
    log(run().release([ENV, 'finish']));
    await run().apply(ENV, AFTER_EMPTY_PLAN);
    expect(await analysisJobs()).toEqual([]);
    await expectRelease();
  });

  it('a failing analysis before the switch leaves the selector where it was; the rollback records it', async () => {
    log(run().release([ENV, 'stage', 'ghcr.io/catbird/mls-server:1.5.1']));
    await run().apply(ENV);
    log(run().release([ENV, 'promote']));
    const summary = 'quota_pods_room = 0, must be at least 3 (1 of 3 measurements failed; 0 allowed)';
    const output = await failingApply('promote with a failing analysis before the switch', {
      pre: { verdict: 'FAIL', summary },
    });
    expect(output.replace(/[│\s]+/g, ' ')).toContain(`so traffic did not move: FAIL: ${summary}`);
    expect(await live()).toBe('blue');
    const rollback = rollBack();
    expect(rollback.code).toBe(0);
    expect(rollback.out).toContain(`mls-server: the analysis before the switch failed: ${summary}`);
    expect(await live()).toBe('blue');
    expect(git(run().project, ['log', '-1', '--format=%s'])).toMatch(/^Roll back staging: mls-server/);
    expect(run().environment(ENV).release.services[SERVICE]).toMatchObject({ live: 'blue', phase: 'staged' });
    await expectRelease();
    await expectNoChanges();
  });

  it('a failing analysis after the switch is rolled back by itself, within 5 minutes', async () => {
    log(run().release([ENV, 'promote']));
    const summary = 'error_ratio = 0.42, must be at most 0.0144: measurement 1 crossed the fail-fast bound 0.5';
    const output = await failingApply('promote with a failing analysis after the switch', {
      post: { verdict: 'FAIL', summary },
    });
    expect(output.replace(/[│\s]+/g, ' ')).toContain(`after the switch did not pass: FAIL: ${summary}`);
    expect(await live()).toBe('green');
    const postJob = (await kube().list(apiPath('batch/v1', 'jobs', ns()))).find((j: any) =>
      j.metadata.name.startsWith(`${SERVICE}-post-`),
    );
    const verdictAt = Date.parse(postJob.status.completionTime);
    const started = Date.now();
    const rollback = rollBack();
    const back = Date.now();
    expect(rollback.code).toBe(0);
    expect(await live()).toBe('blue');
    const apply = Number(/apply (\d+(?:\.\d+)?) s/.exec(rollback.out)?.[1]);
    log(
      `recovery: ${Math.round((back - verdictAt) / 1000)} s from the failed verdict to the selector back ` +
        `(rollback command ${Math.round((back - started) / 1000)} s, of which the apply ${apply} s)`,
    );
    expect(apply).toBeLessThanOrEqual(60);
    expect(back - verdictAt).toBeLessThan(5 * 60_000);
    expect(git(run().project, ['log', '-1', '--format=%B'])).toContain(
      `the analysis after the switch failed: ${summary}`,
    );
    await expectRelease();
    await expectNoChanges();
    // Back to stable for whatever runs next.
    log(run().release([ENV, 'abandon']));
    await run().apply(ENV, AFTER_EMPTY_PLAN);
  });
});

describe('the deployed-commit record beside the state (bin/deployed-commit.sh, on moto)', () => {
  const bucket = 'deployed-commit-check';
  const state = (b: string) =>
    JSON.stringify({ bucket: b, deployedCommitKey: 'x/deployed-commit', lockKey: 'x/s.tflock' });
  const aws = (args: string[]) => spawnSync('aws', args, { encoding: 'utf8', env: awsEnv() });
  const awsEnv = (extra: Record<string, string> = {}) => ({
    ...process.env,
    AWS_ENDPOINT_URL: run().cluster.motoEndpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    ...extra,
  });
  const script = (b: string, ...args: string[]) => {
    const res = spawnSync(join(ROOT, 'bin/deployed-commit.sh'), [args[0]!, 'production', ...args.slice(1)], {
      cwd: ROOT,
      encoding: 'utf8',
      env: awsEnv({ STATE_JSON: state(b) }),
    });
    return { code: res.status, out: res.stdout, err: res.stderr };
  };

  it('reads nothing before the first deploy, what was written after, and the lock; an S3 error is never "nothing"', () => {
    const made = aws(['s3api', 'create-bucket', '--bucket', bucket]);
    expect(made.stderr).toBe('');
    expect(script(bucket, 'read')).toMatchObject({ code: 0, out: '\n' });
    expect(script(bucket, 'locked')).toMatchObject({ code: 0, out: 'false\n' });
    const sha = 'a'.repeat(40);
    expect(script(bucket, 'write', sha).code).toBe(0);
    expect(script(bucket, 'read')).toMatchObject({ code: 0, out: `${sha}\n` });
    expect(script(bucket, 'write', 'not-a-commit')).toMatchObject({
      code: 1,
      err: expect.stringContaining('is not a commit id'),
    });
    const lock = join(tmpdir(), 'tflock');
    writeFileSync(lock, '{}');
    expect(aws(['s3api', 'put-object', '--bucket', bucket, '--key', 'x/s.tflock', '--body', lock]).status).toBe(0);
    expect(script(bucket, 'locked')).toMatchObject({ code: 0, out: 'true\n' });
    // A bucket that does not exist (as access denied or throttling would): an error, not "nothing deployed".
    const missing = script('no-such-bucket-here', 'read');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('error: cannot read s3://no-such-bucket-here/x/deployed-commit');
    expect(script('no-such-bucket-here', 'locked').code).toBe(1);
  });
});

describe('the move from Ingress objects to the Gateway API, walked (staging)', () => {
  const name = 'staging';
  const ns = () => run().environment(name).namespace;
  /** The names of the namespace's objects of a kind; none while the kind's CRD is not installed. */
  const namesOf = async (apiVersion: string, plural: string) => {
    const objects = await kube()
      .list(apiPath(apiVersion, plural, ns()))
      .catch((e: unknown) => {
        if (e instanceof KubeError && e.status === 404) return [];
        throw e;
      });
    return objects.map((o) => o.metadata.name as string).sort();
  };
  const ingresses = () => namesOf('networking.k8s.io/v1', 'ingresses');
  const routes = () => namesOf('gateway.networking.k8s.io/v1', 'httproutes');
  const INGRESSES = ['mls-server-preview', 'mls-server-public', 'mls-server-xrpc'];
  const ROUTES = ['edge-https-redirect', 'mls-server-preview', 'mls-server-public', 'mls-server-xrpc'];

  /** Sets `edge.serve` in the project copy's staging file, as the reviewed change of each step does. */
  function setStep(step: string): void {
    const file = join(run().project, 'environments', `${name}.ts`);
    const text = readFileSync(file, 'utf8');
    if (!/edge: \{ serve: '(ingress|both|gateway)'/.test(text)) throw new Error(`no edge step in ${file}`);
    writeFileSync(file, text.replace(/edge: \{ serve: '(ingress|both|gateway)'/, `edge: { serve: '${step}'`));
  }

  /**
   * What Envoy Gateway writes once its proxies serve: the Gateway Programmed,
   * each route Accepted. No controller runs on simulated nodes, so the test
   * writes them (through the status subresource, checked by the CRDs' schema).
   */
  async function markServing(): Promise<void> {
    const k = kube();
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const condition = (type: string, generation: number) => ({
      type,
      status: 'True',
      reason: type,
      message: 'written by the cluster test, as Envoy Gateway would',
      lastTransitionTime: now,
      observedGeneration: generation,
    });
    const gatewayPath = apiPath('gateway.networking.k8s.io/v1', 'gateways', ns(), 'edge');
    const gateway = (await k.find(gatewayPath))!;
    const merge = 'application/merge-patch+json';
    await k.call(
      'PATCH',
      `${gatewayPath}/status`,
      {
        status: {
          addresses: [{ type: 'IPAddress', value: '192.0.2.10' }],
          conditions: ['Accepted', 'Programmed'].map((t) => condition(t, gateway.metadata.generation)),
        },
      },
      merge,
    );
    for (const route of await k.list(apiPath('gateway.networking.k8s.io/v1', 'httproutes', ns()))) {
      const parents = route.spec.parentRefs.map((parentRef: object) => ({
        parentRef,
        controllerName: ENVOY_GATEWAY_CONTROLLER,
        conditions: [condition('Accepted', route.metadata.generation)],
      }));
      await k.call(
        'PATCH',
        `${apiPath('gateway.networking.k8s.io/v1', 'httproutes', ns(), route.metadata.name)}/status`,
        { status: { parents } },
        merge,
      );
    }
  }

  it('ingress → both → gateway: side by side, and the Ingresses go only once the Gateway answers', async () => {
    setStep('ingress');
    await timed(log, 'edge step ingress', () => run().apply(name));
    expect([await ingresses(), await routes()]).toEqual([INGRESSES, []]);

    setStep('both');
    await timed(log, 'edge step both', () => run().apply(name));
    expect([await ingresses(), await routes()]).toEqual([INGRESSES, ROUTES]);
    await expectNoChanges();

    // Before the Gateway answers, the step is refused at plan time and nothing is destroyed.
    setStep('gateway');
    const wd = run().workdir(name);
    wd.load(join(run().synth(), name));
    const refused = await timed(log, 'edge step gateway, refused', () =>
      wd.run(['apply', '-auto-approve', '-input=false', '-no-color']),
    );
    expect(refused.status).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toContain(`The Ingress objects of ${ns()} go only after the Gateway`);
    expect([await ingresses(), await routes()]).toEqual([INGRESSES, ROUTES]);

    await markServing();
    await timed(log, 'edge step gateway', () => wd.apply());
    expect([await ingresses(), await routes()]).toEqual([[], ROUTES]);
    await expectNoChanges();
  });
});
