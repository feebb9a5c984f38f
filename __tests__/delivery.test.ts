import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ROOT = join(__dirname, '..');
const workflow = (name: string): any => parse(readFileSync(join(ROOT, '.github/workflows', name), 'utf8'));
const runs = (job: any): string => job.steps.map((s: any) => s.run ?? '').join('\n');
const uses = (job: any): string[] => job.steps.map((s: any) => s.uses).filter(Boolean);

describe('ci.yml', () => {
  const ci = workflow('ci.yml');
  const job = ci.jobs.test;

  it('runs on push to main and on pull requests, read-only', () => {
    expect(ci.on).toEqual({ push: { branches: ['main'] }, pull_request: null });
    expect(ci.permissions).toEqual({ contents: 'read' });
  });

  it('installs from the lock file with an npm cache, then typechecks, lints, tests, synthesizes and gates', () => {
    expect(job.steps.find((s: any) => s.uses?.startsWith('actions/setup-node')).with).toMatchObject({ cache: 'npm' });
    const commands = runs(job);
    const order = [
      'npm ci',
      'npm run typecheck',
      'npm run lint',
      'npx jest --ci',
      'npx cdktf synth',
      'npm run validate',
    ];
    expect(order.map((c) => commands.indexOf(c))).toEqual(
      [...order.map((c) => commands.indexOf(c))].sort((a, b) => a - b),
    );
    for (const c of order) expect(commands).toContain(c);
  });
});

describe('plan.yml', () => {
  const plan = workflow('plan.yml');

  it('runs on pull requests with OIDC and permission to comment', () => {
    expect(Object.keys(plan.on)).toEqual(['pull_request']);
    expect(plan.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
  });

  it('plans each stack from a read-only role, keeping the plan files as artifacts', () => {
    const job = plan.jobs.plan;
    expect(job.strategy.matrix.stack).toEqual(['staging', 'production']);
    expect(
      job.steps.find((s: any) => s.uses?.startsWith('aws-actions/configure-aws-credentials')).with['role-to-assume'],
    ).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
    const commands = runs(job);
    expect(commands).toContain('terraform init -input=false -lock=false');
    expect(commands).toContain('terraform plan -input=false -lock=false -no-color -out=tfplan');
    expect(commands).toContain('terraform show -json tfplan > plan.json');
    expect(uses(job)).toContain('actions/upload-artifact@v4');
  });

  it('posts one sticky comment per pull request, and fails the check when a plan failed', () => {
    const job = plan.jobs.comment;
    expect(job.needs).toBe('plan');
    expect(job.if).toBe('always()');
    expect(runs(job)).toContain('npm run --silent plan:summary -- plans/staging.json plans/production.json');
    const sticky = job.steps.find((s: any) => s.uses?.startsWith('marocchino/sticky-pull-request-comment'));
    expect(sticky.with).toEqual({ header: 'plan-preview', path: 'summary.md' });
    const fail = job.steps.at(-1);
    expect(fail.if).toBe("needs.plan.result != 'success'");
    expect(fail.run).toContain('exit 1');
  });
});

describe('deploy.yml', () => {
  const deploy = workflow('deploy.yml');

  it('deploys staging on push to main', () => {
    const job = deploy.jobs.staging;
    expect(job.if).toBe("github.event_name == 'push'");
    expect(job.environment).toBe('staging');
    expect(runs(job)).toContain('npx cdktf deploy staging --auto-approve');
  });

  it('deploys production only by manual dispatch through the protected environment', () => {
    const job = deploy.jobs.production;
    expect(Object.keys(deploy.on)).toEqual(['push', 'workflow_dispatch']);
    expect(job.if).toBe("github.event_name == 'workflow_dispatch' && inputs.confirm == 'production'");
    expect(job.environment).toBe('production');
    expect(runs(job)).toContain('npx cdktf deploy production --auto-approve');
  });

  it('never runs two deploys of one environment at once, and never cancels one', () => {
    expect(deploy.jobs.staging.concurrency).toEqual({ group: 'deploy-staging', 'cancel-in-progress': false });
    expect(deploy.jobs.production.concurrency).toEqual({ group: 'deploy-production', 'cancel-in-progress': false });
  });
});

describe('policy gate config', () => {
  const text = readFileSync(join(ROOT, 'policy/checkov.yaml'), 'utf8');
  const config = parse(text);

  it('scans the synthesized JSON without calling out', () => {
    expect(config.framework).toEqual(['terraform_json']);
    expect(config['skip-download']).toBe(true);
  });

  it('keeps the skip list short, each skip with a reason on the line above', () => {
    const skips: string[] = config['skip-check'];
    expect(skips.length).toBeLessThanOrEqual(6);
    const lines = text.split('\n');
    for (const id of skips) {
      const at = lines.findIndex((l) => l.trim() === `- ${id}`);
      expect(lines[at - 1]).toMatch(/^\s*# \S.{20,}/);
    }
  });

  it('pins checkov', () => {
    expect(readFileSync(join(ROOT, 'policy/requirements.txt'), 'utf8')).toMatch(/^checkov==\d+\.\d+\.\d+$/m);
  });
});
