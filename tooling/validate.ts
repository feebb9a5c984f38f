/**
 * npm run validate: the policy gate. Synthesizes the committed environments
 * and the example environment, then runs each check over every stack:
 *
 * - checkov (zero failed checks; skips are listed in policy/checkov.yaml);
 * - terraform validate through the provider mirror (0 errors, 0 warnings);
 * - the DID responder's config served by a real nginx;
 * - every Helm release rendered against its pinned chart (render-gate.ts);
 * - actionlint and shellcheck over the workflows (and bin/*.sh), zizmor over
 *   the workflows.
 *
 * Python tools are in a virtualenv and Go tools are built, both cached by version
 * (tools.ts). Each step prints what it did; the gate fails if any step does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ENVIRONMENTS } from '../environments';
import { EXAMPLE_ENVIRONMENTS } from '../environments/examples/two-services';
import { Environment, EnvironmentSource, validateAll } from '../environments/validate';
import { DEFAULT_STATUS_LABEL } from '../core/promql';
import { DEFAULT_THRESHOLDS } from '../features/monitoring/alert-rules';
import { monitoredServices } from '../features/monitoring/wire';
import { synthesize } from '../stacks/app';
import type { AlertTestContext } from './alert-tests';
import { checkDidResponders, ensureNginx } from './check-did-responder';
import { checkovVerdict, plantedPublicAcls, scannable } from './checkov';
import { SHARED_CHARTS, renderGate } from './render-gate';
import {
  MIRROR_AWS_VERSION,
  PROVIDER_MIRROR,
  forMirror,
  mirrorPresent,
  missingProviders,
  terraformEnv,
} from './terraform-mirror';
import { hasTerraform, terraform } from '../bin/terraform';
import { ToolError, toolBinary } from './tools';
import { ensureDebianProgram } from './debian';
import { ROOT } from '../environments/root';
import { cachedVenv } from './venvs';
import { ownTmpdir } from './own-tmpdir';
import { tuneGoGc } from './go-gc';
import { UsageError, parseCommandArgs } from '../bin/args';
import { systemNames } from '../core/names';

const OUT = join(ROOT, 'cdktf.out');

/** One synthesized stack and the environment it came from. */
interface Stack {
  readonly name: string;
  readonly file: string;
  readonly env: Environment;
}

const step = (title: string) => console.log(`\n== ${title}`);
const run = (cmd: string, args: readonly string[], opts: { stdio?: 'inherit'; cwd?: string } = {}) =>
  spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });

/** Synthesizes the committed environments into cdktf.out and the examples beside them. */
function synthAll(): Stack[] | undefined {
  step('synth');
  const sets: [string, readonly EnvironmentSource[]][] = [
    [OUT, ENVIRONMENTS],
    [join(OUT, 'examples'), EXAMPLE_ENVIRONMENTS],
  ];
  const stacks: Stack[] = [];
  for (const [outdir, sources] of sets) {
    rmSync(join(outdir, 'stacks'), { recursive: true, force: true });
    if (synthesize(sources, { outdir }) !== 0) return undefined;
    for (const env of validateAll(sources)) {
      stacks.push({ name: env.name, file: join(outdir, 'stacks', env.name, 'cdk.tf.json'), env });
    }
  }
  console.log(`stacks: ${stacks.map((s) => s.name).join(', ')}`);
  return stacks;
}

/** The virtualenv with policy/requirements.txt installed (tooling/venvs.ts: once per machine and requirements). */
function ensureVenv(): string {
  return cachedVenv('policy', join(ROOT, 'policy/requirements.txt'));
}

