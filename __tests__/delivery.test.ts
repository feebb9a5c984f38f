import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENV_NAMES } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ROOT = join(__dirname, '..');
const workflow = (name: string): any => parse(readFileSync(join(ROOT, '.github/workflows', name), 'utf8'));
const runs = (job: any): string => job.steps.map((s: any) => s.run ?? '').join('\n');

const WORKFLOWS = readdirSync(join(ROOT, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f));
const jobsOf = (wf: any): [string, any][] => Object.entries(wf.jobs);

/** Every upload-artifact step of every workflow, with the paths it uploads. */
function uploads(): { where: string; paths: string[] }[] {
  return WORKFLOWS.flatMap((file) =>
    jobsOf(workflow(file)).flatMap(([id, job]) =>
      (job.steps ?? [])
        .filter((s: any) => s.uses?.startsWith('actions/upload-artifact'))
        .map((s: any) => ({
          where: `${file}: ${id}`,
          paths: String(s.with.path)
            .split('\n')
            .map((p) => p.trim())
            .filter(Boolean),
        })),
    ),
  );
}

/** Paths that may leave a runner: redacted plan JSON, an encrypted plan, the provider lock file. */
const SAFE_UPLOAD = /(\/plan\.redacted\.json|\.enc|\/\.terraform\.lock\.hcl)$/;

describe('workflows', () => {
  it.each(WORKFLOWS)('%s runs cdktf with its telemetry check off', (file) => {
    expect(workflow(file).env).toMatchObject({ CHECKPOINT_DISABLE: '1' });
  });

  it('upload no plan that is neither redacted nor encrypted', () => {
    const found = uploads();
    expect(found.length).toBeGreaterThan(0);
    for (const { where, paths } of found) {
      for (const path of paths) expect(`${where}: ${path}`).toMatch(SAFE_UPLOAD);
    }
  });

  it('the upload check catches an unredacted plan', () => {
    for (const bad of ['cdktf.out/stacks/x/plan.json', 'cdktf.out/stacks/x/tfplan', 'plans/*']) {
      expect(bad).not.toMatch(SAFE_UPLOAD);
    }
  });

  it.each(WORKFLOWS)('%s names no environment: the list comes from environments/index.ts', (file) => {
    const text = readFileSync(join(ROOT, '.github/workflows', file), 'utf8');
    for (const name of ENV_NAMES) expect(text).not.toMatch(new RegExp(`\\b${name}\\b`));
  });

  it.each(WORKFLOWS.filter((f) => f !== 'ci.yml'))('%s takes its matrix from bin/environments.ts', (file) => {
    const wf = workflow(file);
    expect(runs(wf.jobs.environments)).toMatch(/node bin\/ts\.mjs bin\/environments\.ts/);
    for (const [, job] of jobsOf(wf)) {
      if (job.strategy) {
        expect(job.strategy.matrix.environment).toBe('${{ fromJSON(needs.environments.outputs.names) }}');
      }
    }
  });

  it('post or summarize only redacted plans', () => {
    for (const file of WORKFLOWS) {
      for (const [, job] of jobsOf(workflow(file))) {
        for (const step of job.steps ?? []) {
          const run: string = step.run ?? '';
          if (/plan-summary|plan:summary/.test(run) && /GITHUB_STEP_SUMMARY|summary\.md/.test(run)) {
            expect(run).toMatch(/plan\.redacted\.json|plans\/\$env\.json/);
          }
        }
      }
    }
  });
});

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
    const order = ['npm ci', 'npm run typecheck', 'npm run lint', 'npx jest --ci', 'npm run synth', 'npm run validate'];
    for (const c of order) expect(commands).toContain(c);
    expect(order.map((c) => commands.indexOf(c))).toEqual(
      [...order.map((c) => commands.indexOf(c))].sort((a, b) => a - b),
    );
  });
});

describe('plan.yml', () => {
  const plan = workflow('plan.yml');

  it('runs on pull requests with OIDC and permission to comment', () => {
    expect(Object.keys(plan.on)).toEqual(['pull_request']);
    expect(plan.permissions).toEqual({ contents: 'read', 'id-token': 'write', 'pull-requests': 'write' });
  });

  it('plans each environment from a read-only role, redacts, and removes the binary plan in the same job', () => {
    const job = plan.jobs.plan;
    expect(
      job.steps.find((s: any) => s.uses?.startsWith('aws-actions/configure-aws-credentials')).with['role-to-assume'],
    ).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
    const commands = runs(job);
    expect(commands).toContain('terraform init -input=false -lock=false');
    expect(commands).toContain('terraform plan -input=false -lock=false -no-color -out=tfplan');
    expect(commands).toContain(
      'node "$GITHUB_WORKSPACE/bin/ts.mjs" bin/plan-redact-command.ts plan.json > plan.redacted.json',
    );
    const remove = job.steps.find((s: any) => s.run === 'rm -f tfplan plan.json');
    expect(remove.if).toBe('always()');
    expect(job.steps.indexOf(remove)).toBeLessThan(
      job.steps.findIndex((s: any) => s.uses?.includes('upload-artifact')),
    );
  });

  it('posts one sticky comment per pull request, and fails the check when a plan failed', () => {
    const job = plan.jobs.comment;
    expect(job.needs).toEqual(['environments', 'plan']);
    expect(runs(job)).toContain('npm run --silent plan:summary -- "${files[@]}"');
    const sticky = job.steps.find((s: any) => s.uses?.startsWith('marocchino/sticky-pull-request-comment'));
    expect(sticky.with).toEqual({ header: 'plan-preview', path: 'summary.md' });
    const fail = job.steps.at(-1);
    expect(fail.if).toBe("needs.plan.result != 'success'");
    expect(fail.run).toContain('exit 1');
  });
});

