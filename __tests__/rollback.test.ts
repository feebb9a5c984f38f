/**
 * The automatic rollback: reading a failed apply for the analyses that did
 * not pass, the proof that its plan only moves traffic back, and the order
 * of its steps (nothing applied or recorded after a refused plan). The run
 * against a real API server is in __tests__/cluster.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RollbackRefused,
  RollbackSteps,
  analysisFailures,
  parseRollbackArgs,
  rollback,
  runRollback,
} from '../bin/rollback-command';
import { differences, trafficOnlyProblems } from '../bin/rollback-guard';
import { environment } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any -- plan JSON */

/** Terraform's way of printing a diagnostic: boxed, wrapped at 78 columns. */
function boxed(message: string): string {
  const words = message.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + w.length + 1 > 76) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  lines.push(line);
  return ['╷', ...lines.map((l) => `│ ${l}`), '╵'].join('\n');
}

const PRE_FAILED = boxed(
  'Error: Resource precondition failed on cdk.tf.json line 1234, in resource "kubernetes_service_v1" "mls-server_service_83ECB1D6": ' +
    'The analysis of mls-server 1.5.0 (stage 7) before the switch did not pass, so traffic did not move: ' +
    'FAIL: error_ratio = 0.231, must be at most 0.01 (3 of 3 measurements failed; 0 allowed). Its log: kubectl -n production logs job/mls-server-pre-1.5.0-s7',
);
const POST_FAILED = boxed(
  'Error: job: production/mls-server-post-1.5.0-s7 is in failed state with kubernetes_job_v1.mls-server_analysis-post_job_F6FB162D, on cdk.tf.json line 900',
);

describe('the analyses a failed apply names', () => {
  const services = ['mls-server', 'mls'];

  it('reads the verdict before a switch, unwrapping Terraform’s box', () => {
    expect(analysisFailures(`Plan: 0 to add\n${PRE_FAILED}\n`, services)).toEqual([
      {
        service: 'mls-server',
        when: 'pre',
        detail: 'FAIL: error_ratio = 0.231, must be at most 0.01 (3 of 3 measurements failed; 0 allowed)',
      },
    ]);
  });

  it('reads a failed Job after a switch, by the longest service name it starts with', () => {
    expect(analysisFailures(POST_FAILED, services)).toEqual([
      { service: 'mls-server', when: 'post', detail: 'Job mls-server-post-1.5.0-s7 failed' },
    ]);
  });

  it('ignores failures that are not an analysis’s, and services that are not the environment’s', () => {
    expect(analysisFailures(boxed('Error: job: production/db-backup-123 is in failed state'), services)).toEqual([]);
    expect(analysisFailures(POST_FAILED, ['agent'])).toEqual([]);
    expect(analysisFailures(boxed('Error: creating S3 bucket: AccessDenied'), services)).toEqual([]);
  });
});

