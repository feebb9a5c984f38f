// Policy gate step: renders every helm_release of a synthesized stack with
// `helm template` against its pinned chart, and checks what the cluster
// would get: no values key that no template reads, every object valid
// against the Kubernetes 1.37 schemas and the charts' CRD schemas, the
// Alertmanager config through `amtool check-config`, the PrometheusRules
// through `promtool check rules` and `promtool test rules`.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { alertRuleTests } from './alert-tests.mjs';
import { root } from './load-ts.mjs';

const SHARED_CHARTS = join(root, '..', 'shared', 'charts');
const KUBE_VERSION = '1.37.0';

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
function chartArchive(helm, chart) {
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
    execFileSync(helm, ['pull', chart.chart, '--repo', chart.repository, '--version', chart.version, '-d', cache]);
  }
  return pulled;
}

/** What a chart (and its subcharts, by values key) defaults and reads. */
function chartKnowledge(dir) {
  const meta = parseYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8'));
  const valuesFile = join(dir, 'values.yaml');
  const defaults = existsSync(valuesFile) ? (parseYaml(readFileSync(valuesFile, 'utf8')) ?? {}) : {};
  const templates = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else templates.push(readFileSync(join(d, entry.name), 'utf8'));
    }
  };
  if (existsSync(join(dir, 'templates'))) walk(join(dir, 'templates'));
  const subcharts = {};
  const charts = join(dir, 'charts');
  if (existsSync(charts)) {
    for (const entry of readdirSync(charts, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dep = (meta.dependencies ?? []).find((d) => d.name === entry.name);
      subcharts[dep?.alias ?? entry.name] = chartKnowledge(join(charts, entry.name));
    }
  }
  return { name: meta.name, version: meta.version, defaults, text: templates.join('\n'), subcharts };
}

const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The chart's default at `path` (a list of keys), or undefined. */
const defaultAt = (knowledge, path) => path.reduce((d, k) => (isMap(d) ? d[k] : undefined), knowledge.defaults);

/** Whether the chart defaults `path` or a template reads it. */
function knownTo(knowledge, path) {
  return defaultAt(knowledge, path) !== undefined || readByTemplates(knowledge, path);
}

