/**
 * Policy gate step: renders every helm_release of a synthesized stack with
 * `helm template` against its pinned chart, and checks what the cluster
 * would get: no values key that no template reads, every object valid
 * against the Kubernetes 1.37 schemas and the charts' CRD schemas, the
 * Alertmanager config through `amtool check-config`, the PrometheusRules
 * through `promtool check rules` and `promtool test rules`.
 */
import { createHash } from 'node:crypto';
import { SpawnSyncOptions, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { RuleGroup } from '../features/monitoring/alert-rules';
import { AlertTestContext, alertRuleTests } from './alert-tests';
import { sloTests } from './slo-tests';
import { K8S_VERSION } from './tools';
import { ROOT } from '../environments/root';

/** Where the verified chart archives are: ../shared/charts beside the project. */
export const SHARED_CHARTS = join(ROOT, '..', 'shared', 'charts');
const KUBE_VERSION = K8S_VERSION;

/* eslint-disable @typescript-eslint/no-explicit-any -- chart values and rendered objects are untyped YAML */
type Json = any;

interface Chart {
  readonly repository?: string;
  readonly chart: string;
  readonly version?: string;
}

interface Knowledge {
  readonly name: string;
  readonly version: string;
  readonly defaults: Json;
  readonly text: string;
  readonly subcharts: Record<string, Knowledge>;
}

export interface GateTools {
  readonly helm: string;
  readonly amtool: string;
  readonly promtool: string;
}

/**
 * Values maps whose keys are the user's own (names, not chart settings), or
 * that a chart passes through whole to its program's config: their keys are
 * not looked for in the chart. Keep it short: each entry hides typos.
 */
export const FREE_FORM = [
  // Alertmanager's own configuration, checked by amtool instead.
  'alertmanager.config',
  // Loki's configuration blocks, rendered with toYaml into Loki's config file.
  'loki.limits_config',
  'loki.compactor',
  'loki.commonConfig',
  'loki.schemaConfig',
  // Named rule groups: the keys are PrometheusRule names.
  'additionalPrometheusRulesMap',
];

/** The chart archive for a pin: ../shared/charts when it is there (checksum verified), else helm pull. */
function chartArchive(helm: string, chart: Chart & { version: string }): string {
  const name = `${chart.chart}-${chart.version}.tgz`;
  const shared = join(SHARED_CHARTS, name);
  if (existsSync(shared)) {
    const sums = readFileSync(join(SHARED_CHARTS, 'SHA256SUMS'), 'utf8');
    const expected = new RegExp(`^([0-9a-f]{64})\\s+\\*?${name.replace(/\./g, '\\.')}$`, 'm').exec(sums)?.[1];
    const actual = createHash('sha256').update(readFileSync(shared)).digest('hex');
    if (expected !== actual) throw new Error(`${shared}: checksum ${actual} is not the one in SHA256SUMS`);
    return shared;
  }
  const cache = join(homedir(), '.cache', 'mls-platform-infra', 'charts');
  mkdirSync(cache, { recursive: true });
  const pulled = join(cache, name);
  if (!existsSync(pulled)) {
    execFileSync(helm, ['pull', chart.chart, '--repo', chart.repository!, '--version', chart.version, '-d', cache]);
  }
  return pulled;
}

/** What a chart (and its subcharts, by values key) defaults and reads. */
function chartKnowledge(dir: string): Knowledge {
  const meta = parseYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8'));
  const valuesFile = join(dir, 'values.yaml');
  const defaults = existsSync(valuesFile) ? (parseYaml(readFileSync(valuesFile, 'utf8')) ?? {}) : {};
  const templates: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else templates.push(readFileSync(join(d, entry.name), 'utf8'));
    }
  };
  if (existsSync(join(dir, 'templates'))) walk(join(dir, 'templates'));
  const subcharts: Record<string, Knowledge> = {};
  const charts = join(dir, 'charts');
  if (existsSync(charts)) {
    for (const entry of readdirSync(charts, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dep = (meta.dependencies ?? []).find((d: Json) => d.name === entry.name);
      subcharts[dep?.alias ?? entry.name] = chartKnowledge(join(charts, entry.name));
    }
  }
  return { name: meta.name, version: meta.version, defaults, text: templates.join('\n'), subcharts };
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The chart's default at `path` (a list of keys), or undefined. */
const defaultAt = (knowledge: Knowledge, path: readonly string[]): unknown =>
  path.reduce<unknown>((d, k) => (isMap(d) ? d[k] : undefined), knowledge.defaults);

/** Whether the chart defaults `path` or a template reads it. */
function knownTo(knowledge: Knowledge, path: readonly string[]): boolean {
  return defaultAt(knowledge, path) !== undefined || readByTemplates(knowledge, path);
}

/** Whether a template reads `path` (a list of keys below the chart's .Values). */
function readByTemplates(knowledge: Knowledge, path: readonly string[]): boolean {
  const dotted = path.join('.');
  const [parent, key] = path.slice(-2);
  return (
    knowledge.text.includes(`.Values.${dotted}`) ||
    (parent !== undefined && knowledge.text.includes(`.${parent}.${key}`)) ||
    (parent !== undefined && knowledge.text.includes(`"${parent}" "${key}"`))
  );
}

/**
 * Keys of `values` that the chart neither defaults nor reads: a misspelled
 * or dead key, which Helm silently ignores. A default that is an empty map,
 * a list or a scalar takes whatever is given below it (the chart passes it
 * through), so only keys below non-empty default maps are looked up.
 */
export function unknownKeys(
  values: Json,
  knowledge: Knowledge,
  path: readonly string[] = [],
  fullPath: readonly string[] = [],
): string[] {
  const found: string[] = [];
  for (const [key, value] of Object.entries(values ?? {})) {
    const here = [...path, key];
    const full = [...fullPath, key];
    if (FREE_FORM.includes(full.join('.'))) continue;
    if (path.length === 0 && key === 'global') continue;
    if (path.length === 0 && knowledge.subcharts[key]) {
      // A subchart's key: known to the subchart, or to the parent chart,
      // which sets some keys of its own under the same name.
      const candidates = unknownKeys(value, knowledge.subcharts[key]!, [], full);
      found.push(...candidates.filter((c) => !knownTo(knowledge, c.split('.'))));
      continue;
    }
    const def = defaultAt(knowledge, here);
    const parentDefault = defaultAt(knowledge, path);
    if (!knownTo(knowledge, here) && isMap(parentDefault) && Object.keys(parentDefault).length > 0) {
      found.push(full.join('.'));
      continue;
    }
    if (isMap(value) && isMap(def) && Object.keys(def).length > 0) {
      found.push(...unknownKeys(value, knowledge, here, full));
    }
  }
  return found;
}

function run(cmd: string, args: readonly string[], opts: SpawnSyncOptions = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts }) as ReturnType<
    typeof spawnSync
  > & { stdout: string; stderr: string };
}