function checkov(stacks: readonly Stack[]): boolean {
  step('checkov');
  const venv = ensureVenv();
  // The stacks, as checkov can parse them, and a planted copy it must fail, in one scan.
  const scan = mkdtempSync(join(tmpdir(), 'checkov-'));
  const write = (name: string, json: unknown) => {
    mkdirSync(join(scan, name), { recursive: true });
    writeFileSync(join(scan, name, 'cdk.tf.json'), JSON.stringify(json));
  };
  const scanned = stacks.map((stack) => {
    const { json, setAside } = scannable(JSON.parse(readFileSync(stack.file, 'utf8')));
    write(stack.name, json);
    if (setAside.length > 0)
      console.log(`${stack.name}: ${setAside.join(' and ')} set aside for checkov, which cannot parse them`);
    return json;
  });
  const planted = 'planted-public-acls';
  write(planted, plantedPublicAcls(scanned[0]));
  const res = run(join(venv, 'bin/checkov'), ['-d', scan, '--config-file', 'policy/checkov.yaml', '-o', 'json']);
  rmSync(scan, { recursive: true, force: true });
  let verdict;
  try {
    verdict = checkovVerdict(JSON.parse(res.stdout));
  } catch {
    console.log(`checkov gave no report (exit ${res.status}):\n${res.stderr.slice(-4000)}`);
    return false;
  }
  if (verdict.unusable) {
    console.log(`${res.stderr.slice(-4000)}checkov: ${verdict.unusable}`);
    return false;
  }
  const inPlanted = (f: { readonly file: string }) => f.file.startsWith(`/${planted}/`);
  const caught = verdict.failed.some((f) => inPlanted(f) && f.check === 'CKV_AWS_53');
  const failed = verdict.failed.filter((f) => !inPlanted(f));
  for (const f of failed) console.log(`  failed: ${f.line}`);
  console.log(`planted public ACLs on the backup buckets: ${caught ? 'caught' : 'NOT caught, the scan is broken'}`);
  console.log(
    failed.length === 0
      ? `checkov: no failed checks (${verdict.passed} passed, the planted copy included; skips in policy/checkov.yaml)`
      : 'checkov: failed checks (fix them, or skip with a reason in policy/checkov.yaml)',
  );
  return failed.length === 0 && caught;
}

function terraformValidate(stacks: readonly Stack[]): boolean {
  step(
    `terraform validate (providers from ${PROVIDER_MIRROR}; in a copy, aws pinned to ${MIRROR_AWS_VERSION} and aws_secretsmanager_secret_versions, which it lacks, read as aws_secretsmanager_secret)`,
  );
  if (!hasTerraform()) {
    console.log('terraform is not installed: install Terraform >= 1.10 to run this step');
    return false;
  }
  if (!mirrorPresent()) {
    console.log(`the provider mirror is missing: clone the project with ../shared beside it (${PROVIDER_MIRROR})`);
    return false;
  }
  let ok = true;
  // This run's plugin cache: each provider unpacked once for all stacks, removed at the end.
  const plugins = mkdtempSync(join(tmpdir(), 'validate-plugins-'));
  try {
    ok = validateStacks(stacks, plugins);
  } finally {
    rmSync(plugins, { recursive: true, force: true });
  }
  return ok;
}

function validateStacks(stacks: readonly Stack[], plugins: string): boolean {
  let ok = true;
  for (const stack of stacks) {
    const json = forMirror(JSON.parse(readFileSync(stack.file, 'utf8')));
    const missing = missingProviders(json);
    if (missing.length > 0) {
      console.log(`${stack.name}: cannot validate, the mirror lacks ${missing.join(', ')}`);
      ok = false;
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), `validate-${stack.name}-`));
    try {
      writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(json));
      const env = terraformEnv(dir, plugins);
      const init = terraform(['init', '-backend=false', '-input=false', '-no-color'], { cwd: dir, env });
      if (init.status !== 0) {
        console.log(`${stack.name}: terraform init failed:\n${init.stdout}${init.stderr}`);
        ok = false;
        continue;
      }
      const validate = terraform(['validate', '-json', '-no-color'], { cwd: dir, env });
      const result = JSON.parse(validate.stdout || '{}') as {
        valid?: boolean;
        error_count?: number;
        warning_count?: number;
        diagnostics?: { severity: string; summary: string; detail?: string }[];
      };
      for (const d of result.diagnostics ?? [])
        console.log(`${stack.name}: ${d.severity}: ${d.summary} ${d.detail ?? ''}`);
      const clean = result.valid === true && (result.warning_count ?? 0) === 0;
      console.log(
        `${stack.name}: terraform validate ${clean ? 'passed' : 'FAILED'} (${result.error_count ?? '?'} errors, ${result.warning_count ?? '?'} warnings)`,
      );
      ok &&= clean;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return ok;
}

