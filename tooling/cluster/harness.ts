/**
 * The cluster test's steps, one function each, used by the tests
 * (__tests__/cluster) and by `npm run cluster -- --keep` for people who want
 * to poke at a cluster with the stacks applied.
 *
 * A run works in a copy of the project (the release command edits release
 * files there, never in your tree), synthesizes its stacks, and applies each
 * to its own local cluster (cluster.ts) through a Terraform working
 * directory pointed at it (workdir.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENVIRONMENTS } from '../../environments';
import { Environment, EnvironmentSource, validateAll } from '../../environments/validate';
import { withReleaseFiles } from '../../environments/release-files';
import { ROLLBACK_PLAN_ARGS, planPhase } from '../../bin/rollback-command';
import type { RollbackSteps } from '../../bin/rollback-command';
import { LocalCluster, timed } from './cluster';
import { awsFixtures, clusterFixtures } from './fixtures';
import { Workdir } from './workdir';
import { tuneGoGc } from '../go-gc';
import { copyProjectTree } from '../project-copy';

export interface RunOptions {
  /** Where the run lives. @default a new temporary directory */
  readonly dir?: string;
  readonly log?: (line: string) => void;
  /** The environments to start a cluster for and apply. @default every committed one */
  readonly environments?: readonly string[];
  /**
   * The stacks' S3 backend on moto (with its lock file) instead of local
   * state, and the AWS fault proxy (cluster.faults), which a working
   * directory uses while its `throughFaults` is set.
   * @default false
   */
  readonly faults?: boolean;
}

export class ClusterRun {
  public readonly project: string;
  public readonly cluster: LocalCluster;
  public readonly log: (line: string) => void;
  private readonly workdirs: Record<string, Workdir> = {};
  /** The AWS fault proxy in front of moto (with `faults`), for the working directories' fault cases. */
  private faultEndpoint = '';

  private constructor(
    public readonly dir: string,
    cluster: LocalCluster,
    log: (line: string) => void,
    private readonly options: RunOptions,
  ) {
    this.cluster = cluster;
    this.log = log;
    this.project = join(dir, 'project');
  }

  /** Copies the project, starts a cluster per committed environment, and puts the fixtures in. */
  public static async start(options: RunOptions = {}): Promise<ClusterRun> {
    const log = options.log ?? console.log;
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cluster-test-'));
    const contexts = validateAll(ENVIRONMENTS)
      .filter((e) => !options.environments || options.environments.includes(e.name))
      .map((e) => e.kubernetes.context);
    const cluster = await LocalCluster.start({ dir: join(dir, 'cluster'), contexts, log });
    const run = new ClusterRun(dir, cluster, log, options);
    try {
      if (options.faults) run.faultEndpoint = await cluster.startAwsFaults();
      copyProject(run.project);
      await timed(
        log,
        'fixtures (IngressClass, cert-manager issuers, volumes; database, secrets, OIDC provider in moto)',
        async () => {
          for (const env of run.environments()) {
            await clusterFixtures(cluster.planes[env.kubernetes.context]!.kube, [env]);
            awsFixtures(cluster.python, cluster.motoEndpoint, env, dir);
          }
        },
      );
      return run;
    } catch (e) {
      await run.stop();
      throw e;
    }
  }

  /** The run's environments, as the project copy's files now say. */
  public environments(): Environment[] {
    const only = this.options.environments;
    return validateAll(this.sources()).filter((e) => !only || only.includes(e.name));
  }

  public environment(name: string): Environment {
    const env = this.environments().find((e) => e.name === name);
    if (!env) throw new Error(`no environment "${name}"`);
    return env;
  }

  /** The project copy's environment sources (its release files are read anew). */
  private sources(): EnvironmentSource[] {
    return withReleaseFiles(
      ENVIRONMENTS.map((s) => s.settings),
      this.project,
    );
  }

  /** The Terraform working directory of an environment. */
  public workdir(env: string): Workdir {
    this.workdirs[env] ??= new Workdir(
      join(this.dir, 'terraform', env),
      {
        kubeconfig: this.cluster.kubeconfig,
        motoEndpoint: this.cluster.motoEndpoint,
        ...(this.options.faults ? { stateEndpoint: this.cluster.motoEndpoint, faultEndpoint: this.faultEndpoint } : {}),
      },
      (group) => this.cluster.adopt(group),
    );
    return this.workdirs[env]!;
  }

  /** `npm run synth` in the project copy; returns the stacks directory. */
  public synth(): string {
    const out = join(this.dir, 'cdktf.out');
    const res = spawnSync(process.execPath, ['bin/synth.mjs'], {
      cwd: this.project,
      encoding: 'utf8',
      env: { ...process.env, CDKTF_OUTDIR: out, CHECKPOINT_DISABLE: '1' },
    });
    if (res.status !== 0) throw new Error(`synth failed:\n${res.stdout}${res.stderr}`);
    return join(out, 'stacks');
  }

