import { otherColour } from '../core/colours';
import { releaseName } from '../core/image';
import { ReleaseError, Verb, applyMove, legalMoves } from '../features/release/moves';
import { Edit, environment } from './helpers';

const NEXT = 'ghcr.io/catbird/mls-server:1.5.0';

function move(edit: Edit | undefined, verb: Verb, image?: string) {
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
      green: { image: NEXT, replicas: 3, stage: 1 },
    });
    expect(release.stages).toBe(1);
    expect(release.history).toEqual(['1.3.0', '1.3.1', '1.4.0', '1.4.1', '1.4.2', { release: '1.5.0', stage: 1 }]);
    expect(summary).toBe(
      'production/mls-server: staged ghcr.io/catbird/mls-server:1.5.0 on green at 3 replicas (stage 1); blue stays live',
    );
  });

  it('stages an earlier release again as a stage of its own, with its own snapshot', () => {
    // 1.4.1 staged, then 1.4.2 (moving on), then 1.4.1 again during an incident.
    let env = environment('production', (s, r) => {
      s.database.snapshotsToKeep = 7;
      r.history = [];
    });
    const steps: [Verb, string?][] = [
      ['stage', 'ghcr.io/catbird/mls-server:1.4.1'],
      ['promote'],
      ['finish'],
      ['stage', 'ghcr.io/catbird/mls-server:1.4.3'],
      ['promote'],
      ['finish'],
      ['stage', 'ghcr.io/catbird/mls-server:1.4.1'],
    ];
    for (const [verb, image] of steps) {
      const next = applyMove(env, { verb, image }).release;
      env = environment('production', (_s, r) => Object.assign(r, structuredClone(next)));
    }
    expect(env.release.history).toEqual([
      { release: '1.4.1', stage: 1 },
      { release: '1.4.3', stage: 2 },
      { release: '1.4.1', stage: 3 },
    ]);
    const staged = env.release.services['mls-server']!;
    expect(staged[otherColour(staged.live)]).toEqual({
      image: 'ghcr.io/catbird/mls-server:1.4.1',
      replicas: 3,
      stage: 3,
    });
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
    expect(release.history).toEqual(['1.4.2', { release: '1.5.0', stage: 1 }]);
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

describe('legal moves', () => {
  it('every phase has a way forward', () => {
    for (const phase of ['stable', 'staged', 'switched'] as const) {
      expect(legalMoves({ phase } as never).length).toBeGreaterThan(0);
    }
  });

  it('abandon drops a staged or rolled-back release, and only that', () => {
    const rolledBack: Edit = (s, r) => {
      switched(s, r);
      Object.assign(r.services['mls-server'], { phase: 'staged', live: 'blue' });
    };
    expect(move(rolledBack, 'abandon').release.services['mls-server']).toEqual({
      live: 'blue',
      phase: 'stable',
      blue: { image: 'ghcr.io/catbird/mls-server:1.4.2', replicas: 3 },
      green: { replicas: 0 },
    });
    expect(() => move(undefined, 'abandon')).toThrow('nothing is staged to abandon (phase "stable"); stage comes next');
    expect(() => move(switched, 'abandon')).toThrow(
      /nothing is staged to abandon \(phase "switched"\); finish or rollback/,
    );
  });
});
