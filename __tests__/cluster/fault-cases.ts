/**
 * Faults during a release (production), on the cluster test's run: the
 * deploy killed with SIGKILL at each phase, the API server restarted, AWS
 * throttling, failing and denying, a node lost, leftovers. Each case then
 * does what docs/delivery.md's "After a fault" says, and ends with the same
 * invariants: the apply converges and the second plan is empty, the release
 * file and the cluster agree, the selector never moved to a colour that
 * was not fully available, no protected resource was destroyed or replaced,
 * and no state lock is left. The time from the fault to convergence is
 * printed, and the table of them all at the end.
 *
 * `FAULTS=all` (npm run test:faults) runs every case; otherwise the quick
 * set runs (killed right after the switch, a planted switch, a stale
 * release lock), which fits CI's budget.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { releaseProblems } from '../../tooling/cluster/checks';
import { simulatedNode } from '../../tooling/cluster/cluster';
import type { AwsFault } from '../../tooling/cluster/cluster';
import {
  SelectorWatch,
  applyRemedy,
  fullyAvailable,
  lostFrom,
  protectedInventory,
  remedies,
} from '../../tooling/cluster/faults';
import type { Remedy } from '../../tooling/cluster/faults';
import type { ClusterRun } from '../../tooling/cluster/harness';
import { apiPath } from '../../tooling/cluster/kube';
import { TRANSIENT } from '../../tooling/cluster/workdir';
import { sleep, waitFor } from '../../tooling/cluster/processes';
import { colourName } from '../../core/names';
import { COLOUR_LABEL } from '../../core/labels';
import { Colour, otherColour } from '../../core/colours';

/* eslint-disable @typescript-eslint/no-explicit-any -- Terraform's and the API server's JSON */
const ENV = 'production';
const SERVICE = 'mls-server';
const ALL = process.env.FAULTS === 'all';
const APPLY = ['apply', '-auto-approve', '-input=false', '-no-color'];

/** What the refused deploy said, by the remedy it called for. */
const WHY: Record<Remedy['kind'], string> = {
  unlock: 'the state is locked',
  'delete-analysis': 'an analysis already exists',
  'import-snapshot': 'the snapshot already exists',
  'helm-rollback': 'a Helm release is pending',
};

interface Outcome {
  readonly fault: string;
  readonly seconds: number;
  readonly did: readonly string[];
}

