/**
 * The Go tools the policy gate and the cluster test run, built from the Go
 * module proxy (the only way to get them here) and cached by version in the
 * machine's cache (~/.cache/mls-platform-infra/tools/<tool>-<version>), so a
 * fresh clone on the same machine reuses them.
 *
 * A build prints one line when it starts and one when it ends; the Go
 * command's own output goes to a log file beside the cache, printed only
 * when the build fails.
 *
 *   node bin/ts.mjs tooling/tools.ts helm promtool    builds them ahead of time
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Kubernetes minor version the cluster test runs and helm assumes. */
export const K8S_VERSION = '1.37.2';
const K8S_MINOR = K8S_VERSION.split('.')[1]!;

interface Build {
  /** The version being built (the tool's pin). */
  readonly version: string;
  /** The binary's directory (binaries are written there). */
  readonly out: string;
  /** Runs go with the log as its output; throws on failure. */
  readonly go: (args: readonly string[], options?: { cwd?: string; env?: Record<string, string> }) => void;
}

interface Tool {
  readonly version: string;
  /** Binaries the build leaves in `out` (default: the tool's name). */
  readonly binaries?: readonly string[];
  /** About how long a cold build takes on 2 cores, for the progress line. */
  readonly minutes: number;
  readonly build: (b: Build) => void;
}

/**
 * Runs `build` in a writable copy of a module from the Go proxy, for builds
 * that must edit its go.mod (`editGoMod`) or that `go install pkg@version`
 * refuses (a module with replace directives).
 */
