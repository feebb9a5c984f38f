/**
 * `npm run test:all` starts here: what the whole run needs, checked before
 * anything else runs, so a missing tool is named in the first second and
 * not after twenty minutes. What the run installs by itself is said, not
 * checked: Node 22 for the mutation run (from the npm registry), nginx and
 * shellcheck (Debian packages, as root or through sudo), moto (PyPI, in
 * the cluster test's virtualenv, cached), the Go tools (built from the Go module proxy, cached).
 *
 * Exits 1 naming every missing prerequisite; 0 with one line per check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statfsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../environments/root';
import { TERRAFORM_MINIMUM } from '../core/terraform-version';

/** Disk the first run fills: Go build cache about 7 GB, module cache 3 GB, tools 1.6 GB, slack. */
const DISK_GB = 13;

interface Check {
  readonly what: string;
  /** undefined when met; else what is wrong and how to fix it. */
  readonly problem: string | undefined;
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

/** `major.minor` of the first version number in `text`, as a comparable number (1.10 → 1.1 would be wrong). */
function version(text: string): [number, number] | undefined {
  const m = /(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const atLeast = (v: [number, number] | undefined, major: number, minor: number) =>
  v !== undefined && (v[0] > major || (v[0] === major && v[1] >= minor));

export function checks(): Check[] {
  const minimum = `${TERRAFORM_MINIMUM.major}.${TERRAFORM_MINIMUM.minor}`;
  const terraform = run('terraform', ['version']);
  const go = run('go', ['version']);
  const venv = run('python3', ['-c', 'import venv, ensurepip']);
  const free = (() => {
    const s = statfsSync(homedir());
    return Math.floor((s.bavail * s.bsize) / 1024 ** 3);
  })();
  const cached = existsSync(join(homedir(), '.cache', 'mls-platform-infra', 'tools'));
  return [
    {
      what: `Terraform ≥ ${minimum} (S3 lock file)`,
      problem:
        terraform.status !== 0
          ? `terraform is not on PATH: install Terraform ${minimum} or later`
          : atLeast(version(terraform.stdout), TERRAFORM_MINIMUM.major, TERRAFORM_MINIMUM.minor)
            ? undefined
            : `${terraform.stdout.split('\n')[0]} is older than ${minimum}`,
    },
    {
      what: 'Go ≥ 1.26 (builds helm, promtool, Prometheus, etcd, Kubernetes, kwok)',
      problem:
        go.status !== 0
          ? 'go is not on PATH: install Go 1.26 or later (Kubernetes 1.37, etcd 3.6.16 and kwok 0.8 need it)'
          : atLeast(version(go.stdout.replace(/^go version go/, '')), 1, 26)
            ? undefined
            : `${go.stdout.trim()} is older than 1.26`,
    },
    {
      what: 'Python 3 with venv (moto for the cluster test)',
      problem: venv.status === 0 ? undefined : 'python3 with the venv module is missing (apt-get install python3-venv)',
    },
    {
      what: '../shared beside the project (provider mirror, chart archives)',
      problem: existsSync(join(ROOT, '..', 'shared', 'providers'))
        ? undefined
        : `${join(ROOT, '..', 'shared')} is missing: clone with ../shared beside it (see Troubleshooting)`,
    },
    {
      what: `${DISK_GB} GB free for the first run's Go caches and tools`,
      problem:
        cached || free >= DISK_GB
          ? undefined
          : `${free} GB free in ${homedir()}; the first run needs about ${DISK_GB} GB`,
    },
  ];
}

export function main(): number {
  const node = Number(process.versions.node.split('.')[0]);
  const results = checks();
  for (const c of results)
    console.log(`${c.problem ? 'missing' : 'ok     '}  ${c.what}${c.problem ? `: ${c.problem}` : ''}`);
  if (node < 22) {
    console.log(
      `note     Node ${process.versions.node}: the tests run on it; the mutation run fetches Node 22 for StrykerJS 10 (once, cached).`,
    );
  }
  const missing = results.filter((c) => c.problem);
  if (missing.length > 0) {
    console.error(`\n${missing.length} prerequisite(s) missing; nothing was run.`);
    return 1;
  }
  return 0;
}