export function faultCases(getRun: () => ClusterRun, log: (line: string) => void): void {
  const outcomes: Outcome[] = [];
  /** When the fault struck (a kill, a restart, a node gone); a failed call's apply ends with it. */
  let struckAt: number | undefined;
  const run = () => getRun();
  const env = () => run().environment(ENV);
  const ns = () => env().namespace;
  const kube = () => run().cluster.planes[env().kubernetes.context]!.kube;
  const wd = () => run().workdir(ENV);
  const loaded = () => wd().loaded();
  const inventory = () => protectedInventory(JSON.parse(wd().must(['show', '-json', '-no-color']).stdout), loaded());
  const deploymentPath = (colour: Colour) => apiPath('apps/v1', 'deployments', ns(), colourName(SERVICE, colour));
  const idle = (): Colour => otherColour(env().release.services[SERVICE]!.live);
  const context = () => env().kubernetes.context;

  /** Whether the state's lock file is in the bucket (on moto, where the run keeps state). */
  const lockLeft = async () => {
    const s3 = loaded().terraform.backend.s3;
    const res = await fetch(`${run().cluster.motoEndpoint}/${s3.bucket}/${s3.key}.tflock`);
    return res.status === 200;
  };

  /**
   * Deploys again until it converges, doing what docs/delivery.md's "After a
   * fault" says for each error met; throws on an error it has no remedy for.
   */
  async function recover(): Promise<string[]> {
    const did: string[] = [];
    let retried = false;
    for (let attempt = 0; attempt < 6; attempt++) {
      const res = await wd().runAsync(APPLY);
      const output = `${res.stdout}\n${res.stderr}`;
      if (res.status === 0) return [...did, 'deploy again: applied'];
      const found = remedies(output);
      if (found.remedies.length === 0) {
        // "Any other error": its cause is gone (the outage is over), so one more deploy; a second failure is a finding.
        if (retried || found.unknown.length === 0) {
          throw new Error(
            `the deploy after the fault failed with nothing docs/delivery.md prescribes:\n${output.slice(-3000)}`,
          );
        }
        retried = true;
        did.push(
          `deploy again: failed (${found.unknown.map((e) => e.summary.slice(0, 80)).join('; ')}), so deploy again`,
        );
        continue;
      }
      for (const remedy of found.remedies) {
        did.push(`deploy again: refused (${WHY[remedy.kind]}), so ${await applyRemedy(remedy, wd(), kube(), ns())}`);
      }
    }
    throw new Error(`no convergence after 6 deploys; done: ${did.join('; ')}`);
  }

  /**
   * One fault case: the release move (if any), the faulted apply, then
   * recovery and every invariant. `fault` runs the apply with its fault and
   * returns its result; `expectFault` checks what the fault did.
   */
  async function faultCase(
    what: string,
    move: readonly string[] | undefined,
    fault: () => Promise<{ status: number; stdout: string; stderr: string; killed?: boolean }>,
    expectFault: (res: { status: number; output: string; killed: boolean }) => void,
  ): Promise<void> {
    if (move) log(run().release([ENV, ...move]));
    wd().load(join(run().synth(), ENV));
    run().cluster.clearServed();
    const before = inventory();
    const watch = new SelectorWatch(kube(), ns(), SERVICE);
    let watchProblems: string[] = [];
    try {
      struckAt = undefined;
      const started = Date.now();
      const res = await fault();
      // A failed or retried AWS call strikes during the apply: count from its start.
      const faultAt = struckAt ?? started;
      // The outage is over, the permission fixed: whatever the proxy was told to break works again.
      run().cluster.faults([]);
      const output = `${res.stdout}\n${res.stderr}`;
      try {
        expectFault({ status: res.status, output, killed: res.killed ?? false });
      } catch (e) {
        log(`the faulted apply (exit ${res.status}) ended:\n${output.slice(-4000)}`);
        throw e;
      }
      const did = res.status === 0 ? ['nothing: the apply went through'] : await recover();
      const plan = await wd().runAsync(['plan', '-detailed-exitcode', '-input=false', '-no-color']);
      expect({
        plan: plan.status,
        output: plan.status === 0 ? '' : `${plan.stdout}\n${plan.stderr}`.slice(-3000),
      }).toEqual({
        plan: 0,
        output: '',
      });
      const seconds = Math.round((Date.now() - faultAt) / 1000);
      outcomes.push({ fault: what, seconds, did });
      log(`fault "${what}": converged ${seconds} s after the fault; ${did.join('; ')}`);
    } finally {
      watchProblems = await watch.stop();
    }
    expect(watchProblems).toEqual([]);
    expect(await releaseProblems(kube(), env())).toEqual([]);
    expect(lostFrom(before, inventory())).toEqual([]);
    expect(await lockLeft()).toBe(false);
  }

  /**
   * An apply with an AWS call denied: never run again on a cut connection (the
   * second run would not meet the spent fault). When a cut connection ended
   * it before the denial, the fault is armed again and the apply run anew.
   */
  const deniedApply = async (rules: readonly AwsFault[], denial: RegExp) => {
    for (let attempt = 1; ; attempt++) {
      run().cluster.faults(rules);
      const res = await wd().runAsync(APPLY, undefined, false);
      const output = `${res.stdout}${res.stderr}`;
      if (denial.test(output) || !TRANSIENT.test(output) || attempt === 3) return res;
      log('a connection to moto was cut short before the denial; arming the fault again');
    }
  };

  /** An apply killed (SIGKILL to terraform and its providers) once `when` says so. */
  const killedApply = (when: (line: string) => boolean | Promise<boolean>) => () => wd().runAsync(APPLY, when);
  const matches = (pattern: RegExp, then?: () => Promise<unknown>) => async (line: string) => {
    if (!pattern.test(line)) return false;
    if (then) await then();
    struckAt = Date.now();
    return true;
  };
  /** When a line matches `pattern` and `ready` resolves, runs `strike`, and lets the apply go on. */
  const during = (pattern: RegExp, ready: () => Promise<unknown>, strike: () => Promise<unknown>) => {
    let fired = false;
    return async (line: string) => {
      if (fired || !pattern.test(line)) return false;
      fired = true;
      await ready();
      struckAt = Date.now();
      await strike();
      return false;
    };
  };
  const expectKilled = (res: { killed: boolean }) => expect(res.killed).toBe(true);
  const ROLLOUT = /^kubernetes_deployment_v1\.mls-server_(blue|green)_deployment_\w+: Modifying/;
  /** The idle colour and its generation before the apply (its change is the rollout). */
  const rollout = async () => {
    const colour = idle();
    const generation = (await kube().get(deploymentPath(colour))).metadata.generation as number;
    return changed(
      () => colour,
      () => generation,
    );
  };
  /** Waits until the Deployment of `colour` has a generation newer than `generation` (the apply's change landed). */
  const changed = (colour: () => Colour, generation: () => number) => () =>
    waitFor('the Deployment change to land', 60_000, async () => {
      const d = await kube().find(deploymentPath(colour()));
      return d && d.metadata.generation > generation() ? true : undefined;
    });
  /** Waits until an analysis Job (`pre` or `post`) that did not exist before is in the cluster. */
  const analysisStarted = (when: 'pre' | 'post', existing: () => Set<string>) => () =>
    waitFor(
      `the ${when} analysis Job`,
      60_000,
      async () =>
        (await kube().list(apiPath('batch/v1', 'jobs', ns()))).some(
          (j: any) => j.metadata.name.startsWith(`${SERVICE}-${when}-`) && !existing().has(j.metadata.name),
        ) || undefined,
    );
  const jobNames = async () =>
    new Set<string>((await kube().list(apiPath('batch/v1', 'jobs', ns()))).map((j: any) => j.metadata.name));
  /** Brings the service to `stable` (finish or abandon what a failed case left), applied. */
  const toStable = async () => {
    const phase = env().release.services[SERVICE]!.phase;
    if (phase === 'stable') return;
    await plainApply([phase === 'switched' ? 'finish' : 'abandon']);
  };
  const plainApply = async (move: readonly string[]) => {
    log(run().release([ENV, ...move]));
    await run().apply(ENV);
  };

  describe('faults during a release, and what an operator does after each (production)', () => {
    beforeAll(async () => {
      run().cluster.faults([]);
      wd().throughFaults = true;
      // Run alone (npm run test:faults), production is applied first; after the rest of the
      // cluster test it is applied already, and the first case brings it to stable.
      if (!existsSync(join(wd().dir, '.terraform'))) await run().apply(ENV);
    });

    afterAll(() => {
      wd().throughFaults = false;
      if (outcomes.length === 0) return;
      log(
        [
          'time from each fault to convergence:',
          ...outcomes.map((o) => `  ${o.seconds} s  ${o.fault}: ${o.did.join('; ')}`),
        ].join('\n'),
      );
    });

    it('killed right after the selector switch: unlock, deploy again', async () => {
      await toStable();
      await plainApply(['stage', 'ghcr.io/catbird/mls-server:2.0.0']);
      await faultCase(
        'killed right after the switch',
        ['promote'],
        killedApply(matches(/^kubernetes_service_v1\.mls-server_service_\w+: Modifications complete/)),
        expectKilled,
      );
    });

    it('a planted switch to a colour that is not fully available is caught by the watch', async () => {
      const colour = idle();
      const watch = new SelectorWatch(kube(), ns(), SERVICE);
      try {
        // The idle colour's new pods can never be scheduled; its rollout cannot complete.
        await kube().call(
          'PATCH',
          deploymentPath(colour),
          { spec: { template: { spec: { nodeSelector: { 'cluster-test/no-such-node': 'true' } } } } },
          'application/strategic-merge-patch+json',
        );
        expect(fullyAvailable(await kube().get(deploymentPath(colour)))).toBe(false);
        await kube().patch(apiPath('v1', 'services', ns(), SERVICE), {
          spec: { selector: { [COLOUR_LABEL]: colour } },
        });
        await sleep(500);
      } finally {
        await watch.stop();
      }
      expect(watch.problems).toEqual([
        expect.stringContaining(`moved ${otherColour(colour)} → ${colour} while ${colour} was not fully available`),
      ]);
      await run().apply(ENV);
      expect(await releaseProblems(kube(), env())).toEqual([]);
    });

    it('a stale release lock is reported with its holder, and the move goes once it is deleted', () => {
      const lock = join(run().project, 'environments', `${ENV}.release.json.lock`);
      writeFileSync(lock, JSON.stringify({ pid: 999_999_999, time: new Date(Date.now() - 3_600_000).toISOString() }));
      try {
        expect(() => run().release([ENV, 'finish'])).toThrow(
          /was left by process 999999999 .*which is no longer running.*delete the lock file and run again/s,
        );
        expect(existsSync(lock)).toBe(true);
      } finally {
        rmSync(lock, { force: true });
      }
    });

    const full = ALL ? it : it.skip;

    full('killed during finish: unlock, deploy again', async () => {
      if (env().release.services[SERVICE]!.phase !== 'switched') {
        await toStable();
        await plainApply(['stage', 'ghcr.io/catbird/mls-server:2.0.8']);
        await plainApply(['promote']);
      }
      const landed = await rollout();
      await faultCase('killed during finish', ['finish'], killedApply(matches(ROLLOUT, landed)), expectKilled);
    });

    full('AWS denies the snapshot: the apply fails naming it, nothing of the release moved', async () => {
      if (env().release.services[SERVICE]!.phase === 'switched') await toStable();
      const image = async () => (await kube().get(deploymentPath(idle()))).spec.template.spec.containers[0].image;
      const imageBefore = await image();
      await faultCase(
        'AWS denied the snapshot (403)',
        ['stage', 'ghcr.io/catbird/mls-server:2.0.1'],
        async () => {
          const res = await deniedApply(
            [{ call: 'CreateDBSnapshot', status: 403, code: 'AccessDenied', times: 1 }],
            /AccessDenied/,
          );
          expect(await image()).toBe(imageBefore);
          return res;
        },
        (res) => {
          expect(res.status).toBe(1);
          expect(res.output).toMatch(/with aws_db_snapshot\.[^\s,]+,/);
          expect(res.output).toMatch(/AccessDenied/);
        },
      );
    });

    full('killed while the snapshot is taken: unlock, import the snapshot, deploy again', async () => {
      if (env().release.services[SERVICE]!.phase === 'switched') await toStable();
      await faultCase(
        'killed during the snapshot',
        ['stage', 'ghcr.io/catbird/mls-server:2.0.2'],
        () => {
          // moto takes the snapshot; its answer is held back, and the deploy dies waiting for it.
          run().cluster.faults([{ call: 'CreateDBSnapshot', status: 200, code: '', times: 1, holdMs: 30_000 }]);
          return wd().runAsync(
            APPLY,
            matches(/^aws_db_snapshot\.\S+: Creating/, () =>
              waitFor(
                'the snapshot call to reach moto',
                60_000,
                async () =>
                  run()
                    .cluster.served()
                    .some((l) => l.startsWith('held CreateDBSnapshot')) || undefined,
              ),
            ),
          );
        },
        expectKilled,
      );
    });

    full('killed during the new colour’s rollout: unlock, deploy again', async () => {
      if (env().release.services[SERVICE]!.phase === 'switched') await toStable();
      const landed = await rollout();
      await faultCase(
        'killed during the rollout',
        ['stage', 'ghcr.io/catbird/mls-server:2.0.3'],
        killedApply(matches(ROLLOUT, landed)),
        expectKilled,
      );
    });

    full('the API server restarted during the rollout: deploy again if it failed', async () => {
      if (env().release.services[SERVICE]!.phase === 'switched') await toStable();
      const landed = await rollout();
      await faultCase(
        'the API server restarted (down 5 s) during the rollout',
        ['stage', 'ghcr.io/catbird/mls-server:2.0.4'],
        () =>
          wd().runAsync(
            APPLY,
            during(ROLLOUT, landed, () => run().cluster.restartApiServer(context(), 5_000)),
          ),
        (res) => log(`the apply during the restart ${res.status === 0 ? 'went through' : 'failed'}`),
      );
    });

    full('a node lost during the rollout: its pods go elsewhere', async () => {
      if (env().release.services[SERVICE]!.phase === 'switched') await toStable();
      const landed = await rollout();
      const node = simulatedNode(2).metadata.name;
      try {
        await faultCase(
          `node ${node} deleted during the rollout`,
          ['stage', 'ghcr.io/catbird/mls-server:2.0.5'],
          () =>
            wd().runAsync(
              APPLY,
              during(ROLLOUT, landed, () => kube().delete(`/api/v1/nodes/${node}`)),
            ),
          (res) => log(`the apply with a node lost ${res.status === 0 ? 'went through' : 'failed'}`),
        );
        // Its pods go when the pod garbage collector finds their node gone (after a 40 s quarantine);
        // the ReplicaSets replace them on the other nodes.
        const lost = Date.now();
        await waitFor(`the pods on ${node} to be replaced`, 180_000, async () => {
          const pods = await kube().list(apiPath('v1', 'pods', ns()));
          const left = pods.filter((p: any) => p.spec.nodeName === node);
          return left.length === 0 && (await releaseProblems(kube(), env())).length === 0 ? true : undefined;
        });
        log(
          `node ${node} lost: its pods replaced on the other nodes ${Math.round((Date.now() - lost) / 1000)} s later`,
        );
      } finally {
        await run().cluster.addNode(context(), 2);
      }
    });

    full(
      'AWS throttling and 5xx on the snapshot, the bucket policy and the secret reads: retried, converged',
      async () => {
        if (env().release.services[SERVICE]!.phase === 'switched') await toStable();
        const policy = Object.keys(loaded().resource.aws_s3_bucket_policy).find((id) =>
          id.startsWith('backup-bucket_policy'),
        );
        const faults: AwsFault[] = [
          { call: 'CreateDBSnapshot', status: 400, code: 'Throttling', times: 2 },
          { call: 'PutBucketPolicy', status: 503, code: 'SlowDown', times: 2 },
          { call: 'DescribeSecret', status: 503, code: 'ServiceUnavailable', times: 2 },
        ];
        await faultCase(
          'AWS throttling and 5xx (2 of each)',
          ['stage', 'ghcr.io/catbird/mls-server:2.0.6'],
          () => {
            run().cluster.faults(faults);
            // The policy written again (as drift repair would), so its call is made.
            return wd().runAsync([...APPLY, `-replace=aws_s3_bucket_policy.${policy}`]);
          },
          (res) => {
            expect(
              run()
                .cluster.served()
                .filter((l) => l.startsWith('fault '))
                .sort(),
            ).toEqual([
              'fault CreateDBSnapshot 400 Throttling',
              'fault CreateDBSnapshot 400 Throttling',
              'fault DescribeSecret 503 ServiceUnavailable',
              'fault DescribeSecret 503 ServiceUnavailable',
              'fault PutBucketPolicy 503 SlowDown',
              'fault PutBucketPolicy 503 SlowDown',
            ]);
            expect(res.status).toBe(0);
          },
        );
      },
    );

    full('AWS denies the secret reads: the deploy fails naming the data source, nothing moved', async () => {
      await faultCase(
        'AWS denied a secret read (400)',
        undefined,
        () =>
          deniedApply(
            [{ call: 'DescribeSecret', status: 400, code: 'AccessDeniedException', times: 1 }],
            /AccessDeniedException/,
          ),
        (res) => {
          expect(res.status).toBe(1);
          expect(res.output).toMatch(/with data\.aws_secretsmanager_secret\.[^\s,]+,/);
          expect(res.output).toMatch(/AccessDeniedException/);
        },
      );
    });

    /** A promote killed once its analysis (`pre` or `post`) has started, from a fresh stage of `image`. */
    const killedDuringAnalysis = async (when: 'pre' | 'post', image: string) => {
      await toStable();
      await plainApply(['stage', image]);
      const jobs = await jobNames();
      await faultCase(
        `killed during the analysis ${when === 'pre' ? 'before' : 'after'} the switch`,
        ['promote'],
        killedApply(
          matches(
            new RegExp(`^kubernetes_job_v1\\.\\S*analysis-${when}\\S*: Creating`),
            analysisStarted(when, () => jobs),
          ),
        ),
        expectKilled,
      );
      await plainApply(['finish']);
    };

    full('killed while the analysis before the switch runs: unlock, delete the analysis, deploy again', () =>
      killedDuringAnalysis('pre', 'ghcr.io/catbird/mls-server:2.0.9'),
    );

    full('killed while the analysis after the switch runs: unlock, delete the analysis, deploy again', () =>
      killedDuringAnalysis('post', 'ghcr.io/catbird/mls-server:2.0.7'),
    );
  });
}