function inModuleCopy(
  module: string,
  version: string,
  build: (src: string) => void,
  editGoMod?: (goMod: string) => string,
): void {
  const json = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8' });
  const src = mkdtempSync(join(tmpdir(), 'go-src-'));
  try {
    cpSync(JSON.parse(json).Dir as string, src, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', src]);
    if (editGoMod) writeFileSync(join(src, 'go.mod'), editGoMod(readFileSync(join(src, 'go.mod'), 'utf8')));
    build(src);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

/** go.mod without its `replace (...)` blocks and single replace lines (they point into a monorepo). */
function withoutReplaces(goMod: string): string {
  return goMod.replace(/^replace \([\s\S]*?^\)\n?/gm, '').replace(/^replace .*\n/gm, '');
}

/** `go install <pkg>@<version>` into the build's directory. */
const goInstall =
  (pkg: string, flags: readonly string[] = []) =>
  (b: Build): void =>
    b.go(['install', ...flags, `${pkg}@${b.version}`], { env: { GOBIN: b.out } });

/** Flags of a module-mode build in a copy whose go.mod was edited. */
const MOD_BUILD = { GOFLAGS: '-mod=mod -buildvcs=false' };

export const TOOLS: Record<string, Tool> = {
  helm: {
    version: 'v3.22.0',
    minutes: 2,
    // helm assumes Kubernetes 1.20 unless told; charts that need >= 1.25 refuse it.
    build: goInstall('helm.sh/helm/v3/cmd/helm', [
      '-ldflags',
      ['pkg/chartutil', 'pkg/lint/rules']
        .flatMap((pkg) => [
          `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=1`,
          `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${K8S_MINOR}`,
        ])
        .join(' '),
    ]),
  },
  amtool: { version: 'v0.34.0', minutes: 2, build: goInstall('github.com/prometheus/alertmanager/cmd/amtool') },
  promtool: {
    version: 'v0.314.0',
    minutes: 10,
    // The server too: the release analysis is tested against a real one. Both
    // from one copy of the module, whose go.mod has a replace directive that
    // `go install pkg@version` refuses. The server's HTTP API needs no UI assets.
    binaries: ['promtool', 'prometheus'],
    build: (b) =>
      inModuleCopy('github.com/prometheus/prometheus', b.version, (src) =>
        b.go(['build', '-o', `${b.out}/`, './cmd/promtool', './cmd/prometheus'], { cwd: src }),
      ),
  },
  actionlint: { version: 'v1.7.12', minutes: 1, build: goInstall('github.com/rhysd/actionlint/cmd/actionlint') },
  etcd: {
    version: 'v3.6.16',
    minutes: 2,
    // The server module's go.mod replaces its sibling modules with paths in
    // etcd's repository: drop those lines and take the published modules.
    build: (b) =>
      inModuleCopy(
        'go.etcd.io/etcd/server/v3',
        b.version,
        (src) =>
          b.go(['build', '-trimpath', '-ldflags', '-s -w', '-o', join(b.out, 'etcd'), '.'], {
            cwd: src,
            env: MOD_BUILD,
          }),
        withoutReplaces,
      ),
  },
  kubernetes: {
    version: `v${K8S_VERSION}`,
    minutes: 10,
    binaries: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'],
    // k8s.io/kubernetes builds against its staging directory: drop that
    // replace block and require the published k8s.io/* modules of the same
    // release. The version is stamped so Helm's kubeVersion checks pass.
    build: (b) =>
      inModuleCopy(
        'k8s.io/kubernetes',
        b.version,
        (src) =>
          b.go(
            [
              ...['build', '-trimpath', '-ldflags', kubernetesLdflags(), '-o', `${b.out}/`],
              ...['./cmd/kube-apiserver', './cmd/kube-controller-manager', './cmd/kube-scheduler'],
            ],
            { cwd: src, env: MOD_BUILD },
          ),
        (goMod) =>
          withoutReplaces(goMod).replace(
            /^(\tk8s\.io\/[a-z0-9-]+) v0\.0\.0$/gm,
            `$1 v0.${K8S_MINOR}.${K8S_VERSION.split('.')[2]}`,
          ),
      ),
  },
  kwok: { version: 'v0.8.0', minutes: 2, build: goInstall('sigs.k8s.io/kwok/cmd/kwok') },
};

/** The version stamp of the Kubernetes binaries (as its Makefile sets it). */
function kubernetesLdflags(): string {
  const v = 'k8s.io/component-base/version';
  return [
    '-s -w',
    `-X ${v}.gitVersion=v${K8S_VERSION}`,
    `-X ${v}.gitMajor=1`,
    `-X ${v}.gitMinor=${K8S_MINOR}`,
    `-X ${v}.gitTreeState=clean`,
    `-X ${v}.buildDate=1970-01-01T00:00:00Z`,
  ].join(' ');
}

export type ToolName = keyof typeof TOOLS;

export const cacheRoot = (): string =>
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mls-platform-infra', 'tools');

export class ToolError extends Error {}

/**
 * The directory of `name`'s binaries at its pinned version, building them
 * first when the cache lacks them. Safe when two run at once: each builds in
 * its own directory and the first rename wins.
 */
export function ensureTool(name: ToolName, log: (line: string) => void = console.log): string {
  const tool = TOOLS[name]!;
  const dir = join(cacheRoot(), `${name}-${tool.version}`);
  const binaries = tool.binaries ?? [name];
  if (binaries.every((bin) => existsSync(join(dir, bin)))) return dir;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
    throw new ToolError(
      `${name} ${tool.version} is not built yet and Go is not installed to build it: install Go (https://go.dev/dl/), or put the binaries in ${dir}`,
    );
  }
  mkdirSync(cacheRoot(), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  const logFile = `${dir}.build.log`;
  mkdirSync(tmp, { recursive: true });
  writeFileSync(logFile, '');
  log(`building ${name} ${tool.version} with Go (about ${tool.minutes} min cold; log: ${logFile})`);
  const started = Date.now();
  const build: Build = {
    version: tool.version,
    out: tmp,
    go: (args, options = {}) => {
      const res = spawnSync('go', args, {
        cwd: options.cwd,
        env: { ...process.env, GOWORK: 'off', CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', ...options.env },
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      });
      writeFileSync(logFile, `${readFileSync(logFile, 'utf8')}$ go ${args.join(' ')}\n${res.stdout}${res.stderr}`);
      if (res.status !== 0) {
        throw new ToolError(
          `building ${name} ${tool.version} failed (go ${args[0]}):\n${readFileSync(logFile, 'utf8').slice(-6000)}`,
        );
      }
    },
  };
  try {
    tool.build(build);
    for (const bin of binaries) chmodSync(join(tmp, bin), 0o755);
    if (!existsSync(dir)) renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  log(`built ${name} ${tool.version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return dir;
}

/** The path of one binary of `name`. */
export function toolBinary(name: ToolName, binary: string = name): string {
  return join(ensureTool(name), binary);
}

/** `node bin/ts.mjs tooling/tools.ts <tool>...` builds them ahead of time. */
export function main(args: readonly string[]): number {
  const unknown = args.filter((a) => !(a in TOOLS));
  if (args.length === 0 || unknown.length > 0) {
    console.error(`usage: node bin/ts.mjs tooling/tools.ts <tool>...  (tools: ${Object.keys(TOOLS).join(', ')})`);
    return 2;
  }
  try {
    for (const name of args) console.log(ensureTool(name));
    return 0;
  } catch (e) {
    if (!(e instanceof ToolError)) throw e;
    console.error(`error: ${e.message}`);
    return 1;
  }
}
