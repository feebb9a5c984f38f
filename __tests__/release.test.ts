import * as fs from 'node:fs';
import { mkdtempSync, mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReleaseError, applyMove, releaseName } from '../environments/release';
import { validateEnvironment } from '../environments/validate';
import { ReleaseFs, releaseFile, runRelease } from '../bin/release-command';
import { Edit, environment, source } from './helpers';

const NEXT = 'ghcr.io/catbird/mls-server:1.5.0';

function move(edit: Edit | undefined, verb: 'stage' | 'promote' | 'rollback' | 'finish', image?: string) {
  return applyMove(environment('production', edit), { verb, image });
}

/** Production after `stage NEXT` (and optionally `promote`). */
const staged: Edit = (_s, r) => {
  Object.assign(r.services['mls-server'], { phase: 'staged', green: { image: NEXT, replicas: 3 } });
};
const switched: Edit = (s, r) => {
  staged(s, r);
  Object.assign(r.services['mls-server'], { phase: 'switched', live: 'green' });
};

describe('release moves', () => {
  it('stage gives the idle colour the image at full replicas and records the release', () => {
    const { release, summary } = move(undefined, 'stage', NEXT);
    expect(release.services['mls-server']).toEqual({
      live: 'blue',
      phase: 'staged',
      blue: { image: 'ghcr.io/catbird/mls-server:1.4.2', replicas: 3 },
      green: { image: NEXT, replicas: 3 },
    });
    expect(release.history).toEqual(['1.3.0', '1.3.1', '1.4.0', '1.4.1', '1.4.2', '1.5.0']);
    expect(summary).toBe(
      'production/mls-server: staged ghcr.io/catbird/mls-server:1.5.0 on green at 3 replicas; blue stays live',
    );
  });

  it('stage keeps only the newest releases the database keeps snapshots of', () => {
    const { release } = move(
      (s, r) => {
        s.database.snapshotsToKeep = 2;
        r.history = ['1.4.1', '1.4.2'];
      },
      'stage',
      NEXT,
    );
    expect(release.history).toEqual(['1.4.2', '1.5.0']);
  });

  it('promote moves traffic to the staged colour', () => {
    const { release } = move(staged, 'promote');
    expect(release.services['mls-server']).toMatchObject({ live: 'green', phase: 'switched' });
  });

  it('rollback moves traffic back while the old colour runs', () => {
    const { release } = move(switched, 'rollback');
    expect(release.services['mls-server']).toMatchObject({ live: 'blue', phase: 'staged' });
  });

  it('finish scales the old colour to the idle count (1 in production, 0 in staging)', () => {
    expect(move(switched, 'finish').release.services['mls-server']).toMatchObject({
      phase: 'stable',
      blue: { image: 'ghcr.io/catbird/mls-server:1.4.2', replicas: 1 },
    });
    const staging = applyMove(
      environment('staging', (_s, r) => {
        Object.assign(r.services['mls-server'], { phase: 'switched', blue: { image: NEXT, replicas: 1 } });
      }),
      { verb: 'finish' },
    );
    expect(staging.release.services['mls-server']!.blue.replicas).toBe(0);
  });

  it.each<[string, Edit | undefined, 'stage' | 'promote' | 'rollback' | 'finish', string | undefined, RegExp]>([
    ['promote with nothing staged', undefined, 'promote', undefined, /nothing is staged/],
    ['finish before promote', staged, 'finish', undefined, /finish comes after promote/],
    ['rollback with no switch', undefined, 'rollback', undefined, /no switch to roll back/],
    [
      'stage over the colour kept for rollback',
      switched,
      'stage',
      'ghcr.io/catbird/mls-server:1.6.0',
      /still runs the previous release/,
    ],
    [
      'stage the image that is already live',
      undefined,
      'stage',
      'ghcr.io/catbird/mls-server:1.4.2',
      /already live on blue/,
    ],
    [
      'promote a colour below full size',
      (s, r) => {
        staged(s, r);
        r.services['mls-server'].green.replicas = 2;
      },
      'promote',
      undefined,
      /green runs 2 replicas; it must run 3/,
    ],
    [
      'rollback to a colour already scaled down',
      (s, r) => {
        switched(s, r);
        r.services['mls-server'].blue.replicas = 1;
      },
      'rollback',
      undefined,
      /no longer runs at full size/,
    ],
  ])('refuses to %s', (_what, edit, verb, image, message) => {
    expect(() => move(edit, verb, image)).toThrow(ReleaseError);
    expect(() => move(edit, verb, image)).toThrow(message);
  });

  it('refuses a staged phase with nothing staged before any move', () => {
    expect(() =>
      move((_s, r) => Object.assign(r.services['mls-server'], { phase: 'staged', green: { replicas: 0 } }), 'promote'),
    ).toThrow(
      'environment "production": release.services.mls-server.green.image: phase "staged" needs an image on green',
    );
  });

  it('names release by tag, or by a short digest', () => {
    expect(releaseName(NEXT)).toBe('1.5.0');
    expect(releaseName(`ghcr.io/x/y@sha256:${'ab'.repeat(32)}`)).toBe('sha256-abababababab');
  });
});

