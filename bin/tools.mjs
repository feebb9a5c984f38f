// The policy gate's Go tools, built from the Go module proxy (the only way to
// get them here) and cached by version: in the machine's cache
// (~/.cache/mls-platform-infra/tools/<tool>-<version>), so a fresh clone on
// the same machine reuses them, and linked into .tools/bin. promtool takes
// about ten minutes to build on 2 cores the first time on a machine.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, chmodSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './load-ts.mjs';

const K8S_MINOR = '37';

export const TOOLS = {
  helm: {
    version: 'v3.22.0',
    // helm assumes Kubernetes 1.20 unless told; charts that need >= 1.25 refuse it.
    install: (version, gobin) =>
      goInstall(`helm.sh/helm/v3/cmd/helm@${version}`, gobin, [
        '-ldflags',
        ['pkg/chartutil', 'pkg/lint/rules']
          .flatMap((pkg) => [
            `-X helm.sh/helm/v3/${pkg}.k8sVersionMajor=1`,
            `-X helm.sh/helm/v3/${pkg}.k8sVersionMinor=${K8S_MINOR}`,
          ])
          .join(' '),
      ]),
  },
  amtool: {
    version: 'v0.34.0',
    install: (version, gobin) => goInstall(`github.com/prometheus/alertmanager/cmd/amtool@${version}`, gobin),
  },
  promtool: {
    version: 'v0.314.0',
    // Its go.mod has a replace directive, which `go install pkg@version` refuses:
    // build inside a copy of the module instead.
    install: (version, gobin) => {
      const info = JSON.parse(
        execFileSync('go', ['mod', 'download', '-json', `github.com/prometheus/prometheus@${version}`], {
          encoding: 'utf8',
        }),
      );
      const src = mkdtempSync(join(tmpdir(), 'prometheus-src-'));
      try {
        cpSync(info.Dir, src, { recursive: true });
        execFileSync('chmod', ['-R', 'u+w', src]);
        execFileSync('go', ['build', '-o', join(gobin, 'promtool'), './cmd/promtool'], {
          cwd: src,
          stdio: 'inherit',
          env: { ...process.env, GOWORK: 'off', GOFLAGS: '-buildvcs=false' },
        });
      } finally {
        rmSync(src, { recursive: true, force: true });
      }
    },
  },
};

function goInstall(pkg, gobin, flags = []) {
  execFileSync('go', ['install', ...flags, pkg], { stdio: 'inherit', env: { ...process.env, GOBIN: gobin } });
}

const cacheRoot = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mls-platform-infra', 'tools');

/** The path of `name` at its pinned version, building it first when the cache lacks it. */
export function ensureTool(name) {
  const { version, install } = TOOLS[name];
  const dir = join(cacheRoot(), `${name}-${version}`);
  const bin = join(dir, name);
  if (!existsSync(bin)) {
    console.log(`building ${name} ${version} with Go (cached in ${dir})`);
    const started = Date.now();
    const tmp = `${dir}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true });
    try {
      install(version, tmp);
      chmodSync(join(tmp, name), 0o755);
      rmSync(dir, { recursive: true, force: true });
      cpSync(tmp, dir, { recursive: true });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    console.log(`built ${name} ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  const link = join(root, '.tools', 'bin', `${name}-${version}`);
  mkdirSync(join(root, '.tools', 'bin'), { recursive: true });
  if (!existsSync(link)) symlinkSync(bin, link);
  return bin;
}

// `node bin/tools.mjs helm amtool promtool` builds them ahead of time.
if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  for (const name of process.argv.slice(2)) console.log(ensureTool(name));
}
