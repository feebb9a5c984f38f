/**
 * The release command as a user runs it: on a copy of the release files,
 * through every check synth runs before anything is written.
 */
import * as fs from 'node:fs';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReleaseFs, ReleaseOptions, releaseFile, runRelease } from '../../bin/release-command';
import { validateEnvironment } from '../../environments/validate';
import { ENV_NAMES, source } from '../helpers';

const NEXT = 'ghcr.io/catbird/mls-server:1.5.0';
const ROOT = join(__dirname, '../..');

describe('the release command', () => {
  const ALL_ENVS = ENV_NAMES;
  function copyRepo(): string {
    const root = mkdtempSync(join(tmpdir(), 'release-'));
    mkdirSync(join(root, 'environments'));
    for (const env of ALL_ENVS) copyFileSync(releaseFile(ROOT, env), releaseFile(root, env));
    return root;
  }

  function run(root: string, args: string[], more: Partial<ReleaseOptions> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = runRelease(args, { root, out: (l) => out.push(l), err: (l) => err.push(l), ...more });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  const read = (root: string, env: string) => JSON.parse(readFileSync(releaseFile(root, env), 'utf8'));
  const text = (root: string, env: string) => readFileSync(releaseFile(root, env), 'utf8');
  /** A name that is not an environment, whatever environments/index.ts lists. */
  const UNKNOWN = `not-${ALL_ENVS.join('-')}`;

  it('walks a release end to end: stage, promote, finish; each result synthesizes', () => {
    const root = copyRepo();
    const stage = run(root, ['production', 'stage', NEXT]);
    expect(stage).toMatchObject({ code: 0, err: '' });
    expect(stage.out).toContain('next: review the diff, then run: npx cdktf plan production');
    expect(run(root, ['production', 'promote']).code).toBe(0);
    expect(read(root, 'production').services['mls-server']).toMatchObject({ live: 'green', phase: 'switched' });
    expect(run(root, ['production', 'finish']).code).toBe(0);
    const final = read(root, 'production');
    expect(final.services['mls-server']).toEqual({
      live: 'green',
      phase: 'stable',
      blue: { image: 'ghcr.io/catbird/mls-server:1.4.2', replicas: 1 },
      green: { image: NEXT, replicas: 3, stage: 1 },
    });
    expect(() => validateEnvironment({ settings: source('production').settings, release: final })).not.toThrow();
  });

  it('gets out of a rollback: abandon stops the rejected colour, and a new build can be staged', () => {
    const root = copyRepo();
    for (const verb of ['promote', 'rollback']) {
      if (verb === 'promote') expect(run(root, ['production', 'stage', NEXT]).code).toBe(0);
      expect(run(root, ['production', verb]).code).toBe(0);
    }
    const finish = run(root, ['production', 'finish']);
    expect(finish.code).toBe(1);
    expect(finish.err).toContain('error: production/mls-server can: promote, stage, abandon');
    const abandon = run(root, ['production', 'abandon']);
    expect(abandon).toMatchObject({ code: 0, err: '' });
    expect(abandon.out).toContain(
      `production/mls-server: abandoned ${NEXT} on green (0 replicas, no image); blue serves alone`,
    );
    expect(read(root, 'production').services['mls-server']).toEqual({
      live: 'blue',
      phase: 'stable',
      blue: { image: 'ghcr.io/catbird/mls-server:1.4.2', replicas: 3 },
      green: { replicas: 0 },
    });
    expect(run(root, ['production', 'stage', 'ghcr.io/catbird/mls-server:1.5.1']).code).toBe(0);
  });

  it('refuses a move synth would refuse (a history that names one snapshot twice), and writes nothing', () => {
    const root = copyRepo();
    fs.writeFileSync(
      releaseFile(root, 'production'),
      `${JSON.stringify({ ...read(root, 'production'), history: ['1.4.2', '1-4-2'] }, null, 2)}\n`,
    );
    const before = text(root, 'production');
    const result = run(root, ['production', 'stage', NEXT]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /^error: environment "production": release\.history\[1\]: "1-4-2" names the same snapshot as "1\.4\.2" \(mls-production-pre-deploy-1-4-2\)\nerror: nothing was written/,
    );
    expect(text(root, 'production')).toBe(before);
  });

  it('lists exactly the legal moves of each phase, an image only after stage', () => {
    const root = copyRepo();
    const next = () => run(root, ['production', 'status']).out.split('\n').at(-1);
    expect(next()).toBe('  next: npm run release -- production stage <image>');
    run(root, ['production', 'stage', NEXT]);
    expect(next()).toBe(
      '  next: npm run release -- production promote  |  npm run release -- production stage <image>  |  npm run release -- production abandon',
    );
    run(root, ['production', 'promote']);
    expect(next()).toBe('  next: npm run release -- production finish  |  npm run release -- production rollback');
    expect(run(root, ['production', 'stage', 'ghcr.io/catbird/mls-server:1.6.0']).err.split('\n').at(-1)).toBe(
      'error: production/mls-server can: finish, rollback',
    );
  });

  it("prints each service's state and its legal next moves", () => {
    const result = run(copyRepo(), ['production', 'status']);
    expect(result).toEqual({
      code: 0,
      err: '',
      out: [
        'production/mls-server: phase stable; blue ghcr.io/catbird/mls-server:1.4.2 × 3 (live); green ghcr.io/catbird/mls-server:1.4.1 × 1',
        '  next: npm run release -- production stage <image>',
      ].join('\n'),
    });
  });

  describe('refuses, says why, and writes nothing', () => {
    it.each<[string, string[], RegExp]>([
      [
        'an impossible move',
        ['production', 'finish'],
        /^error: production\/mls-server: finish comes after promote \(phase "stable"\)\nerror: production\/mls-server can: stage$/,
      ],
      [
        'a stage of an image from another repository',
        ['production', 'stage', 'docker.io/evil/mls-server:1.5.0'],
        /release\.services\.mls-server\.green\.image: must be an image of ghcr\.io\/catbird\/mls-server/,
      ],
    ])('%s', (_what, args, message) => {
      const root = copyRepo();
      const before = text(root, 'production');
      const result = run(root, args);
      expect(result.code).toBe(1);
      expect(result.out).toBe('');
      expect(result.err).toMatch(message);
      expect(text(root, 'production')).toBe(before);
      expect(fs.readdirSync(join(root, 'environments')).sort()).toEqual(
        ALL_ENVS.map((e) => `${e}.release.json`).sort(),
      );
    });

    it.each<[string[], string]>([
      [[], 'error: name an environment'],
      [['production'], 'error: name a verb after "production" (status, stage, promote, rollback, finish, abandon)'],
      [
        ['production', 'deploy'],
        'error: unknown verb "deploy" (verbs: status, stage, promote, rollback, finish, abandon)',
      ],
      [['production', 'stage'], 'error: stage needs an image: release <env> stage <image>'],
      [['production', 'promote', 'x'], 'error: unexpected argument "x"'],
      [['production', 'promote', '--service'], 'error: --service needs a service name'],
      [['production', 'promote', '--service', '--force'], 'error: --service needs a service name'],
      [['production', 'promote', '--force'], 'error: unknown option "--force"'],
      [['production', 'stage', NEXT, 'extra'], 'error: unexpected argument "extra"'],
      [['production', 'promote', '--service', 'a', '--service', 'b'], 'error: --service is given twice'],
    ])('usage error for %j', (args, message) => {
      const root = copyRepo();
      const before = text(root, 'production');
      const result = run(root, args);
      expect(result.code).toBe(2);
      expect(result.err.split('\n')[0]).toBe(message);
      expect(result.err).toContain('usage: npm run release -- <environment> <verb>');
      expect(text(root, 'production')).toBe(before);
    });

    it('an unknown service', () => {
      const result = run(copyRepo(), ['production', 'promote', '--service', 'nope']);
      expect(result).toMatchObject({ code: 1, err: 'error: environment "production" has no service "nope"' });
    });

    it('an unknown environment', () => {
      expect(run(copyRepo(), [UNKNOWN, 'promote'])).toMatchObject({
        code: 2,
        err: `error: no environment "${UNKNOWN}" in environments/index.ts (environments: ${ALL_ENVS.join(', ')})`,
      });
    });

    it('a release file synth would refuse', () => {
      const root = copyRepo();
      fs.writeFileSync(releaseFile(root, 'production'), JSON.stringify({ ...read(root, 'production'), history: 'x' }));
      expect(run(root, ['production', 'promote']).err).toMatch(/^error: environment "production": release\.history: /);
    });

    it('a failed write: the file stays as it was, with no temp file', () => {
      const root = copyRepo();
      const before = text(root, 'production');
      const failingFs: ReleaseFs = {
        ...fs,
        renameSync: () => {
          throw new Error('disk full');
        },
      };
      const result = run(root, ['production', 'stage', NEXT], { fs: failingFs });
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/could not write .*production\.release\.json: disk full; the file is unchanged/);
      expect(text(root, 'production')).toBe(before);
      expect(fs.readdirSync(join(root, 'environments')).sort()).toEqual(
        ALL_ENVS.map((e) => `${e}.release.json`).sort(),
      );
    });
  });

  describe('the lock', () => {
    const lockOf = (root: string) => `${releaseFile(root, 'production')}.lock`;

    it('is taken and released around the write', () => {
      const root = copyRepo();
      const seen: boolean[] = [];
      const spyFs: ReleaseFs = {
        ...fs,
        renameSync: (a, b) => {
          seen.push(fs.existsSync(lockOf(root)));
          fs.renameSync(a, b);
        },
      };
      expect(run(root, ['production', 'stage', NEXT], { fs: spyFs }).code).toBe(0);
      expect(seen).toEqual([true]);
      expect(fs.existsSync(lockOf(root))).toBe(false);
    });

    it('makes a second run wait a bounded time, then fail naming the holder', () => {
      const root = copyRepo();
      const before = text(root, 'production');
      fs.writeFileSync(lockOf(root), JSON.stringify({ pid: 4242, time: new Date().toISOString() }));
      const since = JSON.parse(fs.readFileSync(lockOf(root), 'utf8')).time;
      const started = Date.now();
      const result = run(root, ['production', 'stage', NEXT], {
        lockTimeoutMs: 300,
        isAlive: () => true,
        commandOf: () => 'node bin/ts.mjs bin/release-command.ts production promote',
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        `error: ${lockOf(root)} is held by process 4242 (since ${since}): another release command is running. Run again when it has finished.`,
      );
      expect(text(root, 'production')).toBe(before);
      expect(fs.existsSync(lockOf(root))).toBe(true);
    });

    it('reports a stale lock from a dead process and never breaks it', () => {
      const root = copyRepo();
      fs.writeFileSync(lockOf(root), JSON.stringify({ pid: 4242, time: '2026-11-23T10:00:00.000Z' }));
      const result = run(root, ['production', 'stage', NEXT], { isAlive: () => false });
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        `error: ${lockOf(root)} was left by process 4242 (since 2026-11-23T10:00:00.000Z), which is no longer running. Check that the release file holds what you expect, then delete the lock file and run again.`,
      );
      expect(fs.existsSync(lockOf(root))).toBe(true);
    });

    it.each([
      [9, 'held'],
      [11, 'left'],
    ])(
      'a lock of a live release command %i minutes old is %s (a move takes seconds; after 10 minutes it was left)',
      (minutes, verdict) => {
        const root = copyRepo();
        const time = new Date(Date.now() - minutes * 60_000).toISOString();
        fs.writeFileSync(lockOf(root), JSON.stringify({ pid: 77, time }));
        const result = run(root, ['production', 'stage', NEXT], {
          lockTimeoutMs: 50,
          isAlive: () => true,
          commandOf: () => 'node bin/ts.mjs bin/release-command.ts production stage x',
        });
        expect(result.code).toBe(1);
        expect(result.err).toContain(
          verdict === 'held' ? 'another release command is running' : 'it was most likely left behind',
        );
      },
    );

    const CHECK = 'Check that the release file holds what you expect, then delete the lock file and run again.';
    it.each<[string, string, Partial<ReleaseOptions>, (lock: string) => string]>([
      [
        'R10: an empty lock file',
        '',
        { lockTimeoutMs: 100 },
        (lock) =>
          `error: ${lock} holds no process id (it is empty or was not written by this command), so no release command can be found holding it. ${CHECK}`,
      ],
      [
        'R11: a live process that is not a release command (a reused pid)',
        JSON.stringify({ pid: 1, time: '2026-11-29T01:00:00.000Z' }),
        { isAlive: () => true, commandOf: () => '/sbin/init splash' },
        (lock) =>
          `error: ${lock} names process 1 (since 2026-11-29T01:00:00.000Z), which now runs "/sbin/init splash", not a release command: the release command that took it is gone. ${CHECK}`,
      ],
      [
        'R11: a lock hours old, whose process cannot be told',
        JSON.stringify({ pid: 77, time: new Date(Date.now() - 3 * 3600_000).toISOString() }),
        { lockTimeoutMs: 100, isAlive: () => true, commandOf: () => undefined },
        (lock) =>
          `error: ${lock} was taken by process 77 180 minutes ago (since ${JSON.parse(fs.readFileSync(lock, 'utf8')).time}); a release command holds it for seconds, so it was most likely left behind and the number reused. ${CHECK}`,
      ],
    ])('%s: says so, and changes nothing', (_, content, options, message) => {
      const root = copyRepo();
      const before = text(root, 'production');
      fs.writeFileSync(lockOf(root), content);
      const result = run(root, ['production', 'stage', NEXT], options);
      expect(result).toEqual({ code: 1, out: '', err: message(lockOf(root)) });
      expect(text(root, 'production')).toBe(before);
      expect(fs.readFileSync(lockOf(root), 'utf8')).toBe(content);
    });
  });

  describe('arguments (R2, R6)', () => {
    it.each([['--help'], ['-h'], ['production', 'stage', '--help']])('%j prints the usage and exits 0', (...args) => {
      const result = run(copyRepo(), args);
      expect(result.code).toBe(0);
      expect(result.out.split('\n')[0]).toBe(
        'usage: npm run release -- <environment> <verb> [image] [--service <name>] [--help]',
      );
      expect(result.err).toBe('');
    });

    it('takes --service=name as --service name', () => {
      const root = copyRepo();
      expect(run(root, ['production', 'stage', NEXT, '--service=mls-server']).code).toBe(0);
      expect(read(root, 'production').services['mls-server'].green.image).toBe(NEXT);
      expect(run(root, ['production', 'promote', '--service='])).toMatchObject({
        code: 2,
        err: expect.stringMatching(/^error: --service needs a service name\n/),
      });
    });

    it('R13, R14: reads the release file as synth does: a byte-order mark is fine, a key given twice is not', () => {
      const root = copyRepo();
      const file = releaseFile(root, 'production');
      fs.writeFileSync(file, `\ufeff${text(root, 'production')}`);
      expect(run(root, ['production', 'status']).code).toBe(0);
      fs.writeFileSync(file, text(root, 'production').replace('"live": ', '"live": "blue", "live": '));
      const before = text(root, 'production');
      expect(run(root, ['production', 'stage', NEXT])).toMatchObject({
        code: 1,
        err: expect.stringMatching(
          /^error: .*production\.release\.json has a key "live" given twice in services\.mls-server \(line \d+, column \d+\): JSON keeps only the last/,
        ),
      });
      expect(text(root, 'production')).toBe(before);
    });
  });
});
