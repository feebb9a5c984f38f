import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENV_NAMES } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ROOT = join(__dirname, '../..');
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

/** Paths that may leave a runner: redacted plan JSON, a sealed plan, the provider lock file. */
const SAFE_UPLOAD = /(\/plan\.redacted\.json|\/tfplan\.sealed|\/\.terraform\.lock\.hcl)$/;

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

  // ci.yml has no environments; deploy-environment.yml is called once per environment by deploy.yml.
  const MATRIX = WORKFLOWS.filter((f) => !['ci.yml', 'deploy-environment.yml'].includes(f));
  it.each(MATRIX)('%s takes its matrix from bin/environments.ts', (file) => {
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

/** Runs one step's script with bash -e, as a runner does, with `env` and fake commands (name → script) first on the PATH. */
function runStep(step: any, env: Record<string, string>, fakes: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'step-'));
  try {
    for (const [name, script] of Object.entries(fakes)) {
      writeFileSync(join(dir, name), `#!/bin/bash\n${script}\n`, { mode: 0o755 });
    }
    const output = join(dir, 'output');
    writeFileSync(output, '');
    const res = spawnSync('bash', ['-e', '-c', step.run], {
      encoding: 'utf8',
      // stdin from /dev/null: Debian's bash reads ~/.bashrc when stdin is a socket, as Node's pipes are.
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: `${dir}:/usr/bin:/bin`,
        GITHUB_OUTPUT: output,
        GITHUB_REPOSITORY: 'catbird/mls-platform-infra',
        ...env,
      },
    });
    return { code: res.status, out: `${res.stdout}${res.stderr}`, outputs: readFileSync(output, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const stepNamed = (job: any, name: string) => {
  const step = job.steps.find((s: any) => s.name === name);
  if (!step) throw new Error(`no step "${name}"`);
  return step;
};

/** Every job of every workflow, as [where, job]. */
const allJobs = (): [string, any][] =>
  WORKFLOWS.flatMap((file) => jobsOf(workflow(file)).map(([id, job]): [string, any] => [`${file}: ${id}`, job]));

describe('least privilege and pinning', () => {
  it.each(WORKFLOWS)('%s grants nothing at the workflow level', (file) => {
    expect(workflow(file).permissions).toEqual({});
  });

  it('pins every action by commit SHA, with its tag beside it', () => {
    for (const file of WORKFLOWS) {
      const lines = readFileSync(join(ROOT, '.github/workflows', file), 'utf8').split('\n');
      for (const line of lines.filter((l) => /^\s*(- )?uses: [^.]/.test(l))) {
        expect(`${file}: ${line.trim()}`).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    }
  });

  it('gives OIDC to AWS only to jobs that assume a role, each in a GitHub environment', () => {
    for (const [where, job] of allJobs()) {
      const assumes = (job.steps ?? []).some((s: any) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
      const oidc = job.permissions?.['id-token'] === 'write';
      if (job.uses) continue; // a reusable workflow's caller: its jobs say for themselves
      expect({ where, oidc }).toEqual({ where, oidc: assumes });
      if (assumes) expect({ where, environment: typeof job.environment }).toEqual({ where, environment: 'string' });
    }
  });

  it('lets only the comment job write to pull requests', () => {
    const writers = allJobs()
      .filter(([, job]) => job.permissions?.['pull-requests'] === 'write')
      .map(([where]) => where);
    expect(writers).toEqual(['plan.yml: comment']);
  });

  it('uses the plan role for plans and drift, the deploy role only to apply', () => {
    const roles = allJobs().flatMap(([where, job]) =>
      (job.steps ?? [])
        .filter((s: any) => s.uses?.startsWith('aws-actions/configure-aws-credentials'))
        .map((s: any) => `${where}: ${s.with['role-to-assume']}`),
    );
    expect(roles.sort()).toEqual([
      'deploy-environment.yml: apply: ${{ vars.AWS_DEPLOY_ROLE_ARN }}',
      'deploy-environment.yml: plan: ${{ vars.AWS_PLAN_ROLE_ARN }}',
      'drift.yml: drift: ${{ vars.AWS_PLAN_ROLE_ARN }}',
      'plan.yml: plan: ${{ vars.AWS_PLAN_ROLE_ARN }}',
    ]);
  });
});

describe('ci.yml', () => {
  const ci = workflow('ci.yml');
  const job = ci.jobs.test;

  it('runs on push to main and on pull requests, cancelling only superseded pull-request runs', () => {
    expect(ci.on).toEqual({ push: { branches: ['main'] }, pull_request: null });
    expect(job.permissions).toEqual({ contents: 'read' });
    expect(ci.concurrency['cancel-in-progress']).toBe("${{ github.event_name == 'pull_request' }}");
  });

  it('runs exactly .ci/run, with Node on an LTS, Go and Terraform pinned, and the built tools cached by version', () => {
    expect(runs(job)).toContain('.ci/run');
    expect(readFileSync(join(ROOT, '.ci/run'), 'utf8')).toMatch(/npm ci && npm run test:all/);
    const setup = (action: string) => job.steps.find((s: any) => s.uses?.startsWith(action)).with;
    expect(String(setup('actions/setup-node')['node-version'])).toBe('22');
    expect(setup('actions/setup-go')['go-version']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(setup('hashicorp/setup-terraform').terraform_version).toBe('1.11.4');
    const caches = job.steps.filter((s: any) => s.uses?.startsWith('actions/cache')).map((s: any) => s.with);
    expect(caches[0]).toMatchObject({ path: '~/.cache/mls-platform-infra/tools' });
    expect(caches[0].key).toContain("hashFiles('tooling/tools.ts')");
    expect(job['timeout-minutes']).toBeGreaterThanOrEqual(60);
  });
});

describe('plan.yml', () => {
  const plan = workflow('plan.yml');

  it('plans each environment in its preview environment, after the approval check, never for a fork', () => {
    const job = plan.jobs.plan;
    expect(job.environment).toBe('${{ matrix.environment }}-preview');
    expect(job.needs).toEqual(['environments', 'approval']);
    expect(plan.jobs.approval.if).toBe("needs.environments.outputs.fork == 'false'");
    expect(plan.jobs.fork.permissions).toEqual({});
    expect(runs(job)).toContain('terraform plan -input=false -lock=false -no-color -out=tfplan');
    const remove = stepNamed(job, 'Remove the unredacted plan');
    expect(remove.if).toBe('always()');
    expect(job.steps.indexOf(remove)).toBeLessThan(
      job.steps.findIndex((s: any) => s.uses?.includes('upload-artifact')),
    );
  });

  it('refuses to plan a gated environment whose preview environment has no required reviewers', () => {
    const step = stepNamed(plan.jobs.approval, "The gated previews' GitHub environments have required reviewers");
    // deploy-checks.ts reviewers (its own tests): here, that every gated environment is asked and any refusal fails.
    const node =
      '[ "$4" = production-preview ] && [ "$REFUSE" = 1 ] && { echo "error: no reviewers"; exit 1; }; echo "asked $4"';
    const refused = runStep(step, { GATED: '["qa","production"]', GH_TOKEN: 'x', REFUSE: '1' }, { node });
    expect(refused).toMatchObject({ code: 1, out: 'asked qa-preview\nerror: no reviewers\n' });
    const ok = runStep(step, { GATED: '["qa","production"]', GH_TOKEN: 'x', REFUSE: '0' }, { node });
    expect(ok).toMatchObject({ code: 0, out: 'asked qa-preview\nasked production-preview\n' });
  });

  it('fails fast, naming each missing secret or variable', () => {
    const res = runStep(stepNamed(plan.jobs.plan, 'Required settings'), {
      AWS_REGION: 'us-east-1',
      WHERE: 'production-preview',
    });
    expect(res.code).toBe(1);
    expect(res.out).toContain(
      'missing: variable AWS_PLAN_ROLE_ARN of the GitHub environment production-preview secret KUBECONFIG of the GitHub environment production-preview',
    );
  });

  it('tells the summary which environments the pull request removes (E17)', () => {
    expect(runs(plan.jobs.environments)).toContain(
      'echo "removed=$(node bin/ts.mjs bin/environments.ts --removed-from "$base")" >> "$GITHUB_OUTPUT"',
    );
    expect(plan.jobs.environments.outputs.removed).toBe('${{ steps.removed.outputs.removed }}');
    const dir = mkdtempSync(join(tmpdir(), 'summary-'));
    try {
      const res = runStep(
        { run: `cd ${dir} && mkdir plans\n${stepNamed(plan.jobs.comment, 'Summarize the redacted plans').run}` },
        { ENVIRONMENTS: '["staging"]', REMOVED: '["production","qa"]' },
        { npm: 'echo "npm $*"' },
      );
      expect(res.code).toBe(0);
      expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain(
        'npm run --silent plan:summary -- --removed production --removed qa plans/staging.json',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('posts one sticky comment per pull request, and fails the check when a plan failed', () => {
    const job = plan.jobs.comment;
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const sticky = job.steps.find((s: any) => s.uses?.startsWith('marocchino/sticky-pull-request-comment'));
    expect(sticky.with).toEqual({ header: 'plan-preview', path: 'summary.md' });
    expect(job.steps.at(-1).if).toBe("needs.plan.result != 'success'");
  });
});

describe('deploy.yml and deploy-environment.yml', () => {
  const deploy = workflow('deploy.yml');
  const one = workflow('deploy-environment.yml');
  const commit = stepNamed(deploy.jobs.environments, 'From main only, at a commit CI passed');

  it('starts after a successful CI run of a push to main, or by a dispatch', () => {
    expect(deploy.on.workflow_run).toEqual({ workflows: ['ci'], types: ['completed'], branches: ['main'] });
    expect(deploy.jobs.environments.if).toContain("github.event.workflow_run.conclusion == 'success'");
    expect(deploy.jobs.deploy.uses).toBe('./.github/workflows/deploy-environment.yml');
  });

  it('refuses a dispatch from a ref other than main', () => {
    const res = runStep(
      commit,
      { EVENT: 'workflow_dispatch', GITHUB_REF: 'refs/heads/feature', GITHUB_SHA: 'abc' },
      { gh: 'echo 1' },
    );
    expect(res.code).toBe(1);
    expect(res.out).toContain('deploys run from main only (this dispatch is from refs/heads/feature)');
  });

  it('refuses a commit with no successful CI run, and passes the tested commit on', () => {
    const base = { EVENT: 'workflow_dispatch', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: 'abc123' };
    const refused = runStep(commit, base, { gh: 'echo 0' });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('commit abc123 has no successful ci run on main');
    const ok = runStep(commit, base, { gh: '[[ "$*" == *"head_sha=abc123&status=success"* ]] && echo 1 || echo 0' });
    expect(ok.code).toBe(0);
    expect(ok.outputs).toBe('sha=abc123\n');
    const merged = runStep(commit, { EVENT: 'workflow_run', RUN_SHA: 'def456', GITHUB_SHA: 'other' }, { gh: 'echo 1' });
    expect(merged.outputs).toBe('sha=def456\n');
  });

  it('serialises each environment: plan and apply share deploy-<environment>, never cancelled', () => {
    for (const job of [one.jobs.plan, one.jobs.apply]) {
      expect(job.concurrency).toEqual({ group: 'deploy-${{ inputs.environment }}', 'cancel-in-progress': false });
    }
    // One waiting run per trigger kind: a newer merge replaces a waiting one (it deploys a descendant).
    expect(deploy.concurrency).toEqual({
      group: "deploy-run-${{ inputs.environment || 'on-merge' }}",
      'cancel-in-progress': false,
    });
  });

  it('asks for no approval when the plan changes nothing', () => {
    expect(one.jobs.apply.if).toBe("needs.plan.outputs.changes == 'true'");
    expect(runs(one.jobs.plan)).toContain('-detailed-exitcode');
    expect(one.jobs.apply.environment).toBe('${{ inputs.environment }}');
  });

  it('applies the saved plan that was shown, with a lock timeout, and never re-plans', () => {
    const commands = runs(one.jobs.apply);
    expect(commands).toContain('terraform apply -input=false -no-color -lock-timeout=300s tfplan');
    expect(commands).not.toMatch(/terraform plan|cdktf deploy|-auto-approve/);
    for (const file of WORKFLOWS) expect(JSON.stringify(workflow(file))).not.toMatch(/cdktf deploy|auto-approve/);
  });

  it('moves the binary plan between jobs only sealed, kept longer than an approval waits, replaced on a re-run', () => {
    const seal = stepNamed(one.jobs.plan, 'Seal the saved plan and show its SHA-256 to the reviewer');
    expect(seal.run).toContain('bin/plan-seal.ts seal --context "$CONTEXT" tfplan tfplan.sealed');
    expect(seal.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(one.jobs.plan.outputs.digest).toBe('${{ steps.seal.outputs.digest }}');
    const open = stepNamed(one.jobs.apply, 'Open the sealed plan (authentic, and the one the reviewer saw)');
    expect(open.run).toContain('bin/plan-seal.ts open --context "$CONTEXT" --sha256 "$DIGEST" tfplan.sealed tfplan');
    expect(open.env.DIGEST).toBe('${{ needs.plan.outputs.digest }}');
    // The same binding on both sides: environment, commit and run.
    expect(open.env.CONTEXT).toBe(seal.env.CONTEXT);
    expect(seal.env.CONTEXT).toBe('${{ inputs.environment }}:${{ inputs.sha }}:${{ github.run_id }}');
    for (const step of [seal, open]) expect(step.env.PLAN_ENCRYPTION_KEY).toBe('${{ secrets.PLAN_ENCRYPTION_KEY }}');
    const upload = one.jobs.plan.steps.find((s: any) => s.uses?.startsWith('actions/upload-artifact')).with;
    expect(upload['retention-days']).toBe(7);
    expect(upload.overwrite).toBe(true);
  });

  it('records the deployed commit beside the state, after the apply only', () => {
    const step = stepNamed(
      one.jobs.apply,
      'Record the deployed commit (the drift check plans against it; the next deploy descends from it)',
    );
    expect(step.if).toBeUndefined();
    expect(step.run).toBe('bin/deployed-commit.sh write "$ENVIRONMENT" "$(git rev-parse "$SHA")"');
  });

  it('deploys only a commit on main that descends from the deployed one, checked again after the approval', () => {
    for (const [job, name, before] of [
      [
        one.jobs.plan,
        'The commit is on main and descends from the deployed one',
        'terraform plan (a plan with no changes asks nobody for approval)',
      ],
      [
        one.jobs.apply,
        'The commit is still on main and descends from the deployed one',
        'terraform apply (the saved plan, nothing else)',
      ],
    ]) {
      const step = stepNamed(job, name);
      expect(step.run).toContain('deployed=$(bin/deployed-commit.sh read "$ENVIRONMENT")');
      expect(step.run).toContain(
        'bin/deploy-checks.ts commit --sha "$SHA" --main origin/main --deployed "$deployed" --supersedes "$SUPERSEDES"',
      );
      expect(job.steps.indexOf(step)).toBeLessThan(job.steps.indexOf(stepNamed(job, before)));
      expect(job.steps[0].with['fetch-depth']).toBe(0);
    }
    expect(deploy.jobs.deploy.with.supersedes).toBe('${{ inputs.supersedes }}');
  });

  it('stops a deploy of a protected environment whose GitHub environment lost its reviewers', () => {
    const step = stepNamed(
      one.jobs.plan,
      'The apply will wait for reviewers (a protected environment without them stops here)',
    );
    expect(step.run).toBe('node bin/ts.mjs bin/deploy-checks.ts reviewers "$ENVIRONMENT"');
    expect(one.jobs.plan.permissions.actions).toBe('read');
  });
});

/** A workflow `if:` evaluated as GitHub does, for the few functions and contexts our conditions use. */
function evaluate(
  expression: string,
  status: 'success' | 'failure' | 'cancelled',
  steps: Record<string, any>,
): boolean {
  const js = expression
    .replace(/\bfailure\(\)/g, String(status === 'failure'))
    .replace(/\bcancelled\(\)/g, String(status === 'cancelled'))
    .replace(/\balways\(\)/g, 'true')
    .replace(/\bsteps\.([\w-]+)\.(outcome|outputs\.[\w-]+)/g, (_m, id, what) =>
      JSON.stringify(what === 'outcome' ? (steps[id]?.outcome ?? '') : (steps[id]?.outputs?.[what.slice(8)] ?? '')),
    )
    .replace(/'/g, '"')
    .replace(/==/g, '===');
  if (/[a-z_]+\(|\bsteps\./.test(js)) throw new Error(`cannot evaluate ${expression}`);
  return Function(`return (${js});`)() as boolean;
}

describe('failure paths that always run', () => {
  const one = workflow('deploy-environment.yml');
  const apply = one.jobs.apply;
  const names = {
    rollback: 'Automatic rollback (a release analysis failed)',
    checked: "Check the rollback's commit and record it as deployed",
    bot: 'Token of the release bot (GitHub App)',
    record: 'Record the rollback on main',
    page: 'Page (the apply failed or was cancelled)',
  };
  /** Which of the failure path's steps run, when the job ends as `status` with these step results. */
  function runsAfter(status: 'success' | 'failure' | 'cancelled', steps: Record<string, any>): string[] {
    return Object.entries(names)
      .filter(([, name]) => evaluate(stepNamed(apply, name).if, status, steps))
      .map(([key]) => key);
  }

  it.each<[string, 'success' | 'failure' | 'cancelled', Record<string, any>, string[]]>([
    ['an apply that succeeded', 'success', { apply: { outcome: 'success' } }, []],
    [
      'a failed apply, rolled back and recorded',
      'failure',
      {
        apply: { outcome: 'failure' },
        rollback: { outputs: { code: '0' } },
        checked: { outcome: 'success' },
        bot: { outcome: 'success' },
      },
      ['rollback', 'checked', 'bot', 'record', 'page'],
    ],
    [
      'an apply cancelled or timed out (a runner cancelled midway)',
      'cancelled',
      { apply: { outcome: 'cancelled' }, rollback: { outputs: { code: '3' } } },
      ['rollback', 'page'],
    ],
    ['a failure before the apply (a tampered plan)', 'failure', {}, ['page']],
    [
      'a rollback commit refused by its check',
      'failure',
      { apply: { outcome: 'failure' }, rollback: { outputs: { code: '0' } }, checked: { outcome: 'failure' } },
      ['rollback', 'checked', 'page'],
    ],
  ])('%s', (_what, status, steps, expected) => {
    expect(runsAfter(status, steps)).toEqual(expected);
  });

  it('bounds every long step by its own timeout, within the job’s', () => {
    const limits = ['terraform apply (the saved plan, nothing else)', names.rollback].map(
      (n) => stepNamed(apply, n)['timeout-minutes'],
    );
    expect(limits.every((m) => m > 0)).toBe(true);
    expect(limits.reduce((a, b) => a + b, 0) + 15).toBeLessThanOrEqual(apply['timeout-minutes']);
    expect(
      stepNamed(one.jobs.plan, 'terraform plan (a plan with no changes asks nobody for approval)')['timeout-minutes'],
    ).toBeGreaterThan(0);
  });

  it('pushes only the checked commit, as a fast-forward of main, with the bot’s own short-lived token', () => {
    const bot = stepNamed(apply, names.bot);
    expect(bot.uses).toMatch(/^actions\/create-github-app-token@[0-9a-f]{40}$/);
    expect(bot.with).toEqual({
      'client-id': '${{ vars.RELEASE_BOT_CLIENT_ID }}',
      'private-key': '${{ secrets.RELEASE_BOT_PRIVATE_KEY }}',
      repositories: '${{ github.event.repository.name }}',
      'permission-contents': 'write',
    });
    const checked = stepNamed(apply, names.checked).run;
    expect(checked).toContain('bin/deploy-checks.ts rollback-record --applied "$SHA" --environment "$ENVIRONMENT"');
    expect(checked).toContain('bin/deployed-commit.sh write "$ENVIRONMENT" "$head"');
    const record = stepNamed(apply, names.record);
    expect(record.run).toBe(
      'git push "https://x-access-token:$TOKEN@github.com/$GITHUB_REPOSITORY.git" "$HEAD_SHA:refs/heads/main"',
    );
    expect(record.env).toEqual({
      TOKEN: '${{ steps.bot.outputs.token }}',
      HEAD_SHA: '${{ steps.checked.outputs.head }}',
    });
    for (const file of WORKFLOWS) {
      const text = readFileSync(join(ROOT, '.github/workflows', file), 'utf8');
      expect(`${file}: ${/pull --rebase|push (-f|--force)|ROLLBACK_PUSH_TOKEN|secrets: inherit/.test(text)}`).toBe(
        `${file}: false`,
      );
    }
  });

  it('pages with a title that says what happened, with or without the label', () => {
    const page = stepNamed(apply, names.page);
    const node = 'echo "staging: the apply was cancelled or timed out; NOT rolled back (no rollback ran)"';
    for (const [labels, expected] of [
      [
        'exit 1',
        /^issue create --title staging: the apply was cancelled or timed out; NOT rolled back \(no rollback ran\) --body-file/m,
      ],
      ['exit 0', /^issue create --title .* --label incident --body-file/m],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'page-'));
      try {
        const gh = `echo "$*" >> "$RUNNER_TEMP/calls"; [ "$1 $2" = "label create" ] && ${labels}; true`;
        const res = runStep(page, { RUNNER_TEMP: dir, ENVIRONMENT: 'staging', APPLY: 'cancelled' }, { gh, node });
        expect(res.code).toBe(0);
        expect(readFileSync(join(dir, 'calls'), 'utf8')).toMatch(expected);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(page.run).toContain(
      'bin/deploy-checks.ts page-title --environment "$ENVIRONMENT" --apply "${APPLY:-skipped}" --rollback "$ROLLBACK" --record "$RECORD"',
    );
  });
});

describe('no third-party code next to credentials', () => {
  const credentialed = allJobs().filter(([, job]) =>
    (job.steps ?? []).some((s: any) => s.uses?.startsWith('aws-actions/configure-aws-credentials')),
  );

  it('installs without install scripts, before the role is assumed, with no restored npm cache', () => {
    expect(credentialed.length).toBe(4);
    for (const [where, job] of credentialed) {
      const steps: any[] = job.steps;
      const installs = steps.filter((s) => /\bnpm ci\b/.test(s.run ?? ''));
      const role = steps.findIndex((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials'));
      expect({ where, first: steps.indexOf(installs[0]) < role }).toEqual({ where, first: true });
      for (const s of installs) expect(`${where}: ${s.run}`).toMatch(/npm ci --ignore-scripts/);
      const node = steps.find((s) => s.uses?.startsWith('actions/setup-node'));
      expect({ where, cache: node.with.cache }).toEqual({ where, cache: undefined });
    }
  });

  it('plans without the state lock in every job that holds a plan role', () => {
    for (const [where, job] of credentialed.filter(([, j]) => JSON.stringify(j).includes('AWS_PLAN_ROLE_ARN'))) {
      for (const line of runs(job)
        .split('\n')
        .filter((l) => /terraform (init|plan)/.test(l))) {
        expect(`${where}: ${line.trim()}`).toMatch(/-lock=false/);
      }
    }
  });

  it('gives every accepted zizmor finding its reason', () => {
    for (const file of WORKFLOWS) {
      const lines = readFileSync(join(ROOT, '.github/workflows', file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!line.includes('zizmor: ignore[')) return;
        const reason = /ignore\[[\w-]+\]\s+\S/.test(line) || /^\s*#\s*\S/.test(lines[i - 1] ?? '');
        expect(`${file}:${i + 1} ${reason}`).toBe(`${file}:${i + 1} true`);
      });
    }
  });
});

describe('drift.yml', () => {
  const drift = workflow('drift.yml');
  const job = drift.jobs.drift;

  it('runs nightly and by hand', () => {
    expect(drift.on.schedule[0].cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(Object.keys(drift.on)).toEqual(['schedule', 'workflow_dispatch']);
  });

  it('plans refresh-only, of the deployed commit, with the read-only role', () => {
    expect(job.environment).toBe('${{ matrix.environment }}-read');
    expect(stepNamed(job, 'The deployed commit').run).toContain('git checkout --quiet "$sha"');
    const plan = stepNamed(job, 'Refresh-only plan of the deployed commit').run;
    expect(plan).toContain(
      'terraform plan -refresh-only -input=false -lock=false -no-color -detailed-exitcode -out=tfplan',
    );
    expect(plan).toContain('bin/plan-redact-command.ts plan.json > plan.redacted.json');
  });

  it('checks the recorded commit is on main, and skips a night when a deploy holds the lock', () => {
    const step = stepNamed(job, 'The deployed commit');
    const dir = mkdtempSync(join(tmpdir(), 'drift-'));
    try {
      writeFileSync(join(dir, 'state.json'), '{}');
      const script = (sha: string, locked: string) =>
        writeFileSync(
          join(dir, 'deployed-commit.sh'),
          `#!/bin/bash\n[ "$1" = read ] && echo ${sha}\n[ "$1" = locked ] && echo ${locked}\ntrue\n`,
          { mode: 0o755 },
        );
      const env = { RUNNER_TEMP: dir, ENVIRONMENT: 'production' };
      const git = 'echo "git $*"';
      script('abc', 'false');
      const lost = runStep(step, env, { node: 'exit 1', git });
      expect(lost.code).toBe(1);
      expect(lost.out).toContain("production's recorded deployed commit is not a commit on main");
      script('abc', 'true');
      const locked = runStep(step, env, { node: 'true', git });
      expect(locked).toMatchObject({ code: 0, outputs: 'sha=\n' });
      expect(locked.out).toContain('a deploy of production holds the state lock: no drift check tonight');
      script('abc', 'false');
      expect(runStep(step, env, { node: 'true', git })).toMatchObject({ code: 0, outputs: 'sha=abc\n' });
      const quiet = stepNamed(job, 'No deploy ran during the check');
      expect(runStep(quiet, { ...env, SHA: 'abc' })).toMatchObject({ outputs: 'quiet=true\n' });
      expect(runStep(quiet, { ...env, SHA: 'older' })).toMatchObject({ outputs: 'quiet=false\n' });
      expect(stepNamed(job, 'Open or update the drift issue, once per distinct drift').if).toBe(
        "steps.quiet.outputs.quiet == 'true'",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens one issue per environment and writes again only when the drift differs', () => {
    const step = stepNamed(job, 'Open or update the drift issue, once per distinct drift');
    const summary = '### Drift: production\n\n- `aws_s3_bucket_public_access_block.x`: block_public_policy\n';
    const withDrift = (fakeGh: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'drift-'));
      writeFileSync(join(dir, 'drift.md'), summary);
      const calls = join(dir, 'calls');
      const res = runStep(
        step,
        { RUNNER_TEMP: dir, ENVIRONMENT: 'production', GH_TOKEN: 'x', CALLS: calls },
        {
          gh: `echo "$*" >> "$CALLS"\n${fakeGh}`,
        },
      );
      const made = readFileSync(calls, 'utf8');
      rmSync(dir, { recursive: true, force: true });
      return { ...res, calls: made };
    };
    const none = withDrift('[ "$1 $2" = "issue list" ] && exit 0; true');
    expect(none.calls).toMatch(/^issue create --title Drift in production --label drift/m);
    const fingerprint = `drift:${createHash('sha256').update('- `aws_s3_bucket_public_access_block.x`: block_public_policy\n').digest('hex').slice(0, 16)}`;
    const same = withDrift(
      `case "$1 $2" in "issue list") echo 7;; "issue view") echo "<!-- ${fingerprint} -->";; esac`,
    );
    expect(same.calls).not.toMatch(/issue (create|comment)/);
    const other = withDrift(`case "$1 $2" in "issue list") echo 7;; "issue view") echo "<!-- drift:0000 -->";; esac`);
    expect(other.calls).toMatch(/^issue comment 7 /m);
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