/** Whether a template reads `path` (a list of keys below the chart's .Values). */
function readByTemplates(knowledge, path) {
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
export function unknownKeys(values, knowledge, path = [], fullPath = []) {
  const found = [];
  for (const [key, value] of Object.entries(values ?? {})) {
    const here = [...path, key];
    const full = [...fullPath, key];
    if (FREE_FORM.includes(full.join('.'))) continue;
    if (path.length === 0 && key === 'global') continue;
    if (path.length === 0 && knowledge.subcharts[key]) {
      // A subchart's key: known to the subchart, or to the parent chart,
      // which sets some keys of its own under the same name.
      const candidates = unknownKeys(value, knowledge.subcharts[key], [], full);
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

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
}

/** The literal namespace of a release whose namespace is a reference to a namespace resource. */
function namespaceOf(json, release) {
  const ref = /^\$\{kubernetes_namespace_v1\.([^.]+)\.metadata\[0\]\.name\}$/.exec(release.namespace);
  return ref ? json.resource.kubernetes_namespace_v1[ref[1]].metadata.name : release.namespace;
}

/**
 * Renders and checks every helm_release of one synthesized stack. Returns
 * { lines, problems }: a line per release and per tool run, and what failed.
 */
export function renderGate({ stack, stackDir, json, tools, python }) {
  const lines = [];
  const problems = [];
  // CRDs rendered by earlier releases of the stack (kube-prometheus-stack's),
  // for the custom resources of later ones: the project's own charts go last.
  const stackCrds = mkdtempSync(join(tmpdir(), 'render-crds-'));
  const crdFile = join(stackCrds, 'crds.yaml');
  writeFileSync(crdFile, '');
  const releases = Object.entries(json.resource?.helm_release ?? {}).sort(
    ([, a], [, b]) => Number(a.repository === undefined) - Number(b.repository === undefined),
  );
  for (const [id, release] of releases) {
    const where = `${stack} ${release.name}`;
    const dir = mkdtempSync(join(tmpdir(), `render-${release.name}-`));
    try {
      // A chart of the project's own is a local directory (a cdktf asset of the stack).
      const local = release.repository === undefined;
      const archive = local ? join(stackDir, release.chart) : chartArchive(tools.helm, release);
      if (!local) execFileSync('tar', ['xzf', archive, '-C', dir]);
      const knowledge = chartKnowledge(local ? archive : join(dir, release.chart));
      const chartName = local ? knowledge.name : release.chart;
      const values = parseYaml(release.values[0]);
      const unknown = unknownKeys(values, knowledge);
      for (const key of unknown) problems.push(`${where}: values key "${key}" is read by no template of ${chartName}`);

      const valuesFile = join(dir, 'values.yaml');
      writeFileSync(valuesFile, release.values[0]);
      const rendered = run(tools.helm, [
        'template',
        release.name,
        archive,
        '--namespace',
        namespaceOf(json, release),
        '--kube-version',
        KUBE_VERSION,
        '--include-crds',
        '-f',
        valuesFile,
      ]);
      if (rendered.status !== 0) {
        problems.push(`${where}: helm template failed: ${rendered.stderr.trim()}`);
        continue;
      }
      const manifests = join(dir, 'rendered.yaml');
      writeFileSync(manifests, rendered.stdout);
      const out = join(dir, 'out');
      mkdirSync(out);
      const checked = run(python, [join(root, 'policy/check_rendered.py'), manifests, out, crdFile]);
      if (checked.status !== 0) {
        problems.push(`${where}: schema check failed: ${checked.stderr.trim()}`);
        continue;
      }
      const result = JSON.parse(checked.stdout);
      const crds = readFileSync(join(out, 'crds.yaml'), 'utf8');
      if (crds.trim() !== '') writeFileSync(crdFile, `${readFileSync(crdFile, 'utf8')}\n---\n${crds}`);
      for (const e of result.errors) problems.push(`${where}: schema: ${e}`);
      lines.push(
        `${where} (${id}): chart ${chartName} ${release.version ?? `${knowledge.version} (this repository)`}, ${result.objects} objects rendered, unknown keys ${unknown.length}, schema errors ${result.errors.length}`,
      );
      let chartRuleFiles = 0;
      for (const file of result.files) {
        const isRules = file.kind === 'rules';
        const tool = isRules ? tools.promtool : tools.amtool;
        const check = run(tool, isRules ? ['check', 'rules', file.path] : ['check-config', file.path]);
        const command = isRules ? 'promtool check rules' : 'amtool check-config';
        if (check.status !== 0)
          problems.push(`${where}: ${command} ${file.name}: ${(check.stdout + check.stderr).trim()}`);
        if (!isRules) {
          lines.push(`  amtool check-config ${file.name}: ${check.status === 0 ? 'ok' : 'FAILED'}`);
          if (check.status === 0) {
            const routes = checkRoutes(tools.amtool, file.path);
            lines.push(`  amtool config routes test: ${routes.summary}`);
            problems.push(...routes.problems.map((p) => `${where}: ${p}`));
          }
          continue;
        }
        const tested = check.status === 0 ? testRules(tools.promtool, file.path, dir) : undefined;
        if (tested) {
          lines.push(`  promtool check rules ${file.name}: ok; promtool test rules: ${tested.summary}`);
          problems.push(...tested.problems.map((p) => `${where}: ${p}`));
        } else if (check.status === 0) {
          chartRuleFiles++;
        } else {
          lines.push(`  promtool check rules ${file.name}: FAILED`);
        }
      }
      if (chartRuleFiles > 0) lines.push(`  promtool check rules: the chart's own ${chartRuleFiles} rule files ok`);
    } catch (e) {
      problems.push(`${where}: ${e.message}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  rmSync(stackCrds, { recursive: true, force: true });
  return { lines, problems };
}

/** Where Alertmanager sends alerts by label set: Slack for critical and warning only. */
const ROUTES = [
  [['severity=critical', 'alertname=MlsServiceDown'], 'slack-critical'],
  [['severity=warning', 'alertname=MlsHighCpuUsage'], 'slack-warning'],
  [['severity=info', 'alertname=CPUThrottlingHigh'], 'null'],
  [['severity=none', 'alertname=InfoInhibitor'], 'null'],
  [['severity=none', 'alertname=Watchdog'], 'null'],
  [['alertname=SomethingWithoutSeverity'], 'null'],
];

function checkRoutes(amtool, config) {
  const problems = [];
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
function testRules(promtool, rulesFile, dir) {
  const groups = parseYaml(readFileSync(rulesFile, 'utf8')).groups;
  if (!groups.some((g) => g.rules.some((r) => String(r.alert ?? '').startsWith('Mls')))) return undefined;
  const { tests, count } = alertRuleTests(groups);
  const testFile = join(dir, `tests-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(testFile, toYaml({ rule_files: [rulesFile], evaluation_interval: '1m', tests }));
  const res = run(promtool, ['test', 'rules', testFile]);
  return {
    problems: res.status === 0 ? [] : [`promtool test rules: ${(res.stdout + res.stderr).trim().slice(0, 4000)}`],
    summary: `${res.status === 0 ? 'SUCCESS' : 'FAILED'}, ${count} alert tests (${tests.length} test groups)`,
  };
}