describe('the release command', () => {
  function copyRepo(): string {
    const root = mkdtempSync(join(tmpdir(), 'release-'));
    mkdirSync(join(root, 'environments'));
    for (const env of ['staging', 'production']) {
      copyFileSync(releaseFile(join(__dirname, '..'), env), releaseFile(root, env));
    }
    return root;
  }

  function run(root: string, args: string[], fsImpl?: ReleaseFs) {
    const out: string[] = [];
    const err: string[] = [];
    const code = runRelease(args, { root, fs: fsImpl, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  const read = (root: string, env: string) => JSON.parse(readFileSync(releaseFile(root, env), 'utf8'));

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
      green: { image: NEXT, replicas: 3 },
    });
    expect(() => validateEnvironment({ settings: source('production').settings, release: final })).not.toThrow();
  });

  it('refuses an impossible move with a message and leaves the file alone', () => {
    const root = copyRepo();
    const before = readFileSync(releaseFile(root, 'production'), 'utf8');
    const result = run(root, ['production', 'finish']);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toBe('error: production/mls-server: finish comes after promote (phase "stable")');
    expect(readFileSync(releaseFile(root, 'production'), 'utf8')).toBe(before);
  });

  it('leaves the file as it was, and no temp file, when the write fails', () => {
    const root = copyRepo();
    const before = readFileSync(releaseFile(root, 'production'), 'utf8');
    const failingFs: ReleaseFs = {
      ...fs,
      renameSync: () => {
        throw new Error('disk full');
      },
    };
    const result = run(root, ['production', 'stage', NEXT], failingFs);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/could not write .*production\.release\.json: disk full; the file is unchanged/);
    expect(readFileSync(releaseFile(root, 'production'), 'utf8')).toBe(before);
    expect(fs.readdirSync(join(root, 'environments')).sort()).toEqual([
      'production.release.json',
      'staging.release.json',
    ]);
  });

  it('refuses a release file that synth would refuse', () => {
    const root = copyRepo();
    fs.writeFileSync(releaseFile(root, 'production'), JSON.stringify({ ...read(root, 'production'), history: 'x' }));
    expect(run(root, ['production', 'promote']).err).toMatch(/^error: environment "production": release\.history: /);
  });

  it.each([
    [[]],
    [['production']],
    [['production', 'deploy']],
    [['production', 'stage']],
    [['production', 'promote', 'x']],
  ])('prints usage for %j', (args) => {
    const result = run(copyRepo(), args);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^usage: npm run release -- <environment> <verb>/);
  });

  it('refuses an unknown environment', () => {
    expect(run(copyRepo(), ['qa', 'promote'])).toMatchObject({
      code: 2,
      err: 'error: no environment "qa" in environments/index.ts',
    });
  });
});