describe('deploy.yml', () => {
  const deploy = workflow('deploy.yml');

  it('deploys the deploy-on-merge environments on push to main, one named environment by dispatch', () => {
    expect(Object.keys(deploy.on)).toEqual(['push', 'workflow_dispatch']);
    const list = runs(deploy.jobs.environments);
    expect(list).toContain('node bin/ts.mjs bin/environments.ts --only "$REQUESTED"');
    expect(list).toContain('node bin/ts.mjs bin/environments.ts --deploy-on-merge');
  });

  it('shows the redacted plan summary in the plan job, before anyone approves', () => {
    const commands = runs(deploy.jobs.plan);
    expect(commands).toMatch(/plan-summary-command\.ts plan\.redacted\.json; \} >> "\$GITHUB_STEP_SUMMARY"/);
    expect(deploy.jobs.plan.environment).toBeUndefined();
  });

  it('moves the binary plan between jobs only encrypted with a repository secret', () => {
    const plan = runs(deploy.jobs.plan);
    expect(plan).toContain('openssl enc -aes-256-cbc -pbkdf2 -iter 600000 -salt -in tfplan -out tfplan.enc');
    const encrypt = deploy.jobs.plan.steps.find((s: any) => s.run?.includes('openssl enc'));
    expect(encrypt.env.PLAN_ENCRYPTION_KEY).toBe('${{ secrets.PLAN_ENCRYPTION_KEY }}');
  });

  it('applies the saved plan that was shown, in the approved environment, and never re-plans', () => {
    const job = deploy.jobs.apply;
    expect(job.needs).toEqual(['environments', 'plan']);
    expect(job.environment).toBe('${{ matrix.environment }}');
    const commands = runs(job);
    expect(commands).toContain('terraform apply -input=false -no-color tfplan');
    expect(commands).not.toMatch(/terraform plan|cdktf deploy|-auto-approve/);
    for (const file of WORKFLOWS) expect(JSON.stringify(workflow(file))).not.toMatch(/cdktf deploy|auto-approve/);
  });

  it('rolls back by itself only after a failed apply, then records it on main and pages', () => {
    const steps = deploy.jobs.apply.steps;
    const at = (name: string) => steps.findIndex((s: any) => s.name === name);
    const [apply, rollback, record, page] = [
      'terraform apply (the saved plan, nothing else)',
      'Automatic rollback (a release analysis failed)',
      'Record the rollback on main',
      'Page (the apply failed)',
    ].map(at);
    expect([apply, rollback, record, page].every((i) => i >= 0)).toBe(true);
    expect(apply < rollback && rollback < record && record < page).toBe(true);
    // The apply's own status reaches the step (pipefail), and its output the rollback.
    expect(steps[apply].shell).toBe('bash');
    expect(steps[apply].run).toContain('| tee "$RUNNER_TEMP/apply.log"');
    expect(steps[rollback].if).toBe("failure() && steps.apply.outcome == 'failure'");
    expect(steps[rollback].run).toContain(
      'npm run --silent rollback -- "$ENVIRONMENT" --apply-log "$RUNNER_TEMP/apply.log" --report "$RUNNER_TEMP/rollback.md"',
    );
    expect(steps[record].if).toBe("failure() && steps.rollback.outputs.code == '0'");
    expect(steps[record].run).toContain('git push "$remote" HEAD:main');
    expect(steps[page].if).toBe('failure()');
    expect(deploy.jobs.apply.permissions).toEqual({ contents: 'read', 'id-token': 'write', issues: 'write' });
  });

  it('never runs two deploys of one environment at once, and never cancels one', () => {
    expect(deploy.concurrency).toEqual({
      group: "deploy-${{ inputs.environment || 'on-merge' }}",
      'cancel-in-progress': false,
    });
  });
});

describe('drift.yml', () => {
  const drift = workflow('drift.yml');

  it('runs nightly and by hand', () => {
    expect(drift.on.schedule).toEqual([{ cron: expect.stringMatching(/^\d+ \d+ \* \* \*$/) }]);
    expect(drift.on).toHaveProperty('workflow_dispatch');
  });

  it('plans with the read-only role and fails on drift, with the redacted summary in the job summary', () => {
    const job = drift.jobs.drift;
    expect(
      job.steps.find((s: any) => s.uses?.startsWith('aws-actions/configure-aws-credentials')).with['role-to-assume'],
    ).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
    const commands = runs(job);
    expect(commands).toContain('-detailed-exitcode');
    expect(commands).toMatch(/if \[ "\$code" = 2 \]; then .*exit 1; fi/);
    expect(commands).toContain('bin/plan-redact-command.ts plan.json > plan.redacted.json');
    expect(commands).toContain('>> "$GITHUB_STEP_SUMMARY"');
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