async function didResponder(stacks: readonly Stack[]): Promise<boolean> {
  step('DID responder (real nginx)');
  const nginx = ensureNginx();
  if (!nginx) {
    console.log(
      'nginx is not installed and cannot be installed here (not root, no sudo): cannot check the DID responder',
    );
    return false;
  }
  let ok = true;
  for (const stack of stacks) {
    const problems = await checkDidResponders(nginx, stack.name, stack.file);
    for (const p of problems) console.log(`problem: ${p}`);
    ok &&= problems.length === 0;
  }
  // The check must be able to fail: a responder without the CORS header.
  const dir = mkdtempSync(join(tmpdir(), 'did-planted-'));
  const planted = readFileSync(stacks[0]!.file, 'utf8').replace(/add_header Access-Control-Allow-Origin[^\n]*?\\n/, '');
  writeFileSync(join(dir, 'cdk.tf.json'), planted);
  const caught = await checkDidResponders(nginx, 'planted', join(dir, 'cdk.tf.json'));
  rmSync(dir, { recursive: true, force: true });
  const works = caught.some((p) => p.includes('Access-Control-Allow-Origin'));
  console.log(`planted responder without CORS: ${works ? 'caught' : 'NOT caught, the check is broken'}`);
  return ok && works;
}

/** What a stack's alert rules were built from, for their promtool tests. */
function alertContext(env: Environment): AlertTestContext {
  return {
    system: systemNames(env.system),
    thresholds: { ...DEFAULT_THRESHOLDS, ...env.monitoring.alerts },
    services: Object.fromEntries(
      monitoredServices(env).map((svc) => [
        svc.name,
        {
          namespace: svc.namespace,
          live: svc.live,
          statusLabel: svc.statusLabel ?? DEFAULT_STATUS_LABEL,
          didResponder: svc.didResponder,
        },
      ]),
    ),
  };
}