/** A resource change, the shape `terraform show -json` writes. */
function change(type: string, actions: string[], before: any, after: any, afterUnknown: any = {}) {
  return { address: `${type}.x`, type, change: { actions, before, after, after_unknown: afterUnknown } };
}
const service = (colour: string, annotations?: object) => ({
  metadata: [
    { name: 'mls-server', labels: { app: 'mls-server', version: colour }, annotations, resource_version: '7' },
  ],
  spec: [{ selector: { app: 'mls-server', version: colour }, port: [{ port: 80 }] }],
});
const deployment = (replicas: number, image = 'ghcr.io/catbird/mls-server:1.5.0') => ({
  metadata: [{ name: 'mls-server-green' }],
  spec: [{ replicas: String(replicas), template: [{ spec: [{ container: [{ image }] }] }] }],
});
const analysisJob = {
  metadata: [{ name: 'mls-server-post-1.5.0-s7', labels: { 'mls.catbird.blue/analysis-of': 'mls-server' } }],
};
const plan = (...changes: any[]) => ({ format_version: '1.2', resource_changes: changes });

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
      { spec: [{ scale_target_ref: [{ name: 'mls-server-green' }], max_replicas: 6 }] },
      { spec: [{ scale_target_ref: [{ name: 'mls-server-blue' }], max_replicas: 6 }] },
    ),
    change(
      'helm_release',
      ['update'],
      // As the Helm provider 3.1 plans it: id and metadata unknown.
      { id: 'mls-server-mon', name: 'mls-server-mon', values: ['a'], metadata: [{ revision: 2 }] },
      { name: 'mls-server-mon', values: ['b'] },
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
    expect(trafficOnlyProblems(allowed)).toEqual([]);
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
        spec: [{ selector: {}, port: [{ port: 8080 }] }],
      }),
      /changes spec\.0\.port\.0\.port \(a rollback may change only spec\.0\.selector/,
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
  ])('refuses %s, naming the resource and the attribute', (_what, rc, problem) => {
    const problems = trafficOnlyProblems(plan(...allowed.resource_changes, rc));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${rc.address.replace('.', '\\.')}: `));
    expect(problems[0]).toMatch(problem);
  });

  it('refuses what is not a plan, and a plan that failed', () => {
    expect(trafficOnlyProblems({ resource_changes: 'x' })).toEqual(['not a Terraform plan (no resource_changes list)']);
    expect(trafficOnlyProblems({ errored: true, resource_changes: [] })).toEqual(['the plan failed']);
  });

  it('names differing attributes, never their values', () => {
    expect(differences({ a: { b: 'secret-1' } }, { a: { b: 'secret-2' } })).toEqual(['a.b']);
  });
});

describe('the rollback’s steps', () => {
  const failures = [{ service: 'mls-server', when: 'post' as const, detail: 'Job mls-server-post-1.5.0-s7 failed' }];

  function steps(planned: any, done: string[]): RollbackSteps {
    let t = 0;
    return {
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
      'production',
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
      rollback('production', failures, steps(plan(change('aws_s3_bucket', ['delete'], {}, null)), done)),
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

  const runWith = (log: string, planned: any, args: string[] = []) => {
    const file = join(dir, 'apply.log');
    writeFileSync(file, log);
    const out: string[] = [];
    const done: string[] = [];
    const code = runRollback(['production', '--apply-log', file, ...args], {
      root: dir,
      environments: [environment('production')],
      steps: () => ({
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

  it('rolls back what the log names and writes the report', () => {
    const report = join(dir, 'report.md');
    const res = runWith(
      POST_FAILED,
      plan(change('kubernetes_service_v1', ['update'], service('green'), service('blue'))),
      ['--report', report],
    );
    expect(res.code).toBe(0);
    expect(res.done).toEqual(['release', 'synth', 'apply', 'record']);
    expect(readFileSync(report, 'utf8')).toContain('### Automatic rollback: production');
    expect(readFileSync(report, 'utf8')).toContain(
      '- **mls-server**: the analysis after the switch failed: Job mls-server-post-1.5.0-s7 failed',
    );
  });

  it('exits 3 and does nothing when no analysis failed', () => {
    const res = runWith(boxed('Error: creating S3 bucket: AccessDenied'), plan());
    expect(res).toMatchObject({ code: 3, done: [] });
    expect(res.out).toMatch(/nothing to roll back/);
  });

  it('exits 1 and applies nothing on a plan that is more than traffic', () => {
    const res = runWith(PRE_FAILED, plan(change('aws_s3_bucket', ['delete'], {}, null)));
    expect(res.code).toBe(1);
    expect(res.done).toEqual(['release', 'synth']);
    expect(res.out).toContain('aws_s3_bucket.x: delete is not part of a rollback');
  });

  it.each<[string[], string]>([
    [[], 'name an environment'],
    [['production'], '--apply-log is required: the output of the failed apply'],
    [['production', '--apply-log'], '--apply-log needs a file'],
    [['production', '--apply-log', 'a', '--apply-log', 'b'], '--apply-log is given twice'],
    [['production', '--force', 'x'], 'unknown argument "--force"'],
  ])('refuses %j: %s', (args, error) => {
    expect(parseRollbackArgs(args)).toEqual({ error });
  });
});
