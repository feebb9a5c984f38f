/**
 * `npm run test:all` (tooling/test-all.ts): every phase CI promises, in order,
 * and a table of where the minutes went, also when a phase fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLUSTER, FIRST, GATE, PHASES, PROMETHEUS, runPhases, timeTable } from '../../tooling/test-all';
import { TOOLS } from '../../tooling/tools';
import { ROOT } from '../../environments/root';

describe('test:all', () => {
  it('runs what `npm test` runs, then the mutation run and the gate, beside Prometheus and the cluster test', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts['test:all']).toBe('node bin/ts.mjs tooling/test-all.ts');
    expect(scripts.test).toBe('npm run typecheck && npm run lint && jest && jest -c jest.e2e.config.js');
    expect(FIRST.map((p) => p.command)).toEqual([
      'node bin/ts.mjs tooling/prerequisites.ts',
      `node bin/ts.mjs tooling/tools.ts ${Object.keys(TOOLS).join(' ')}`,
    ]);
    expect(GATE.map((p) => p.command)).toEqual([
      'npm run typecheck && npm run lint',
      'npx jest',
      'npx jest -c jest.e2e.config.js',
      'npm run test:mutation',
      'npm run validate',
    ]);
    // The gate's CPU-bound phases yield to the cluster test; the timed Prometheus phase and the cluster test do not.
    expect(GATE.map((p) => p.nice ?? 0)).toEqual([10, 10, 10, 10, 10]);
    expect(PROMETHEUS.map((p) => [p.command, p.nice ?? 0])).toEqual([['npm run test:prometheus', 0]]);
    expect(CLUSTER.map((p) => [p.command, p.nice ?? 0])).toEqual([['npm run test:cluster', 0]]);
    expect(PHASES).toEqual([...FIRST, ...GATE, ...PROMETHEUS, ...CLUSTER]);
  });

  it('prints each phase’s time and status, and the total', () => {
    expect(
      timeTable(
        [
          { name: 'unit tests', seconds: 75.4, status: 'passed' },
          { name: 'cluster test', seconds: 1126, status: 'failed' },
          { name: 'x', seconds: 0, status: 'not run' },
          { name: 'validate', seconds: 299.6, status: 'passed' },
        ],
        1150,
      ),
    ).toBe(
      [
        'test:all, time per phase:',
        '  unit tests          1 min 15 s  passed',
        '  cluster test        18 min 46 s  failed',
        '  x                         -       not run',
        '  validate            5 min 00 s  passed',
        '  total (wall clock)  19 min 10 s',
      ].join('\n'),
    );
  });

  it('names each prerequisite it cannot find and runs nothing (a PATH with only node on it)', () => {
    const bin = mkdtempSync(join(tmpdir(), 'path-'));
    symlinkSync(process.execPath, join(bin, 'node'));
    const res = spawnSync(process.execPath, ['bin/ts.mjs', 'tooling/prerequisites.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PATH: bin },
    });
    rmSync(bin, { recursive: true, force: true });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain('missing  Terraform ≥ 1.10 (S3 lock file): terraform is not on PATH');
    expect(res.stdout).toContain('missing  Go ≥ 1.26');
    expect(res.stdout).toContain('missing  Python 3 with venv (moto for the cluster test)');
    expect(res.stderr).toMatch(/prerequisite\(s\) missing; nothing was run\./);
  });

  describe('the lanes', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'lanes-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const phase = (name: string, command: string) => ({ name, command });

    it('run side by side once the first phases passed: each waits for a file the other writes', async () => {
      const wait = (f: string) =>
        `i=0; while [ ! -e ${dir}/${f} ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -e ${dir}/${f} ]`;
      const out = join(dir, 'lane.log');
      const res = await runPhases(
        [phase('first', `touch ${dir}/first`)],
        [
          { phases: [phase('a', `touch ${dir}/a && ${wait('b')}`)], output: out },
          { phases: [phase('b', `${wait('first')} && touch ${dir}/b && ${wait('a')}`)], output: out },
        ],
      );
      expect(res.times.map((t) => [t.name, t.status])).toEqual([
        ['first', 'passed'],
        ['a', 'passed'],
        ['b', 'passed'],
      ]);
      expect(res.ok).toBe(true);
    });

    it('a failure in one lane stops the other, whose phase reads stopped and the rest not run', async () => {
      const out = join(dir, 'lane.log');
      const res = await runPhases(
        [],
        [
          { phases: [phase('slow', 'sleep 30'), phase('after', 'true')], output: out },
          { phases: [phase('fails', 'sleep 0.2; exit 3'), phase('never', 'true')], output: out },
        ],
      );
      expect(res.ok).toBe(false);
      expect(res.times.map((t) => [t.name, t.status])).toEqual([
        ['slow', 'stopped'],
        ['after', 'not run'],
        ['fails', 'failed'],
        ['never', 'not run'],
      ]);
      expect(res.wallSeconds).toBeLessThan(20);
    });

    it('a stopped phase leaves no process of its group behind, not even one that ignored the SIGTERM', async () => {
      const out = join(dir, 'lane.log');
      // The straggler ignores SIGTERM (sleep inherits the ignored signal) and writes its pid.
      const straggler = `sh -c 'trap "" TERM; echo $$ > ${dir}/straggler; exec sleep 30' & wait`;
      const res = await runPhases(
        [],
        [
          { phases: [phase('holds on', straggler)], output: out },
          { phases: [phase('fails', `while [ ! -s ${dir}/straggler ]; do sleep 0.1; done; exit 3`)], output: out },
        ],
      );
      expect(res.times.map((t) => [t.name, t.status])).toEqual([
        ['holds on', 'stopped'],
        ['fails', 'failed'],
      ]);
      const pid = Number(readFileSync(join(dir, 'straggler'), 'utf8'));
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      const deadline = Date.now() + 5_000;
      while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive()).toBe(false);
    });

    it('run a phase at its niceness, above the niceness test:all runs at', async () => {
      const niceness = (file: string) =>
        `cut -d' ' -f19 /proc/$$/stat > ${dir}/${file}; cat /proc/self/autogroup > ${dir}/${file}.group 2>/dev/null || true`;
      const res = await runPhases(
        [],
        [
          {
            phases: [{ ...phase('niced', niceness('niced')), nice: 7 }, phase('plain', niceness('plain'))],
            output: join(dir, 'lane.log'),
          },
        ],
      );
      expect(res.ok).toBe(true);
      const own = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[16]);
      expect(Number(readFileSync(join(dir, 'niced'), 'utf8'))).toBe(Math.min(own + 7, 19));
      expect(Number(readFileSync(join(dir, 'plain'), 'utf8'))).toBe(own);
      // Where the kernel groups each session (autogroup), the lane's whole session yields, not only its processes.
      if (existsSync('/proc/self/autogroup')) {
        expect(readFileSync(join(dir, 'niced.group'), 'utf8')).toMatch(/ nice 7\n$/);
        expect(readFileSync(join(dir, 'plain.group'), 'utf8')).toMatch(/ nice 0\n$/);
      }
    });

    it('run nothing when a first phase fails', async () => {
      const res = await runPhases(
        [phase('prerequisites', 'exit 1')],
        [{ phases: [phase('gate', `touch ${dir}/ran`)], output: join(dir, 'lane.log') }],
      );
      expect(res.ok).toBe(false);
      expect(res.times.map((t) => [t.name, t.status])).toEqual([
        ['prerequisites', 'failed'],
        ['gate', 'not run'],
      ]);
      expect(existsSync(join(dir, 'ran'))).toBe(false);
    });
  });
});
