import { Testing } from 'cdktf';
import { snapshotIdentifier } from '../core/snapshots';
import { ReleaseSnapshots } from '../features/release/snapshots';
import { SynthJson, resourceNamed, resourcesOf, synthJson } from './helpers';

/** Releases as plain names (stages from before stages were numbered) or `release#stage`. */
function synth(releases: string[], db = 'mls-production'): SynthJson {
  const stages = releases.map((r) => {
    const [release, stage] = r.split('#');
    return stage === undefined ? { release: release! } : { release: release!, stage: Number(stage) };
  });
  return JSON.parse(
    Testing.synthScope(
      (scope) => new ReleaseSnapshots(scope, 'snapshots', { dbInstanceIdentifier: db, releases: stages }),
    ),
  );
}

const snapshots = (json: SynthJson) => json.resource.aws_db_snapshot ?? {};

describe('snapshot identifiers', () => {
  it.each([
    ['mls-production', '1.4.2', 'mls-production-pre-deploy-1-4-2'],
    ['mls-production', 'v1.2.4', 'mls-production-pre-deploy-v1-2-4'],
    ['mls-production', '1.5.0-rc.1', 'mls-production-pre-deploy-1-5-0-rc-1'],
    ['mls-production', 'Release_2026/11', 'mls-production-pre-deploy-release-2026-11'],
    ['mls-production', '--1..2--', 'mls-production-pre-deploy-1-2'],
    ['nova-prod', 'sha256-abababababab', 'nova-prod-pre-deploy-sha256-abababababab'],
  ])('%s + %s → %s', (db, release, expected) => {
    expect(snapshotIdentifier(db, release)).toBe(expected);
  });

  it.each([
    ['mls', '...', /has no letter or digit/],
    ['1mls', '1.0.0', /must start with a letter/],
    ['mls', 'x'.repeat(250), /longer than 255 characters/],
  ])('refuses %s + %s', (db, release, message) => {
    const result = snapshotIdentifier(db, release);
    expect(typeof result).toBe('object');
    expect((result as { error: string }).error).toMatch(message);
  });

  it('refuses, at synth, a release that cannot name a snapshot', () => {
    expect(() => synth(['1.0.0', '...'])).toThrow('ReleaseSnapshots: releases[1] cannot name a snapshot');
  });

  it('refuses two releases that name the same snapshot', () => {
    expect(() => synth(['1.4.0', '1-4-0'])).toThrow(/releases\[1\] "1-4-0" names the same snapshot as "1.4.0"/);
  });
});

describe('ReleaseSnapshots', () => {
  it('takes one snapshot per kept release, tagged with its release', () => {
    const all = Object.values(snapshots(synth(['1.4.1', '1.4.2'])));
    expect(all).toEqual([
      expect.objectContaining({
        db_instance_identifier: 'mls-production',
        db_snapshot_identifier: 'mls-production-pre-deploy-1-4-1',
        tags: { release: '1.4.1', purpose: 'pre-deploy' },
      }),
      expect.objectContaining({ db_snapshot_identifier: 'mls-production-pre-deploy-1-4-2' }),
    ]);
  });

  it('adds a snapshot for a new release and drops the oldest, keeping the others at their addresses', () => {
    const before = Object.keys(snapshots(synth(['1.4.0', '1.4.1', '1.4.2'])));
    const after = Object.keys(snapshots(synth(['1.4.1', '1.4.2', '1.5.0'])));
    expect(before.filter((id) => !after.includes(id))).toEqual([expect.stringContaining('pre-deploy-1-4-0')]);
    expect(after.filter((id) => !before.includes(id))).toEqual([expect.stringContaining('pre-deploy-1-5-0')]);
    expect(before.filter((id) => after.includes(id))).toHaveLength(2);
  });

  it('names a numbered stage’s snapshot by its stage too, so staging a release again takes a new one', () => {
    const all = Object.values(snapshots(synth(['1.4.1', '1.4.1#7', '1.4.1#9'])));
    expect(all.map((s) => [s.db_snapshot_identifier, s.tags]).sort()).toEqual([
      ['mls-production-pre-deploy-1-4-1', { release: '1.4.1', purpose: 'pre-deploy' }],
      ['mls-production-pre-deploy-1-4-1-s7', { release: '1.4.1', purpose: 'pre-deploy', stage: '7' }],
      ['mls-production-pre-deploy-1-4-1-s9', { release: '1.4.1', purpose: 'pre-deploy', stage: '9' }],
    ]);
  });

  it('is not prevent_destroy, so a dropped release can delete its snapshot', () => {
    expect(Object.values(snapshots(synth(['1.0.0'])))[0].lifecycle).toBeUndefined();
  });
});

describe('snapshots in the stacks', () => {
  it('keeps the last 7 releases in production', () => {
    const json = synthJson('production', (_s, r) => {
      r.history = ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.3.1', '1.4.0', '1.4.1', '1.4.2', '1.4.2-hotfix'];
      r.services['mls-server'].blue.image = 'ghcr.io/catbird/mls-server:1.4.2';
    });
    expect(
      Object.values(snapshots(json))
        .map((s) => s.tags.release)
        .sort(),
    ).toEqual(['1.2.0', '1.3.0', '1.3.1', '1.4.0', '1.4.1', '1.4.2', '1.4.2-hotfix']);
  });

  it('keeps none in staging by default', () => {
    expect(snapshots(synthJson('staging'))).toEqual({});
  });

  it("makes each colour's rollout wait for its release's snapshot", () => {
    const json = synthJson('production');
    const blue = resourceNamed(json, 'kubernetes_deployment_v1', 'mls-server-blue');
    const [dep] = blue.depends_on;
    expect(dep).toMatch(/^aws_db_snapshot\./);
    expect(snapshots(json)[dep.split('.')[1]].db_snapshot_identifier).toBe('mls-production-pre-deploy-1-4-2');
  });

  it('makes a release staged again wait for the snapshot of its new stage, not the old one', () => {
    const json = synthJson('production', (_s, r) => {
      r.history = ['1.4.1', '1.4.2', { release: '1.4.1', stage: 1 }];
      r.stages = 1;
      Object.assign(r.services['mls-server'], {
        phase: 'staged',
        green: { image: 'ghcr.io/catbird/mls-server:1.4.1', replicas: 3, stage: 1 },
      });
    });
    const ids = Object.values(snapshots(json))
      .map((s) => s.db_snapshot_identifier)
      .sort();
    expect(ids).toEqual([
      'mls-production-pre-deploy-1-4-1',
      'mls-production-pre-deploy-1-4-1-s1',
      'mls-production-pre-deploy-1-4-2',
    ]);
    const green = resourceNamed(json, 'kubernetes_deployment_v1', 'mls-server-green');
    const waits = green.depends_on.filter((d: string) => d.startsWith('aws_db_snapshot.'));
    expect(waits.map((d: string) => snapshots(json)[d.split('.')[1]].db_snapshot_identifier)).toEqual([
      'mls-production-pre-deploy-1-4-1-s1',
    ]);
  });

  it('leaves a colour whose release has no kept snapshot without that dependency', () => {
    const json = synthJson('production', (_s, r) => (r.history = ['1.4.2']));
    const green = resourceNamed(json, 'kubernetes_deployment_v1', 'mls-server-green');
    expect(green.depends_on.filter((d: string) => d.startsWith('aws_db_snapshot.'))).toEqual([]);
    expect(resourcesOf(json, 'aws_db_snapshot')).toHaveLength(1);
  });
});