/** The literal namespace of a release whose namespace is a reference to a namespace resource. */
function namespaceOf(json: Json, release: Json): string {
  const ref = /^\$\{kubernetes_namespace_v1\.([^.]+)\.metadata\[0\]\.name\}$/.exec(release.namespace);
  return ref ? json.resource.kubernetes_namespace_v1[ref[1]].metadata.name : release.namespace;
}

export interface GateInput {
  readonly stack: string;
  readonly stackDir: string;
  readonly json: Json;
  readonly tools: GateTools;
  readonly python: string;
  /** What the stack's alert rules were built from, for their promtool tests. */
  readonly alerts: AlertTestContext;
}

/** What the gate says: a line per release and per tool run, and what failed. */
interface Report {
  readonly lines: string[];
  readonly problems: string[];
}

/**
 * Renders and checks every helm_release of one synthesized stack. The
 * project's own charts go last: their custom resources are checked against
 * the CRDs that earlier releases (kube-prometheus-stack's) rendered.
 */
export function renderGate(input: GateInput): Report {
  const report: Report = { lines: [], problems: [] };
  const stackCrds = mkdtempSync(join(tmpdir(), 'render-crds-'));
  const crdFile = join(stackCrds, 'crds.json');
  writeFileSync(crdFile, '[]');
  const releases = Object.entries<Json>(input.json.resource?.helm_release ?? {}).sort(
    ([, a], [, b]) => Number(a.repository === undefined) - Number(b.repository === undefined),
  );
  for (const [id, release] of releases) {
    const where = `${input.stack} ${release.name}`;
    const dir = mkdtempSync(join(tmpdir(), `render-${release.name}-`));
    const started = Date.now();
    try {
      renderRelease(input, id, release, dir, crdFile, report);
    } catch (e) {
      report.problems.push(`${where}: ${(e as Error).message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    report.lines.push(`  ${release.name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  rmSync(stackCrds, { recursive: true, force: true });
  return report;
}

/** One release: values keys against the chart, helm template, schemas, then the files the tools check. */
function renderRelease(
  input: GateInput,
  id: string,
  release: Json,
  dir: string,
  crdFile: string,
  report: Report,
): void {
  const where = `${input.stack} ${release.name}`;
  // A chart of the project's own is a local directory (a cdktf asset of the stack).
  const local = release.repository === undefined;
  const archive = local ? join(input.stackDir, release.chart) : chartArchive(input.tools.helm, release);
  if (!local) execFileSync('tar', ['xzf', archive, '-C', dir]);
  const knowledge = chartKnowledge(local ? archive : join(dir, release.chart));
  const chartName = local ? knowledge.name : release.chart;
  const unknown = unknownKeys(parseYaml(release.values[0]), knowledge);
  for (const key of unknown)
    report.problems.push(`${where}: values key "${key}" is read by no template of ${chartName}`);

  const valuesFile = join(dir, 'values.yaml');
  writeFileSync(valuesFile, release.values[0]);
  const namespace = namespaceOf(input.json, release);
  const rendered = run(input.tools.helm, [
    ...['template', release.name, archive, '--namespace', namespace, '--kube-version', KUBE_VERSION],
    ...['--include-crds', '-f', valuesFile],
  ]);
  if (rendered.status !== 0) {
    report.problems.push(`${where}: helm template failed: ${rendered.stderr.trim()}`);
    return;
  }
  const manifests = join(dir, 'rendered.yaml');
  writeFileSync(manifests, rendered.stdout);
  const out = join(dir, 'out');
  mkdirSync(out);
  const checked = run(input.python, [join(ROOT, 'policy/check_rendered.py'), manifests, out, crdFile]);
  if (checked.status !== 0) {
    report.problems.push(`${where}: schema check failed: ${checked.stderr.trim()}`);
    return;
  }
  const result = JSON.parse(checked.stdout) as { objects: number; errors: string[]; files: RenderedFile[] };
  const crds = JSON.parse(readFileSync(join(out, 'crds.json'), 'utf8')) as Json[];
  if (crds.length > 0) writeFileSync(crdFile, JSON.stringify([...JSON.parse(readFileSync(crdFile, 'utf8')), ...crds]));
  for (const e of result.errors) report.problems.push(`${where}: schema: ${e}`);
  report.lines.push(
    `${where} (${id}): chart ${chartName} ${release.version ?? `${knowledge.version} (this repository)`}, ${result.objects} objects rendered, unknown keys ${unknown.length}, schema errors ${result.errors.length}`,
  );
  checkRenderedFiles(input, where, result.files, dir, report);
}

/** A file check_rendered.py wrote for the tools: an Alertmanager config or a PrometheusRule's groups. */
interface RenderedFile {
  readonly kind: 'alertmanager' | 'rules';
  readonly name: string;
  readonly path: string;
}

/** amtool for Alertmanager configs (and their routes), promtool for rule files (and the project's tests). */
function checkRenderedFiles(
  input: GateInput,
  where: string,
  files: readonly RenderedFile[],
  dir: string,
  report: Report,
): void {
  const { tools } = input;
  let chartRuleFiles = 0;
  // Every rule file in one promtool run (kube-prometheus-stack renders dozens); file by file only to name a failure.
  const ruleFiles = files.filter((f) => f.kind === 'rules').map((f) => f.path);
  const allRulesPass = ruleFiles.length > 0 && run(tools.promtool, ['check', 'rules', ...ruleFiles]).status === 0;
  for (const file of files) {
    if (file.kind === 'alertmanager') {
      const check = run(tools.amtool, ['check-config', file.path]);
      report.lines.push(`  amtool check-config ${file.name}: ${check.status === 0 ? 'ok' : 'FAILED'}`);
      if (check.status !== 0) {
        report.problems.push(`${where}: amtool check-config ${file.name}: ${(check.stdout + check.stderr).trim()}`);
        continue;
      }
      const routes = checkRoutes(tools.amtool, file.path);
      report.lines.push(`  amtool config routes test: ${routes.summary}`);
      report.problems.push(...routes.problems.map((p) => `${where}: ${p}`));
      continue;
    }
    if (!allRulesPass) {
      const check = run(tools.promtool, ['check', 'rules', file.path]);
      if (check.status !== 0) {
        report.lines.push(`  promtool check rules ${file.name}: FAILED`);
        report.problems.push(`${where}: promtool check rules ${file.name}: ${(check.stdout + check.stderr).trim()}`);
        continue;
      }
    }
    const tested = testRules(tools.promtool, file.path, dir, input.alerts);
    if (!tested) {
      chartRuleFiles++;
      continue;
    }
    report.lines.push(`  promtool check rules ${file.name}: ok; promtool test rules: ${tested.summary}`);
    report.problems.push(...tested.problems.map((p) => `${where}: ${p}`));
  }
  if (chartRuleFiles > 0) report.lines.push(`  promtool check rules: the chart's own ${chartRuleFiles} rule files ok`);
}

/** Where Alertmanager sends alerts by label set: Slack for critical and warning only. */
const ROUTES: readonly [readonly string[], string][] = [
  [['severity=critical', 'alertname=MlsServiceDown'], 'slack-critical'],
  [['severity=warning', 'alertname=MlsHighCpuUsage'], 'slack-warning'],
  [['severity=info', 'alertname=CPUThrottlingHigh'], 'null'],
  [['severity=none', 'alertname=InfoInhibitor'], 'null'],
  [['severity=none', 'alertname=Watchdog'], 'null'],
  [['alertname=SomethingWithoutSeverity'], 'null'],
];

function checkRoutes(amtool: string, config: string): { problems: string[]; summary: string } {
  const problems: string[] = [];
  for (const [labels, receiver] of ROUTES) {
    const res = run(amtool, [
      'config',
      'routes',
      'test',
      '--config.file',
      config,
      `--verify.receivers=${receiver}`,
      ...labels,
    ]);
    if (res.status !== 0)
      problems.push(`alert {${labels.join(', ')}} does not go to ${receiver}: ${(res.stdout + res.stderr).trim()}`);
  }
  return { problems, summary: `${ROUTES.length - problems.length}/${ROUTES.length} label sets reach their receiver` };
}

/** Runs generated promtool unit tests over the rendered rule file (only files with the project's alerts). */
function testRules(
  promtool: string,
  rulesFile: string,
  dir: string,
  alerts: AlertTestContext,
): { problems: string[]; summary: string } | undefined {
  const groups = parseYaml(readFileSync(rulesFile, 'utf8')).groups as RuleGroup<Json>[];
  const prefix = alerts.system.alertPrefix;
  if (!groups.some((g) => g.rules.some((r) => String(r.alert ?? '').startsWith(prefix)))) return undefined;
  const { tests, count } = alertRuleTests(groups, alerts);
  const files = [{ evaluationInterval: '1m', tests }];
  let sloCount = 0;
  for (const group of groups) {
    const service = group.name.replace(/\.rules$/, '');
    const ctx = alerts.services[service];
    if (!ctx) continue;
    const slo = sloTests({ service, system: alerts.system, ...ctx }, group.rules);
    files.push(slo.short, slo.long);
    sloCount += slo.count;
  }
  // The SLI recording groups first, so an alert reads this evaluation's ratios.
  const order = [
    ...groups.filter((g) => g.name.endsWith('.slo.rules')),
    ...groups.filter((g) => !g.name.endsWith('.slo.rules')),
  ];
  const paths = files
    .filter((f) => f.tests.length > 0)
    .map((f, i) => {
      const path = join(dir, `tests-${i}.yaml`);
      writeFileSync(
        path,
        toYaml({
          rule_files: [rulesFile],
          evaluation_interval: f.evaluationInterval,
          group_eval_order: order.map((g) => g.name),
          tests: f.tests,
        }),
      );
      return path;
    });
  const res = run(promtool, ['test', 'rules', ...paths]);
  const groupsRun = files.reduce((n, f) => n + f.tests.length, 0);
  return {
    problems: res.status === 0 ? [] : [`promtool test rules: ${(res.stdout + res.stderr).trim().slice(0, 6000)}`],
    summary: `${res.status === 0 ? 'SUCCESS' : 'FAILED'}, ${count} alert tests and ${sloCount} SLO tests (${groupsRun} test groups)`,
  };
}