function helmRenderGate(stacks: readonly Stack[]): boolean {
  step('Helm render gate (helm template, schemas, amtool, promtool)');
  if (!existsSync(SHARED_CHARTS)) {
    console.log(`the chart archives are missing: clone the project with ../shared beside it (${SHARED_CHARTS})`);
    return false;
  }
  const started = Date.now();
  const tools = { helm: toolBinary('helm'), amtool: toolBinary('amtool'), promtool: toolBinary('promtool') };
  const python = join(ensureVenv(), 'bin/python');
  let ok = true;
  for (const stack of stacks) {
    const json = JSON.parse(readFileSync(stack.file, 'utf8'));
    const { lines, problems } = renderGate({
      stack: stack.name,
      stackDir: dirname(stack.file),
      json,
      tools,
      python,
      alerts: alertContext(stack.env),
    });
    for (const l of lines) console.log(l);
    for (const p of problems) console.log(`problem: ${p}`);
    ok &&= problems.length === 0;
  }
  ok &&= plantedRenderFailures(stacks[0]!, tools, python);
  console.log(`render gate took ${Math.round((Date.now() - started) / 1000)} s`);
  return ok;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- planted edits of synthesized JSON */
/** The gate must be able to fail: a misspelled values key, a broken PromQL expression, a route the Gateway API CRD refuses. */
function plantedRenderFailures(
  stack: Stack,
  tools: Parameters<typeof renderGate>[0]['tools'],
  python: string,
): boolean {
  const planted = JSON.parse(readFileSync(stack.file, 'utf8'));
  const releases = Object.values<any>(planted.resource.helm_release);
  const kps = releases.find((r) => r.name === 'kube-prometheus-stack');
  const values = JSON.parse(kps.values[0]);
  values.grafana.persistance = { enabled: true };
  kps.values = [JSON.stringify(values)];
  const mon = releases.find((r) => r.repository === undefined && JSON.parse(r.values[0]).groups);
  const monValues = JSON.parse(mon.values[0]);
  monValues.groups[0].rules[0].expr = 'sum(rate(up{job="x"}[5m]) >';
  mon.values = [JSON.stringify(monValues)];
  const edge = releases.find((r) => r.name === 'edge');
  const edgeValues = JSON.parse(edge.values[0]);
  edgeValues.objects.find((o: any) => o.kind === 'HTTPRoute').spec.rules[0].timeouts = { request: 'an hour' };
  edge.values = [JSON.stringify(edgeValues)];
  // Only the planted releases are rendered again, with the charts whose CRDs check their objects
  // (kube-prometheus-stack's for the PrometheusRule, Envoy Gateway's Gateway API CRDs for the route).
  const gatewayCrds = releases.find((r) => r.chart === 'gateway-helm');
  const plantedIds = Object.keys(planted.resource.helm_release).filter((id) =>
    [kps, mon, edge, gatewayCrds].includes(planted.resource.helm_release[id]),
  );
  planted.resource.helm_release = Object.fromEntries(plantedIds.map((id) => [id, planted.resource.helm_release[id]]));
  const caught = renderGate({
    stack: `planted ${stack.name}`,
    stackDir: dirname(stack.file),
    json: planted,
    tools,
    python,
    alerts: alertContext(stack.env),
  }).problems;
  const typo = caught.some((p) => p.includes('values key "grafana.persistance"'));
  const promql = caught.some((p) => p.includes('promtool check rules') && /parse error|unexpected/.test(p));
  const route = caught.some((p) => p.includes(' edge: schema:') && p.includes('an hour'));
  if (!typo || !promql || !route) for (const p of caught) console.log(`  planted: ${p}`);
  const said = (ok: boolean) => (ok ? 'caught' : 'NOT caught');
  console.log(
    `planted misspelled values key: ${said(typo)}; planted broken PromQL: ${said(promql)}; planted HTTPRoute timeout "an hour": ${said(route)}`,
  );
  return typo && promql && route;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

function workflowLint(): boolean {
  step('actionlint (with shellcheck on every run: block)');
  // Without shellcheck actionlint skips the scripts silently: it is required, not optional.
  const shellcheck = ensureDebianProgram(
    { paths: ['/usr/bin/shellcheck', '/usr/local/bin/shellcheck'], versionArg: '--version' },
    ['shellcheck'],
    'to check the workflows’ scripts',
  );
  if (!shellcheck) {
    console.log('actionlint: shellcheck is missing and cannot be installed here (apt-get install shellcheck)');
    return false;
  }
  const workflows = readdirSync(join(ROOT, '.github/workflows')).map((f) => `.github/workflows/${f}`);
  const lint = run(toolBinary('actionlint'), ['-shellcheck', shellcheck, ...workflows], { stdio: 'inherit' });
  const scripts = readdirSync(join(ROOT, 'bin'))
    .filter((f) => f.endsWith('.sh'))
    .map((f) => `bin/${f}`);
  const checked = run(shellcheck, scripts, { stdio: 'inherit' });
  console.log(
    lint.status === 0 && checked.status === 0
      ? `actionlint and shellcheck: ${workflows.length} workflows and ${scripts.join(', ')} clean`
      : 'actionlint or shellcheck: problems found',
  );
  return lint.status === 0 && checked.status === 0;
}

/** zizmor's findings on `input`, a workflow file or folder (offline, auditor persona): its exit status and report. */
function zizmorOn(input: string): { status: number | null; report: string } {
  const res = run(join(ensureVenv(), 'bin/zizmor'), ['--offline', '--persona', 'auditor', '--no-progress', input]);
  return { status: res.status, report: `${res.stdout}${res.stderr}` };
}

/**
 * zizmor over the workflows: no finding; each accepted one is an inline
 * `# zizmor: ignore[<audit>]` with its reason beside it (delivery.test.ts
 * checks the reason). A planted `secrets: inherit` must be found, so a
 * zizmor that checks nothing cannot pass.
 */
function workflowAudit(): boolean {
  step('zizmor (offline, --persona auditor)');
  const clean = zizmorOn(join(ROOT, '.github/workflows'));
  console.log(
    clean.report
      .split('\n')
      .filter((l) => !/^\s*INFO /.test(l))
      .join('\n')
      .trim(),
  );
  const planted = mkdtempSync(join(tmpdir(), 'zizmor-'));
  try {
    const deploy = readFileSync(join(ROOT, '.github/workflows/deploy.yml'), 'utf8');
    const inherit = deploy.replace(/^( {4}uses: \.\/.*\n)/m, '$1    secrets: inherit\n');
    writeFileSync(join(planted, 'deploy.yml'), inherit);
    const caught = inherit !== deploy && zizmorOn(join(planted, 'deploy.yml')).report.includes('secrets-inherit');
    console.log(`planted secrets: inherit: ${caught ? 'caught' : 'NOT caught'}`);
    return clean.status === 0 && caught;
  } finally {
    rmSync(planted, { recursive: true, force: true });
  }
}

/** The steps, in order; `npm run validate -- --only <step>` runs some of them. */
const STEPS: Readonly<Record<string, (stacks: readonly Stack[]) => boolean | Promise<boolean>>> = {
  checkov,
  'terraform-validate': terraformValidate,
  'did-responder': didResponder,
  'render-gate': helmRenderGate,
  actionlint: workflowLint,
  zizmor: workflowAudit,
};

export async function main(args: readonly string[] = []): Promise<number> {
  let only: readonly string[];
  try {
    only = parseCommandArgs(args, { only: { type: 'string', multiple: true, value: 'a step' } }).values.only ?? [];
    const unknown = only.filter((name) => !(name in STEPS));
    if (unknown.length > 0)
      throw new UsageError(`unknown step "${unknown[0]}" (steps: ${Object.keys(STEPS).join(', ')})`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`error: ${e.message}\nusage: npm run validate [-- --only <step> ...]`);
    return 2;
  }
  // Every temporary file of the steps' tools (checkov's parser cache among them) in one directory, removed at the end.
  // Traversable (not listable) by nginx's worker user, which serves the DID responder's files from inside it.
  const restore = ownTmpdir('mls-validate-', 0o711);
  // Terraform, helm, amtool and promtool inherit it (tooling/go-gc.ts).
  tuneGoGc();
  try {
    return await runSteps(only);
  } finally {
    restore();
  }
}

async function runSteps(only: readonly string[]): Promise<number> {
  const stacks = synthAll();
  if (!stacks) return 1;
  const results: [string, boolean][] = [];
  for (const [name, check] of Object.entries(STEPS)) {
    if (only.length > 0 && !only.includes(name)) continue;
    try {
      results.push([name, await check(stacks)]);
    } catch (e) {
      if (!(e instanceof ToolError)) throw e;
      console.log(`error: ${e.message}`);
      results.push([name, false]);
    }
  }
  const failed = results.filter(([, ok]) => !ok).map(([name]) => name);
  console.log(failed.length > 0 ? `\nvalidate: FAILED (${failed.join(', ')})` : '\nvalidate: passed');
  return failed.length > 0 ? 1 : 0;
}
