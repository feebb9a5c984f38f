#!/usr/bin/env node
// npm run validate: the policy gate. Synthesizes both stacks, scans them with
// checkov (zero failed checks; skips are listed in policy/checkov.yaml), runs
// `terraform validate` where the providers can be installed, serves the DID
// responder's config with a real nginx, renders every Helm release against
// its pinned chart (bin/render-gate.mjs), and lints the GitHub workflows with
// actionlint. The test environment goes through the same gate. Python tools
// go into the project's .venv; Go tools are cached by version (bin/tools.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkDidResponders, ensureNginx } from './check-did-responder.mjs';
import { renderGate } from './render-gate.mjs';
import { ensureTool } from './tools.mjs';
import { loadTs, root } from './load-ts.mjs';

const CHECKOV = join(root, '.venv/bin/checkov');
const ACTIONLINT_VERSION = 'v1.7.12';
const ACTIONLINT = join(root, '.tools/bin/actionlint');
const OUT = join(root, 'cdktf.out');

let failed = false;
const step = (title) => console.log(`\n== ${title}`);
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
const has = (cmd) => run('sh', ['-c', `command -v ${cmd}`]).status === 0;

step('synth');
rmSync(join(OUT, 'stacks'), { recursive: true, force: true });
const synth = run(process.execPath, ['bin/synth.mjs'], {
  env: { ...process.env, CDKTF_OUTDIR: OUT },
  stdio: 'inherit',
});
if (synth.status !== 0) process.exit(1);
const stacks = readdirSync(join(OUT, 'stacks')).sort();
console.log(`stacks: ${stacks.join(', ')}`);
// The test environments (two services of different ports, images and
// secrets) go through the same gate as the committed ones.
const FIXTURES_OUT = join(OUT, 'fixtures');
rmSync(FIXTURES_OUT, { recursive: true, force: true });
const { synthesize } = await loadTs('main.ts');
const { FIXTURE_ENVIRONMENTS } = await loadTs('__tests__/fixtures/environments/two-services.ts');
if (synthesize(FIXTURE_ENVIRONMENTS, { outdir: FIXTURES_OUT }) !== 0) process.exit(1);
const fixtureStacks = readdirSync(join(FIXTURES_OUT, 'stacks')).sort();
console.log(`test environments: ${fixtureStacks.join(', ')}`);
const stackFiles = [
  ...stacks.map((s) => [s, join(OUT, 'stacks', s, 'cdk.tf.json')]),
  ...fixtureStacks.map((s) => [s, join(FIXTURES_OUT, 'stacks', s, 'cdk.tf.json')]),
];