  /**
   * Synthesizes and applies one environment: init when the providers or the
   * backend changed, then apply (with `extra` arguments).
   */
  public async apply(env: string, extra: readonly string[] = []): Promise<void> {
    const stacks = await timed(this.log, 'synth', () => this.synth());
    const wd = this.workdir(env);
    wd.load(join(stacks, env));
    await timed(this.log, `${env}: terraform init`, () => wd.init());
    await timed(this.log, `${env}: terraform apply`, () => wd.apply(extra));
  }

  /** `plan -detailed-exitcode` of what is loaded: 0 means no changes. */
  public async planExitCode(env: string): Promise<{ status: number; output: string }> {
    const res = await timed(this.log, `${env}: second plan`, () => this.workdir(env).plan());
    return { status: res.status, output: `${res.stdout}\n${res.stderr}` };
  }

  /**
   * Runs the release command in the project copy, as the README does, and
   * commits the move (as the pull request with it is merged to main before
   * it deploys) unless told not to.
   */
  public release(args: readonly string[], commit = true): string {
    const res = spawnSync(process.execPath, ['bin/ts.mjs', 'bin/release-command.ts', ...args], {
      cwd: this.project,
      encoding: 'utf8',
    });
    if (res.status !== 0) throw new Error(`release ${args.join(' ')} failed:\n${res.stdout}${res.stderr}`);
    if (commit && git(this.project, ['status', '--porcelain', '--', 'environments']).trim() !== '') {
      git(this.project, ['commit', '--quiet', '-m', `release ${args.join(' ')}`, '--', 'environments']);
    }
    return res.stdout.trim();
  }

  /**
   * The rollback's steps against this run: the release command and synth in
   * the project copy, Terraform in the environment's working directory, git
   * in the project copy (a repository of its own, see copyProject).
   */
  public rollbackSteps(env: string): RollbackSteps {
    const wd = this.workdir(env);
    return {
      state: () => JSON.parse(wd.must(['show', '-json', '-no-color']).stdout),
      // The rollback commits the move itself (record).
      release: (service) => this.release([env, 'rollback', '--service', service], false).split('\n')[0]!,
      synth: () => wd.load(join(this.synth(), env)),
      plan: () => {
        // Timed as the real steps time them (init is the working directory's, done before).
        const log = (line: string) => this.log(`rollback: ${line}`);
        planPhase(log, 'plan', () => wd.must(['plan', ...ROLLBACK_PLAN_ARGS, '-out=rollback.tfplan']));
        return planPhase(log, 'show', () => JSON.parse(wd.must(['show', '-json', 'rollback.tfplan']).stdout));
      },
      apply: () => {
        wd.must(['apply', '-input=false', '-no-color', 'rollback.tfplan']);
      },
      record: (message) => {
        git(this.project, ['add', '--', `environments/${env}.release.json`]);
        git(this.project, ['commit', '--quiet', '-m', message]);
        return git(this.project, ['rev-parse', '--short', 'HEAD']).trim();
      },
      log: (line) => this.log(`rollback: ${line}`),
    };
  }

  /** Stops the cluster; the run's directory stays only when `keep` is set. */
  public async stop(keep = false): Promise<void> {
    await this.cluster.stop();
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs git in `cwd` as the cluster test's author; returns its output. */
export function git(cwd: string, args: readonly string[]): string {
  const res = spawnSync('git', ['-c', 'user.name=cluster test', '-c', 'user.email=cluster-test@localhost', ...args], {
    cwd,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`git ${args.join(' ')} failed:\n${res.stdout}${res.stderr}`);
  return res.stdout;
}

/**
 * A copy of the project's working tree, sharing node_modules, as a git
 * repository of its own with one commit (the rollback records itself in it).
 */
function copyProject(to: string): void {
  copyProjectTree(to);
  git(to, ['init', '--quiet']);
  git(to, ['add', '--all']);
  git(to, ['commit', '--quiet', '-m', 'the project as the cluster test found it']);
}

/**
 * `npm run cluster -- --keep`: starts the clusters, applies both committed
 * environments, prints how to reach them, and stops everything on Ctrl-C
 * (the run's directory is kept for its logs and state).
 */
export async function main(args: readonly string[]): Promise<number> {
  if (!args.includes('--keep')) {
    console.error('usage: npm run cluster -- --keep   (start the clusters, apply both stacks, wait for Ctrl-C)');
    return 2;
  }
  tuneGoGc();
  const run = await ClusterRun.start();
  try {
    for (const env of run.environments()) await run.apply(env.name);
    console.log(`\nclusters up; everything is in ${run.dir}`);
    console.log(
      `  kubectl --kubeconfig ${run.cluster.kubeconfig} --context <${run
        .environments()
        .map((e) => e.kubernetes.context)
        .join('|')}> get pods -A`,
    );
    console.log(`  cd ${join(run.dir, 'terraform', '<env>')} && TF_CLI_CONFIG_FILE=$PWD/.terraformrc terraform plan`);
    console.log(`  AWS (moto): ${run.cluster.motoEndpoint}; logs: ${join(run.dir, 'cluster')}/*.log`);
    console.log('Ctrl-C stops the processes (the directory stays).');
    // A signal listener alone does not keep Node running: the timer does, until Ctrl-C.
    const alive = setInterval(() => undefined, 60_000);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    clearInterval(alive);
    return 0;
  } finally {
    await run.stop(true);
  }
}
