/**
 * Production's cluster test, beside staging's (staging.test.ts): the stack
 * applied from empty on a Kubernetes API server of its own with moto and the
 * mirror's providers, the live checks, `plan -destroy` refused for every
 * protected resource, the README's release flow applied step by step, S3
 * access logging planted without its ordering, and the faults during a
 * release (fault-cases.ts). Each step prints its time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PREVENT_DESTROY_TYPES } from '../../core/protection';
import { timed } from '../../tooling/cluster/cluster';
import { protectedAddresses, unrefusedDestroys } from '../../tooling/cluster/checks';
import { Workdir } from '../../tooling/cluster/workdir';
import { readmeBlock } from '../e2e/project-copy';
import { AFTER_EMPTY_PLAN, RELEASES, appliedFromEmpty, environmentRun } from './common';
import { faultCases } from './fault-cases';

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON */
const e = environmentRun('production');
const { log, expectNoChanges, expectRelease } = e;
const run = e.run;

appliedFromEmpty('production', e);

describe('production refuses to be destroyed', () => {
  it('plan -destroy is refused for every protected resource', async () => {
    const wd = run().workdir('production');
    const json = JSON.parse(readFileSync(join(wd.dir, 'cdk.tf.json'), 'utf8'));
    const addresses = protectedAddresses(json);
    const types = new Set(addresses.map((a) => a.split('.')[0]));
    expect([...types].sort()).toEqual([...PREVENT_DESTROY_TYPES].sort());
    // Right after the empty second plan, which read everything: what is refused is the plan, not a read.
    const plan = await timed(log, 'production: plan -destroy', () => wd.plan(['-destroy', ...AFTER_EMPTY_PLAN]));
    expect(plan.status).toBe(1);
    expect(unrefusedDestroys(`${plan.stdout}\n${plan.stderr}`, addresses)).toEqual([]);
  });
});

describe("the README's release flow, applied step by step (production)", () => {
  const steps = readmeBlock(RELEASES, 'release-block')
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
      log(run().release(args));
      // Each step follows an empty plan that read every resource (the previous step's, or the fresh apply's).
      await timed(log, `production: ${args.slice(1).join(' ')} applied`, () =>
        run().apply('production', AFTER_EMPTY_PLAN),
      );
      await expectRelease();
      await expectNoChanges();
    },
  );
});

describe('planted defects are caught', () => {
  it('S3 access logging turned on before the target bucket’s policy exists', async () => {
    const stacks = run().synth();
    const logging = (dir: string, prefix: string, withOrdering: boolean) => {
      const wd = new Workdir(join(run().dir, 'terraform', dir), {
        kubeconfig: run().cluster.kubeconfig,
        motoEndpoint: run().cluster.motoEndpoint,
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

faultCases(run, log);
