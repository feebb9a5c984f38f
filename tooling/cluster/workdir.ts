/**
 * A Terraform working directory for one synthesized stack, pointed at the
 * local cluster instead of the real world. The stack's JSON is copied with
 * exactly these changes, and nothing else:
 *
 * - the S3 backend goes: state is a local file in the working directory;
 * - the AWS provider talks to moto (endpoints, test credentials) and is
 *   pinned to the mirror's 5.45.0 (the bindings' 6.25.0 cannot be had here),
 *   with what 5.45.0 lacks rewritten (`forMirror`);
 * - the kubernetes and helm providers read the cluster's kubeconfig (the
 *   contexts are the ones the environment file names);
 * - a Helm release of a public chart installs the verified archive in
 *   ../shared/charts instead of downloading it;
 * - External Secrets Operator's admission webhooks fail open: its webhook
 *   never serves on simulated nodes (no container runs), and with
 *   `failurePolicy: Fail` the API server would refuse every ExternalSecret;
 * - a release analysis Job's pods carry the verdict kwok ends them with
 *   (`cluster-test/termination-message`), in the program's format and about
 *   the Job's own release (from its environment): no container runs on
 *   simulated nodes, so the program itself is tested on its own
 *   (__tests__/e2e/analysis-program.test.ts) and on a real Prometheus
 *   (__tests__/prometheus). PASS, unless a test plants another.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ANALYSIS_WHEN_LABEL } from '../../core/labels';
import type { AnalysisWhen } from '../../core/names';
import { SHARED_CHARTS } from '../render-gate';
import { TerraformResult, terraform } from '../../bin/terraform';
import { forMirror, terraformEnv } from '../terraform-mirror';

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON */
type TerraformJson = any;

/** The services moto answers for the AWS provider. */
const AWS_SERVICES = ['s3', 'iam', 'kms', 'rds', 'sts', 'secretsmanager'];

export interface Pointers {
  readonly kubeconfig: string;
  readonly motoEndpoint: string;
  /**
   * Where the S3 state lives: the stack's own backend (bucket, key,
   * `use_lockfile`) on this endpoint, so a killed apply leaves the lock file
   * a real one would. @default none: state is a local file in the working directory
   */
  readonly stateEndpoint?: string;
  /** The AWS fault proxy in front of moto, used while `Workdir.throughFaults` is set. @default none */
  readonly faultEndpoint?: string;
}

/** What kwok ends an analysis pod with: a verdict and its summary, about the Job's release unless `about` says otherwise. */
export interface PlantedVerdict {
  readonly verdict: 'PASS' | 'FAIL' | 'INCONCLUSIVE';
  readonly summary: string;
  /** Identity fields to write instead of the Job's own (a verdict about another release). */
  readonly about?: Readonly<Record<string, string>>;
}

export const SIMULATED_PASS: PlantedVerdict = {
  verdict: 'PASS',
  summary: 'simulated by the cluster test (no container runs on simulated nodes)',
};

