/**
 * The stacks applied for real: each committed environment on a Kubernetes
 * API server of its own (with a controller manager, a scheduler and kwok's
 * simulated nodes), AWS emulated by moto, the real providers from the
 * mirror. Fresh apply, an empty second plan, live checks, the README's
 * release flow applied step by step, and prevent_destroy; then planted
 * defects that must be caught. Each step prints its time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PREVENT_DESTROY_TYPES } from '../../core/protection';
import { timed } from '../../bin/cluster/cluster';
import {
  ingressProblems,
  monitoringProblems,
  podTemplateProblems,
  protectedAddresses,
  releaseProblems,
  unrefusedDestroys,
} from '../../bin/cluster/checks';
import { ClusterRun } from '../../bin/cluster/harness';
import { Workdir } from '../../bin/cluster/workdir';
import { readmeBlock } from '../e2e/project-copy';
import { ENV_NAMES } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON */
const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const log = (line: string) => process.stdout.write(`[cluster] ${line}\n`);

let run: ClusterRun;
const kube = (env: string) => run.cluster.planes[run.environment(env).kubernetes.context]!.kube;

beforeAll(async () => {
  run = await timed(log, 'cluster up', () => ClusterRun.start({ log }));
});
afterAll(async () => {
  await run?.stop();
});

/** The second plan of what is applied is empty: no perpetual diff. */
async function expectNoChanges(env: string): Promise<void> {
  const plan = await run.planExitCode(env);
  if (plan.status !== 0)
    throw new Error(`${env}: the second plan is not empty (exit ${plan.status}):\n${plan.output.slice(-4000)}`);
}

/** The release file's state is what runs: selectors, images, sizes. */
async function expectRelease(env: string): Promise<void> {
  expect(await releaseProblems(kube(env), run.environment(env))).toEqual([]);
}

describe.each(ENV_NAMES)('%s, applied from empty', (name) => {
  it('applies with no error', async () => {
    await timed(log, `${name}: fresh apply`, () => run.apply(name));
  });

  it('plans nothing the second time', async () => {
    await expectNoChanges(name);
  });

  it('admits every pod template under its namespace’s Pod Security level', async () => {
    const env = run.environment(name);
    expect(await podTemplateProblems(kube(name), [env.namespace, env.monitoringNamespace])).toEqual([]);
  });

  it('selects what the release file says', async () => {
    await expectRelease(name);
  });

  it('routes the paths, with the annotations, the README’s edge table lists', async () => {
    expect(await ingressProblems(kube(name), run.environment(name), README)).toEqual([]);
  });

  it('has its Helm releases deployed, with each service’s PrometheusRule and PodMonitor', async () => {
    const json = JSON.parse(readFileSync(join(run.workdir(name).dir, 'cdk.tf.json'), 'utf8'));
    const releases = Object.values<any>(json.resource.helm_release).map((r) => r.name as string);
    expect(releases.length).toBeGreaterThan(3);
    expect(await monitoringProblems(kube(name), run.environment(name), releases)).toEqual([]);
  });
});

describe('production refuses to be destroyed', () => {
  it('plan -destroy is refused for every protected resource', async () => {
    const wd = run.workdir('production');
    const json = JSON.parse(readFileSync(join(wd.dir, 'cdk.tf.json'), 'utf8'));
    const addresses = protectedAddresses(json);
    const types = new Set(addresses.map((a) => a.split('.')[0]));
    expect([...types].sort()).toEqual([...PREVENT_DESTROY_TYPES].sort());
    const plan = await timed(log, 'production: plan -destroy', () => wd.plan(['-destroy']));
    expect(plan.status).toBe(1);
    expect(unrefusedDestroys(`${plan.stdout}\n${plan.stderr}`, addresses)).toEqual([]);
  });
});

describe("the README's release flow, applied step by step (production)", () => {
  const steps = readmeBlock(README, 'release-block')
    .filter((line) => line.startsWith('npm run release -- '))
    .map((line) => line.replace(/#.*$/, '').trim().replace('npm run release -- ', '').split(/\s+/));

  it('has the steps the README shows', () => {
    expect(steps.map((s) => s[1])).toEqual([
      'status',
      'stage',
      'promote',
      'rollback',
      'abandon',
      'stage',
      'promote',
      'finish',
    ]);
  });

  it.each(steps.filter((s) => s[1] !== 'status').map((s) => [s.slice(1).join(' '), s] as const))(
    '%s: applies, runs what the file says, then plans nothing',
    async (_what, args) => {
      log(run.release(args));
      await timed(log, `production: ${args.slice(1).join(' ')} applied`, () => run.apply('production'));
      await expectRelease('production');
      await expectNoChanges('production');
    },
  );
});

describe('planted defects are caught', () => {
  it('a privileged container in a pod template that apply accepts', async () => {
    const env = run.environment('staging');
    const wd = run.workdir('staging');
    wd.edit((json) => {
      const cron: any = Object.values(json.resource.kubernetes_cron_job_v1)[0];
      Object.assign(cron.spec.job_template.spec.template.spec.container[0].security_context, {
        privileged: true,
        allow_privilege_escalation: true,
      });
    });
    await timed(log, 'staging: planted privileged template applied', () => wd.apply());
    const problems = await podTemplateProblems(kube('staging'), [env.namespace]);
    expect(problems).toEqual([
      expect.stringMatching(
        /cronjobs\/db-backup: its pod template is refused: .*violates PodSecurity "restricted:latest": privileged/,
      ),
    ]);
    // Back to what the stack says.
    await run.apply('staging');
    expect(await podTemplateProblems(kube('staging'), [env.namespace])).toEqual([]);
  });

  it('S3 access logging turned on before the target bucket’s policy exists', async () => {
    const stacks = run.synth();
    const logging = (dir: string, prefix: string, withOrdering: boolean) => {
      const wd = new Workdir(join(run.dir, 'terraform', dir), {
        kubeconfig: run.cluster.kubeconfig,
        motoEndpoint: run.cluster.motoEndpoint,
      });
      wd.load(join(stacks, 'production'));
      // Buckets of their own (moto holds production's already), the rest unchanged.
      let target = '';
      wd.edit((json) => {
        Object.assign(json, JSON.parse(JSON.stringify(json).replaceAll('catbird-mls-', `${prefix}-mls-`)));
        const [id, resource] = Object.entries<any>(json.resource.aws_s3_bucket_logging).find(([key]) =>
          key.startsWith('backup-bucket_logging'),
        )!;
        if (!withOrdering) delete resource.depends_on;
        target = `aws_s3_bucket_logging.${id}`;
      });
      wd.init();
      // Only the logging and what it depends on: with no ordering, the policy is not among them.
      return wd.run(['apply', '-auto-approve', '-no-color', `-target=${target}`]);
    };
    const planted = await timed(log, 'planted: logging without its ordering', () =>
      logging('planted-logging', 'planted', false),
    );
    expect(planted.status).toBe(1);
    expect(`${planted.stdout}${planted.stderr}`).toMatch(/InvalidTargetBucketForLogging/);
    const control = await timed(log, 'control: logging with its ordering', () =>
      logging('control-logging', 'control', true),
    );
    expect(`${control.stdout}${control.stderr}`).toMatch(/Apply complete!/);
    expect(control.status).toBe(0);
  });
});
