/**
 * The automatic rollback: reading a failed apply for the analyses that did
 * not pass, the proof that its plan only moves traffic back, and the order
 * of its steps (nothing applied or recorded after a refused plan). The run
 * against a real API server is in __tests__/cluster.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RollbackRefused,
  RollbackSteps,
  analysisEvidence,
  currentSwitches,
  parseRollbackArgs,
  rollback,
  runRollback,
} from '../bin/rollback-command';
import { differences, rollbackTarget, trafficOnlyProblems } from '../bin/rollback-guard';
import { ConfigError } from '../core/errors';
import { SynthJson, environment, helmRelease, synthJson } from './helpers';
import { monitoringReleaseName } from '../core/names';

/* eslint-disable @typescript-eslint/no-explicit-any -- plan JSON */

/** A verdict as analysis.sh writes it; production's switch to 1.5.0 at stage 7 unless changed. */
const verdict = (changes: Record<string, unknown> = {}) =>
  JSON.stringify({
    format: 1,
    verdict: 'FAIL',
    namespace: 'production',
    service: 'mls-server',
    when: 'post',
    release: '1.5.0',
    stage: '7',
    summary: 'error_ratio = 0.31, must be at most 0.0144 (3 of 3 measurements failed; 2 allowed)',
    checks: [],
    ...changes,
  });

/** `terraform show -json`'s state holding these verdict records (and a resource that is none). */
const state = (...messages: string[]) => ({
  format_version: '1.0',
  values: {
    root_module: {
      resources: [
        { address: 'aws_s3_bucket.b', type: 'aws_s3_bucket', values: { bucket: 'b' } },
        ...messages.map((message, i) => ({
          address: `terraform_data.mls-server_analysis-post_verdict-record_${i}`,
          type: 'terraform_data',
          values: { input: { message }, output: { message } },
        })),
      ],
    },
  },
});

/** Production mid-release: green runs 1.5.0 (stage 7) and takes traffic. */
const switchedEdit = (r: any) => {
  const svc = r.services['mls-server'];
  svc.green = { image: 'ghcr.io/catbird/mls-server:1.5.0', replicas: 3, stage: 7 };
  svc.live = 'green';
  svc.phase = 'switched';
  r.stages = 7;
};
const switchedProduction = () => environment('production', (_s, r) => switchedEdit(r));

describe('the evidence a rollback acts on', () => {
  it('is a FAIL verdict of this environment’s current switch, read from state', () => {
    expect(analysisEvidence(state(verdict()), switchedProduction())).toEqual({
      failures: [
        {
          service: 'mls-server',
          when: 'post',
          detail: 'error_ratio = 0.31, must be at most 0.0144 (3 of 3 measurements failed; 2 allowed)',
        },
      ],
      ignored: [],
    });
    expect(analysisEvidence(state(verdict({ when: 'pre' })), switchedProduction()).failures).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['another environment’s', { namespace: 'staging' }, 'namespace is "staging", not "production"'],
    ['an earlier release’s', { release: '1.4.2' }, 'release is "1.4.2", not "1.5.0"'],
    ['an earlier stage’s', { stage: '6' }, 'stage is 6, not 7'],
    ['another service’s', { service: 'agent' }, 'production/agent has no switch in production'],
  ])('is never %s failed analysis: it is named, not acted on', (_what, changes, mismatch) => {
    const evidence = analysisEvidence(state(verdict(changes)), switchedProduction());
    expect(evidence.failures).toEqual([]);
    expect(evidence.ignored).toHaveLength(1);
    expect(evidence.ignored[0]).toContain(`is not about production's current switch: ${mismatch}`);
  });

  it('is never an INCONCLUSIVE verdict: no evidence of harm, a person decides', () => {
    const evidence = analysisEvidence(
      state(verdict({ verdict: 'INCONCLUSIVE', summary: 'error_ratio: 5 of 5 measurements had no trustworthy data' })),
      switchedProduction(),
    );
    expect(evidence.failures).toEqual([]);
    expect(evidence.ignored[0]).toMatch(
      /gave no verdict \(error_ratio: 5 of 5 .*\): no evidence of harm, so no automatic rollback; a person decides: npm run release -- production finish --service mls-server keeps it/,
    );
  });

  it('is never a PASS, nor a switch that is over, nor a record that holds no verdict', () => {
    expect(analysisEvidence(state(verdict({ verdict: 'PASS' })), switchedProduction())).toEqual({
      failures: [],
      ignored: [],
    });
    expect(analysisEvidence(state(verdict()), environment('production')).failures).toEqual([]);
    const broken = analysisEvidence(state('FAIL: error_ratio = 0.3', ''), switchedProduction());
    expect(broken.failures).toEqual([]);
    expect(broken.ignored).toEqual([
      'terraform_data.mls-server_analysis-post_verdict-record_0: not a verdict (not JSON): "FAIL: error_ratio = 0.3"',
      'terraform_data.mls-server_analysis-post_verdict-record_1: no verdict (the analysis pod is gone or never ran)',
    ]);
  });

  it('lists the switches a verdict must be about, from the release file', () => {
    expect(currentSwitches(switchedProduction())).toEqual([
      { namespace: 'production', service: 'mls-server', release: '1.5.0', stage: 7, when: 'pre' },
      { namespace: 'production', service: 'mls-server', release: '1.5.0', stage: 7, when: 'post' },
    ]);
    expect(currentSwitches(environment('production'))).toEqual([]);
  });
});