/** The verdict line analysis.sh would write for this Job (its identity from the container's environment). */
function verdictLine(job: any, planted: PlantedVerdict): string {
  const env = Object.fromEntries(
    (job.spec.template.spec.container[0].env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
  );
  return JSON.stringify({
    format: 1,
    verdict: planted.verdict,
    namespace: env.ANALYSIS_NAMESPACE,
    service: env.ANALYSIS_SERVICE,
    when: env.ANALYSIS_WHEN,
    release: env.ANALYSIS_RELEASE,
    stage: env.ANALYSIS_STAGE,
    summary: planted.summary,
    checks: [],
    ...planted.about,
  });
}

/** The stack's JSON as the local cluster runs it (see the module comment). */
export function forLocalCluster(
  json: TerraformJson,
  pointers: Pointers,
  verdicts: Partial<Record<AnalysisWhen, PlantedVerdict>> = {},
): TerraformJson {
  const copy = forMirror(json);
  if (pointers.stateEndpoint) {
    Object.assign(copy.terraform.backend.s3, {
      endpoints: { s3: pointers.stateEndpoint },
      use_path_style: true,
      access_key: 'test',
      secret_key: 'test',
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: true,
    });
  } else {
    delete copy.terraform.backend;
  }
  const aws = copy.provider.aws[0];
  Object.assign(aws, {
    access_key: 'test',
    secret_key: 'test',
    skip_credentials_validation: true,
    skip_metadata_api_check: true,
    s3_use_path_style: true,
    endpoints: [Object.fromEntries(AWS_SERVICES.map((s) => [s, pointers.motoEndpoint]))],
  });
  copy.provider.kubernetes[0].config_path = pointers.kubeconfig;
  copy.provider.helm[0].kubernetes.config_path = pointers.kubeconfig;
  for (const release of Object.values<any>(copy.resource?.helm_release ?? {})) {
    if (!release.repository) continue;
    release.chart = join(SHARED_CHARTS, `${release.chart}-${release.version}.tgz`);
    delete release.repository;
    delete release.version;
  }
  const eso = Object.values<any>(copy.resource?.helm_release ?? {}).find((r) => r.name === 'external-secrets');
  if (eso) eso.values = [JSON.stringify({ ...JSON.parse(eso.values[0]), webhook: { failurePolicy: 'Ignore' } })];
  for (const job of Object.values<any>(copy.resource?.kubernetes_job_v1 ?? {})) {
    const when = job.metadata.labels?.[ANALYSIS_WHEN_LABEL] as AnalysisWhen | undefined;
    if (!when) continue;
    job.spec.template.metadata.annotations = {
      'cluster-test/termination-message': verdictLine(job, verdicts[when] ?? SIMULATED_PASS),
    };
  }
  return copy;
}

/** Transport errors between the AWS provider and the emulator. */
export const TRANSIENT = /use of closed network connection|connection reset by peer/;

export class Workdir {
  private readonly env: NodeJS.ProcessEnv;
  /** Verdicts the next loads plant on analysis pods, by when the analysis runs. @default PASS */
  public verdicts: Partial<Record<AnalysisWhen, PlantedVerdict>> = {};
  /**
   * Whether the next loads send the AWS provider through the fault proxy
   * (only the fault cases: the proxy adds its own cut connections). @default false
   */
  public throughFaults = false;
  /** The `terraform` block the last successful init read. */
  private initialized?: string;

  /**
   * @param adopt called with the process group of each terraform run in the
   * background (`runAsync`), so a run that dies stops it. @default none
   */
  constructor(
    public readonly dir: string,
    private readonly pointers: Pointers,
    private readonly adopt?: (group: number) => void,
  ) {
    mkdirSync(dir, { recursive: true });
    // One plugin cache per cluster run, beside its working directories (removed with the run).
    this.env = terraformEnv(dir, join(dirname(dir), '.plugin-cache'));
  }

  /** Puts a synthesized stack (cdk.tf.json and its assets) in place, keeping state and providers. */
  public load(stackDir: string): TerraformJson {
    const viaProxy = this.throughFaults && this.pointers.faultEndpoint;
    const json = forLocalCluster(
      JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')),
      viaProxy ? { ...this.pointers, motoEndpoint: viaProxy } : this.pointers,
      this.verdicts,
    );
    writeFileSync(join(this.dir, 'cdk.tf.json'), JSON.stringify(json, null, 2));
    rmSync(join(this.dir, 'assets'), { recursive: true, force: true });
    if (existsSync(join(stackDir, 'assets')))
      cpSync(join(stackDir, 'assets'), join(this.dir, 'assets'), { recursive: true });
    return json;
  }

  /** The JSON Terraform runs now (as loaded, with any edits). */
  public loaded(): TerraformJson {
    return JSON.parse(readFileSync(join(this.dir, 'cdk.tf.json'), 'utf8'));
  }

  /** Edits the loaded JSON in place (for planted defects). */
  public edit(change: (json: TerraformJson) => void): void {
    const json = this.loaded();
    change(json);
    writeFileSync(join(this.dir, 'cdk.tf.json'), JSON.stringify(json, null, 2));
  }

  /**
   * Runs terraform. A command whose read from moto was cut short ("use of
   * closed network connection": about one plan in ten, with moto's server
   * or waitress, with or without keep-alive) is run again, up to twice, and says so:
   * that is the emulator's transport, not the stack.
   */
  public run(args: readonly string[]): TerraformResult {
    let res = terraform(args, { cwd: this.dir, env: this.env });
    for (let again = 0; again < 2 && cutShort(args, res); again++)
      res = terraform(args, { cwd: this.dir, env: this.env });
    return res;
  }

  /** Runs terraform and throws with its output when it fails. */
  public must(args: readonly string[]): TerraformResult {
    const res = this.run(args);
    if (res.status !== 0) throw new Error(`terraform ${args.join(' ')} failed in ${this.dir}:\n${tail(res)}`);
    return res;
  }

  /**
   * Runs terraform without blocking this process (so watchers keep polling),
   * in a process group of its own. `killWhen` sees each line of output; when
   * it resolves true, the group (terraform and its providers) gets SIGKILL,
   * the way a cancelled runner dies. Never rejects for a failing command;
   * runs again when a connection to moto was cut short (see `run`),
   * nothing was killed and `runAgain` is left set (a faulted apply clears it:
   * a second run would not meet the spent fault).
   */
  public async runAsync(
    args: readonly string[],
    killWhen?: (line: string) => boolean | Promise<boolean>,
    runAgain = true,
  ): Promise<TerraformResult & { killed: boolean }> {
    let res = await this.spawnAsync(args, killWhen);
    for (let again = 0; again < 2 && runAgain && !res.killed && cutShort(args, res); again++) {
      res = await this.spawnAsync(args, killWhen);
    }
    return res;
  }

  private spawnAsync(
    args: readonly string[],
    killWhen?: (line: string) => boolean | Promise<boolean>,
  ): Promise<TerraformResult & { killed: boolean }> {
    const child = spawn('terraform', args, { cwd: this.dir, env: this.env, detached: true });
    if (child.pid) this.adopt?.(child.pid);
    let stdout = '';
    let stderr = '';
    let killed = false;
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (!killWhen || killed) return;
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        void Promise.resolve(killWhen(line)).then((kill) => {
          if (!kill || killed || child.exitCode !== null) return;
          killed = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // Ended on its own meanwhile.
          }
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    return new Promise((resolve) =>
      child.on('close', (code) => resolve({ status: code ?? 137, stdout, stderr, killed })),
    );
  }

  /**
   * `terraform init`, unless what init reads (the `terraform` block: backend
   * and providers; the stacks use no modules) is what the last init here read:
   * then it would change nothing, and a run of it costs seconds per apply.
   */
  public init(): void {
    const reads = JSON.stringify(this.loaded().terraform);
    if (reads === this.initialized && existsSync(join(this.dir, '.terraform'))) return;
    this.must(['init', '-input=false', '-no-color']);
    this.initialized = reads;
  }

  public apply(extra: readonly string[] = []): TerraformResult {
    return this.must(['apply', '-auto-approve', '-input=false', '-no-color', ...extra]);
  }

  /** `plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error. */
  public plan(extra: readonly string[] = []): TerraformResult {
    return this.run(['plan', '-detailed-exitcode', '-input=false', '-no-color', ...extra]);
  }
}

/** Whether a failed command's connection to moto was cut short (see Workdir.run); says so when it was. */
function cutShort(args: readonly string[], res: TerraformResult): boolean {
  if (res.status === 0 || !TRANSIENT.test(`${res.stdout}${res.stderr}`)) return false;
  process.stdout.write(`[cluster] terraform ${args[0]}: a connection to moto was cut short; running it again\n`);
  return true;
}

/** The end of a command's output, where Terraform says what failed. */
export function tail(res: TerraformResult, lines = 60): string {
  return `${res.stdout}\n${res.stderr}`.trim().split('\n').slice(-lines).join('\n');
}