step('checkov');
const requirements = readFileSync(join(root, 'policy/requirements.txt'), 'utf8');
const pinned = /checkov==(\S+)/.exec(requirements)?.[1];
const STAMP = join(root, '.venv/.requirements');
const installed = existsSync(CHECKOV) ? run(CHECKOV, ['--version']).stdout.trim() : '';
if (installed !== pinned || !existsSync(STAMP) || readFileSync(STAMP, 'utf8') !== requirements) {
  console.log(`installing policy/requirements.txt (checkov ${pinned}, kubernetes-validate) into .venv`);
  execFileSync('python3', ['-m', 'venv', '.venv'], { cwd: root, stdio: 'inherit' });
  execFileSync(
    join(root, '.venv/bin/pip'),
    ['install', '--quiet', '--disable-pip-version-check', '-r', 'policy/requirements.txt'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  writeFileSync(STAMP, requirements);
}
const checkov = run(
  CHECKOV,
  ['-d', join(OUT, 'stacks'), '-d', join(FIXTURES_OUT, 'stacks'), '--config-file', 'policy/checkov.yaml'],
  { stdio: 'inherit' },
);
if (checkov.status !== 0) {
  console.log('checkov: failed checks (fix them, or skip with a reason in policy/checkov.yaml)');
  failed = true;
} else {
  console.log('checkov: no failed checks');
}

step('terraform validate');
if (!has('terraform')) {
  console.log('terraform is not installed: skipping terraform validate');
} else {
  for (const stack of stacks) {
    const dir = mkdtempSync(join(tmpdir(), `validate-${stack}-`));
    copyFileSync(join(OUT, 'stacks', stack, 'cdk.tf.json'), join(dir, 'cdk.tf.json'));
    const init = run('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir });
    if (init.status !== 0) {
      const output = `${init.stdout}\n${init.stderr}`;
      if (/could not connect to registry\.terraform\.io|Failed to query available provider packages/.test(output)) {
        console.log(
          `${stack}: SKIPPED — providers cannot be installed here (the Terraform registry is unreachable), so terraform validate did not run`,
        );
      } else {
        console.log(`${stack}: terraform init failed:\n${output}`);
        failed = true;
      }
    } else {
      const validate = run('terraform', ['validate', '-json', '-no-color'], { cwd: dir });
      const result = JSON.parse(validate.stdout || '{}');
      for (const d of result.diagnostics ?? []) console.log(`${stack}: ${d.severity}: ${d.summary} ${d.detail ?? ''}`);
      console.log(`${stack}: terraform validate ${result.valid ? 'passed' : 'FAILED'}`);
      if (!result.valid) failed = true;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

step('DID responder (real nginx)');
const nginx = ensureNginx();
if (!nginx) {
  console.log('nginx is not installed and cannot be installed here (not root): cannot check the DID responder');
  failed = true;
} else {
  for (const [stack, file] of stackFiles) {
    const problems = await checkDidResponders(nginx, stack, file);
    for (const p of problems) console.log(`problem: ${p}`);
    if (problems.length > 0) failed = true;
  }
  // The check must be able to fail: a responder without the CORS header.
  const dir = mkdtempSync(join(tmpdir(), 'did-planted-'));
  const planted = readFileSync(join(OUT, 'stacks', stacks[0], 'cdk.tf.json'), 'utf8').replace(
    /add_header Access-Control-Allow-Origin[^\n]*?\\n/,
    '',
  );
  writeFileSync(join(dir, 'cdk.tf.json'), planted);
  const caught = await checkDidResponders(nginx, 'planted', join(dir, 'cdk.tf.json'));
  rmSync(dir, { recursive: true, force: true });
  if (caught.some((p) => p.includes('Access-Control-Allow-Origin'))) {
    console.log('planted responder without CORS: caught');
  } else {
    console.log('planted responder without CORS: NOT caught, the check is broken');
    failed = true;
  }
}

step('Helm render gate (helm template, schemas, amtool, promtool)');
{
  const started = Date.now();
  const tools = { helm: ensureTool('helm'), amtool: ensureTool('amtool'), promtool: ensureTool('promtool') };
  console.log(`tools ready in ${Math.round((Date.now() - started) / 1000)} s: ${Object.keys(tools).join(', ')}`);
  const python = join(root, '.venv/bin/python');
  for (const [stack, file] of stackFiles) {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const { lines, problems } = renderGate({ stack, stackDir: dirname(file), json, tools, python });
    for (const l of lines) console.log(l);
    for (const p of problems) console.log(`problem: ${p}`);
    if (problems.length > 0) failed = true;
  }
  // The gate must be able to fail: a misspelled values key and a broken PromQL expression.
  const [firstStack, firstFile] = stackFiles[0];
  const planted = JSON.parse(readFileSync(firstFile, 'utf8'));
  const kps = Object.values(planted.resource.helm_release).find((r) => r.name === 'kube-prometheus-stack');
  const values = JSON.parse(kps.values[0]);
  values.grafana.persistance = { enabled: true };
  kps.values = [JSON.stringify(values)];
  const mon = Object.values(planted.resource.helm_release).find((r) => r.name.endsWith('-mon'));
  const monValues = JSON.parse(mon.values[0]);
  monValues.groups[0].rules[0].expr = 'sum(rate(up{job="x"}[5m]) >';
  mon.values = [JSON.stringify(monValues)];
  const caught = renderGate({
    stack: `planted ${firstStack}`,
    stackDir: dirname(firstFile),
    json: planted,
    tools,
    python,
  }).problems;
  const typo = caught.some((p) => p.includes('values key "grafana.persistance"'));
  const promql = caught.some((p) => p.includes('promtool check rules') && /parse error|unexpected/.test(p));
  if (!typo || !promql) for (const p of caught) console.log(`  planted: ${p}`);
  console.log(
    `planted misspelled values key: ${typo ? 'caught' : 'NOT caught'}; planted broken PromQL: ${promql ? 'caught' : 'NOT caught'}`,
  );
  if (!typo || !promql) failed = true;
  console.log(`render gate took ${Math.round((Date.now() - started) / 1000)} s`);
}

step('actionlint');
if (!existsSync(ACTIONLINT)) {
  if (!has('go')) {
    console.log('actionlint is not installed and Go is not available to build it: cannot lint the workflows');
    failed = true;
  } else {
    console.log(`installing actionlint ${ACTIONLINT_VERSION} into .tools/bin`);
    execFileSync('go', ['install', `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, GOBIN: join(root, '.tools/bin') },
    });
  }
}
if (existsSync(ACTIONLINT)) {
  const workflows = readdirSync(join(root, '.github/workflows')).map((f) => `.github/workflows/${f}`);
  const lint = run(ACTIONLINT, workflows, { stdio: 'inherit' });
  console.log(lint.status === 0 ? `actionlint: ${workflows.length} workflows clean` : 'actionlint: problems found');
  if (lint.status !== 0) failed = true;
}

console.log(failed ? '\nvalidate: FAILED' : '\nvalidate: passed');
process.exitCode = failed ? 1 : 0;