/** A resource change, the shape `terraform show -json` writes. */
function change(type: string, actions: string[], before: any, after: any, afterUnknown: any = {}) {
  return { address: `${type}.x`, type, change: { actions, before, after, after_unknown: afterUnknown } };
}
const service = (colour: string, annotations?: object) => ({
  metadata: [
    {
      namespace: 'production',
      name: 'mls-server',
      labels: { app: 'mls-server', version: colour },
      annotations,
      resource_version: '7',
    },
  ],
  spec: [{ selector: { app: 'mls-server', version: colour }, port: [{ port: 80 }] }],
});
const deployment = (replicas: number, image = 'ghcr.io/catbird/mls-server:1.5.0') => ({
  metadata: [{ namespace: 'production', name: 'mls-server-green' }],
  spec: [{ replicas: String(replicas), template: [{ spec: [{ container: [{ image }] }] }] }],
});
const analysisJob = {
  metadata: [{ name: 'mls-server-post-1.5.0-s7', labels: { 'mls.catbird.blue/analysis-of': 'mls-server' } }],
};
const plan = (...changes: any[]) => ({ format_version: '1.2', resource_changes: changes });
const other = (colour: string) => ({
  ...service(colour),
  metadata: [{ namespace: 'production', name: 'other', labels: { version: colour } }],
});
const autoscaler = (target: string, maxReplicas = 6) => ({
  metadata: [{ namespace: 'production', name: 'mls-server' }],
  spec: [{ scale_target_ref: [{ name: target }], max_replicas: maxReplicas }],
});
/** Production's target once mls-server rolls back from green to blue. */
const target = () => rollbackTarget(switchedProduction(), ['mls-server']);

