/**
 * The release's pre-deploy snapshots: one per kept release, and each
 * colour's rollout waits for the snapshot of the release it runs.
 */
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { COLOURS, Colour } from '../../core/colours';
import { fromFields } from '../../core/errors';
import { releaseName } from '../../core/image';
import { keptReleases } from './moves';
import { ReleaseState, ServiceRelease, stageOf } from './schema';
import { ReleaseSnapshots } from './snapshots';

interface ReleaseSettings {
  readonly database: { readonly instanceIdentifier: string; readonly snapshotsToKeep: number };
  readonly release: ReleaseState;
}

/** What a colour's rollout waits for, by colour. */
export type ColourDependencies = (release: ServiceRelease) => Partial<Record<Colour, ITerraformDependable[]>>;

export function addReleaseSnapshots(scope: Construct, env: ReleaseSettings): ColourDependencies {
  const releases = keptReleases(env.release.history, env.database.snapshotsToKeep);
  const offset = env.release.history.length - releases.length;
  const snapshots = fromFields(
    (prop) => {
      const index = /^releases\[(\d+)\]/.exec(prop)?.[1];
      return index === undefined ? undefined : ['release', 'history', offset + Number(index)];
    },
    () =>
      new ReleaseSnapshots(scope, 'release-snapshots', {
        dbInstanceIdentifier: env.database.instanceIdentifier,
        releases: releases.map(stageOf),
      }),
  );
  return (release) =>
    Object.fromEntries(
      COLOURS.flatMap((colour) => {
        const { image, stage } = release[colour];
        const snapshot = image && snapshots.snapshotFor(releaseName(image), stage);
        return snapshot ? [[colour, [snapshot]]] : [];
      }),
    );
}