describe('the rollback guard', () => {
  const allowed = plan(
    change(
      'kubernetes_service_v1',
      ['update'],
      service('green', { 'mls.catbird.blue/promotion': 'after analysis: …' }),
      service('blue'),
    ),
    change(
      'kubernetes_horizontal_pod_autoscaler_v2',
      ['update'],
      autoscaler('mls-server-green'),
      autoscaler('mls-server-blue'),
    ),
    change(
      'helm_release',
      ['update'],
      // As the Helm provider 3.1 plans it: id and metadata unknown.
      {
        id: 'mls-server-mon',
        name: 'mls-server-mon',
        values: ['up{colour="green"} # No green (live) pod'],
        metadata: [{ revision: 2 }],
      },
      { name: 'mls-server-mon', values: ['up{colour="blue"} # No blue (live) pod'] },
      { id: true, metadata: true },
    ),
    change('kubernetes_deployment_v1', ['update'], deployment(5), deployment(3)),
    change('kubernetes_job_v1', ['delete'], analysisJob, null),
    change('kubernetes_config_map_v1', ['delete'], analysisJob, null),
    change('kubernetes_namespace_v1', ['no-op'], { a: 1 }, { a: 1 }),
    {
      address: 'data.kubernetes_resources.v',
      type: 'kubernetes_resources',
      change: { actions: ['read'], before: null, after: {} },
    },
  );

  it('lets a plan through that moves traffic back and removes the analysis', () => {
    expect(trafficOnlyProblems(allowed, target())).toEqual([]);
  });

  it.each<[string, any, RegExp]>([
    ['a creation', change('kubernetes_job_v1', ['create'], null, analysisJob), /create is not part of a rollback/],
    [
      'a replacement',
      change('kubernetes_job_v1', ['delete', 'create'], analysisJob, analysisJob),
      /delete\+create is not part of a rollback/,
    ],
    [
      'a Service port',
      change('kubernetes_service_v1', ['update'], service('green'), {
        ...service('blue'),
        spec: [{ selector: { app: 'mls-server', version: 'blue' }, port: [{ port: 8080 }] }],
      }),
      /changes spec\.0\.port\.0\.port \(a rollback may change only spec\.0\.selector\.version, /,
    ],
    [
      'an image',
      change('kubernetes_deployment_v1', ['update'], deployment(3), deployment(3, 'evil:1')),
      /changes spec\.0\.template/,
    ],
    [
      'a colour scaled to zero',
      change('kubernetes_deployment_v1', ['update'], deployment(3), deployment(0)),
      /scales a colour to zero/,
    ],
    [
      'a ConfigMap that is not an analysis’s',
      change('kubernetes_config_map_v1', ['delete'], { metadata: [{ name: 'dashboard', labels: {} }] }, null),
      /delete is not part of a rollback/,
    ],
    [
      'another Helm release',
      change('helm_release', ['update'], { name: 'loki', values: ['a'] }, { name: 'loki', values: ['b'] }),
      /update is not part of a rollback/,
    ],
    [
      'a value known only after apply',
      change('kubernetes_service_v1', ['update'], service('green'), service('blue'), { spec: [{ cluster_ip: true }] }),
      /changes spec\.0\.cluster_ip/,
    ],
    ['another type', change('aws_s3_bucket', ['update'], { a: 1 }, { a: 2 }), /update is not part of a rollback/],
    [
      'a selector left on the failed colour',
      change('kubernetes_service_v1', ['update'], service('blue'), service('green')),
      /selects green; after the rollback the release file says blue/,
    ],
    [
      'another annotation of the Service',
      change('kubernetes_service_v1', ['update'], service('green'), service('blue', { 'example.com/x': 'y' })),
      /changes metadata\.0\.annotations \(/,
    ],
    [
      'a Service of no released service',
      change('kubernetes_service_v1', ['update'], other('green'), other('blue')),
      /production\/other is not a Service of a released service/,
    ],
    [
      'an autoscaler aimed at the failed colour',
      change(
        'kubernetes_horizontal_pod_autoscaler_v2',
        ['update'],
        autoscaler('mls-server-blue'),
        autoscaler('mls-server-green'),
      ),
      /targets mls-server-green, not the live colour's Deployment/,
    ],
    [
      'an autoscaler’s range',
      change(
        'kubernetes_horizontal_pod_autoscaler_v2',
        ['update'],
        autoscaler('mls-server-green'),
        autoscaler('mls-server-blue', 60),
      ),
      /changes spec\.0\.max_replicas/,
    ],
    [
      'monitoring values beyond the colour',
      change(
        'helm_release',
        ['update'],
        { name: 'mls-server-mon', values: ['up{colour="green"} > 0.1'] },
        { name: 'mls-server-mon', values: ['up{colour="blue"} > 0.5'] },
      ),
      /changes its values beyond the colour they name/,
    ],
    [
      'replicas other than the release file’s',
      change('kubernetes_deployment_v1', ['update'], deployment(3), deployment(9)),
      /sets 9 replicas; the release file says 3/,
    ],
  ])('refuses %s, naming the resource and the attribute', (_what, rc, problem) => {
    const problems = trafficOnlyProblems(plan(...allowed.resource_changes, rc), target());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${rc.address.replace('.', '\\.')}: `));
    expect(problems[0]).toMatch(problem);
  });

  it('lets through the monitoring values the stacks really write for each colour, and nothing more', () => {
    const release = monitoringReleaseName('mls-server');
    const values = (json: SynthJson) => helmRelease(json, release).values;
    const rolledBack = synthJson('production', (_s, r) => {
      const svc = r.services['mls-server'];
      svc.green = { image: 'ghcr.io/catbird/mls-server:1.5.0', replicas: 3, stage: 7 };
      svc.phase = 'staged';
      r.stages = 7;
    });
    const before = { name: release, values: values(synthJson('production', (_s, r) => switchedEdit(r))) };
    const after = { name: release, values: values(rolledBack) };
    expect(before.values).not.toEqual(after.values);
    expect(trafficOnlyProblems(plan(change('helm_release', ['update'], before, after)), target())).toEqual([]);
    const raised = { name: release, values: [after.values[0].replace(/> 0\.0144/, '> 0.5')] };
    expect(raised.values).not.toEqual(after.values);
    expect(trafficOnlyProblems(plan(change('helm_release', ['update'], before, raised)), target())).toEqual([
      'helm_release.x: changes its values beyond the colour they name',
    ]);
  });

  it('refuses what is not a plan, and a plan that failed', () => {
    expect(trafficOnlyProblems({ resource_changes: 'x' }, target())).toEqual([
      'not a Terraform plan (no resource_changes list)',
    ]);
    expect(trafficOnlyProblems({ errored: true, resource_changes: [] }, target())).toEqual(['the plan failed']);
  });

  it('names differing attributes, never their values', () => {
    expect(differences({ a: { b: 'secret-1' } }, { a: { b: 'secret-2' } })).toEqual(['a.b']);
  });
});

describe('the rollback’s steps', () => {
  const failures = [{ service: 'mls-server', when: 'post' as const, detail: 'error_ratio = 0.31' }];

  function steps(planned: any, done: string[]): RollbackSteps {
    let t = 0;
    return {
      state: () => state(),
      release: (svc) => (done.push(`release ${svc}`), `production/${svc}: traffic green → blue`),
      synth: () => void done.push('synth'),
      plan: () => (done.push('plan'), planned),
      apply: () => void done.push('apply'),
      record: (message) => (done.push(`record ${message.split('\n')[0]}`), 'abc1234'),
      now: () => (t += 1000),
    };
  }

  it('moves the file, plans, proves, applies, records, in that order', () => {
    const done: string[] = [];
    const report = rollback(
      switchedProduction(),
      failures,
      steps(plan(change('kubernetes_service_v1', ['update'], service('green'), service('blue'))), done),
    );
    expect(done).toEqual(['release mls-server', 'synth', 'plan', 'apply', 'record Roll back production: mls-server']);
    expect(report.commit).toBe('abc1234');
    expect(report.changes).toEqual(['update kubernetes_service_v1.x']);
    expect(report.timings).toEqual({ release: 1000, synth: 1000, plan: 1000, apply: 1000, record: 1000 });
  });

  it('applies and records nothing when the plan is more than traffic', () => {
    const done: string[] = [];
    expect(() =>
      rollback(switchedProduction(), failures, steps(plan(change('aws_s3_bucket', ['delete'], {}, null)), done)),
    ).toThrow(RollbackRefused);
    expect(done).toEqual(['release mls-server', 'synth', 'plan']);
  });
});

describe('npm run rollback', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rollback-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const runWith = (recorded: any, planned: any, args: string[] = []) => {
    const out: string[] = [];
    const done: string[] = [];
    const code = runRollback(['production', ...args], {
      root: dir,
      environments: [switchedProduction()],
      steps: () => ({
        state: () => recorded,
        release: () => (done.push('release'), 'production/mls-server: traffic green → blue'),
        synth: () => void done.push('synth'),
        plan: () => planned,
        apply: () => void done.push('apply'),
        record: () => (done.push('record'), 'abc1234'),
      }),
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    return { code, out: out.join('\n'), done };
  };

  it('rolls back what the state’s verdict names and writes the report', () => {
    const report = join(dir, 'report.md');
    const res = runWith(
      state(verdict()),
      plan(change('kubernetes_service_v1', ['update'], service('green'), service('blue'))),
      ['--report', report],
    );
    expect(res.code).toBe(0);
    expect(res.done).toEqual(['release', 'synth', 'apply', 'record']);
    expect(readFileSync(report, 'utf8')).toContain('### Automatic rollback: production');
    expect(readFileSync(report, 'utf8')).toContain(
      '- **mls-server**: the analysis after the switch failed: error_ratio = 0.31, must be at most 0.0144',
    );
  });

  it('exits 3, does nothing and says why when there is no evidence', () => {
    const report = join(dir, 'none.md');
    const res = runWith(state(verdict({ release: '1.4.2' })), plan(), ['--report', report]);
    expect(res).toMatchObject({ code: 3, done: [] });
    expect(res.out).toMatch(/nothing to roll back/);
    expect(readFileSync(report, 'utf8')).toMatch(/^### No automatic rollback: production\n/);
    expect(readFileSync(report, 'utf8')).toContain('release is "1.4.2", not "1.5.0"');
  });

  it('exits 1 and applies nothing on a plan that is more than traffic', () => {
    const res = runWith(state(verdict({ when: 'pre' })), plan(change('aws_s3_bucket', ['delete'], {}, null)));
    expect(res.code).toBe(1);
    expect(res.done).toEqual(['release', 'synth']);
    expect(res.out).toContain('aws_s3_bucket.x: delete is not part of a rollback');
  });

  it('names an invalid environment file instead of printing a stack trace', () => {
    const out: string[] = [];
    const code = runRollback(['production'], {
      root: dir,
      steps: () => {
        throw new Error('must not run');
      },
      out: (l) => out.push(l),
      err: (l) => out.push(l),
      validate: () => {
        throw new ConfigError([{ environment: 'staging', path: 'replicas', message: 'must be at least 1' }]);
      },
    });
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(
      /^error: the environment files are not valid, so nothing can be rolled back by this command:\n.*staging.*replicas: must be at least 1/s,
    );
  });

  it.each<[string[], string]>([
    [[], 'name an environment'],
    [['production', '--report'], '--report needs a file'],
    [['production', '--apply-log', 'f'], 'unknown option "--apply-log"'],
    [['production', 'staging'], 'unexpected argument "staging"'],
    [['production', '--force'], 'unknown option "--force"'],
  ])('refuses %j: %s', (args, error) => {
    expect(parseRollbackArgs(args)).toEqual({ error });
  });
});
