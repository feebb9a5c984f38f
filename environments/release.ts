/**
 * Release moves as pure functions on the release state: stage, promote,
 * rollback, finish, abandon. Each either returns the next state or throws a
 * ReleaseError saying why the move is impossible. Every state has a way
 * forward (`legalMoves`). No I/O here.
 */
import { otherColour } from '../constructs/colours';
import type { ReleaseInput, ServiceRelease, ServiceSettings } from './schema';
import type { Environment } from './validate';

export class ReleaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseError';
  }
}

export const VERBS = ['stage', 'promote', 'rollback', 'finish', 'abandon'] as const;
export type Verb = (typeof VERBS)[number];

/** The moves that can follow each phase. */
const NEXT_MOVES: Record<ServiceRelease['phase'], readonly Verb[]> = {
  stable: ['stage'],
  // After a rollback too: the rejected build is staged again, idle at full size.
  staged: ['promote', 'stage', 'abandon'],
  switched: ['finish', 'rollback'],
};

/** The moves a service can make from its current phase. */
export function legalMoves(state: ServiceRelease): readonly Verb[] {
  return NEXT_MOVES[state.phase];
}

export interface ReleaseMove {
  readonly verb: Verb;
  /** Service to move; may be left out when the environment has one. */
  readonly service?: string;
  /** Image for `stage`. */
  readonly image?: string;
}

export interface ReleaseResult {
  /** The next release file content. */
  readonly release: ReleaseInput;
  /** One line saying what changed, for the terminal. */
  readonly summary: string;
}

function pickService(env: Environment, name: string | undefined): ServiceSettings {
  if (name === undefined) {
    if (env.services.length === 1) return env.services[0]!;
    throw new ReleaseError(
      `environment "${env.name}" has ${env.services.length} services; name one with --service (${env.services.map((s) => s.name).join(', ')})`,
    );
  }
  const svc = env.services.find((s) => s.name === name);
  if (!svc) throw new ReleaseError(`environment "${env.name}" has no service "${name}"`);
  return svc;
}

/** The tag of an image reference, used as the release name (snapshot per release). */
export function releaseName(image: string): string {
  const at = image.indexOf('@');
  return at >= 0
    ? image
        .slice(at + 1)
        .replace('sha256:', 'sha256-')
        .slice(0, 19)
    : image.slice(image.lastIndexOf(':') + 1);
}

/**
 * The releases that keep a pre-deploy snapshot: the newest `kept` of the
 * history. Not `history.slice(-kept)` alone: `slice(-0)` is the whole list,
 * so keeping none must be said on its own.
 */
export function keptReleases(history: readonly string[], kept: number): string[] {
  return kept === 0 ? [] : history.slice(-kept);
}

/** Applies one move to a validated environment's release state. */
export function applyMove(env: Environment, move: ReleaseMove): ReleaseResult {
  const svc = pickService(env, move.service);
  const release = structuredClone(env.release) as ReleaseInput & typeof env.release;
  const state = release.services[svc.name]!;
  const live = state.live;
  const idle = otherColour(live);
  const where = `${env.name}/${svc.name}`;

  switch (move.verb) {
    case 'stage': {
      if (!move.image) throw new ReleaseError('stage needs an image: release <env> stage <image>');
      if (state.phase === 'switched') {
        throw new ReleaseError(
          `${where}: ${idle} still runs the previous release for rollback; run finish (or rollback) before staging over it`,
        );
      }
      if (state[live].image === move.image)
        throw new ReleaseError(`${where}: ${move.image} is already live on ${live}`);
      state[idle] = { image: move.image, replicas: svc.replicas };
      state.phase = 'staged';
      const name = releaseName(move.image);
      const kept = env.database.snapshotsToKeep;
      release.history = keptReleases([...release.history.filter((r) => r !== name), name], kept);
      return {
        release,
        summary: `${where}: staged ${move.image} on ${idle} at ${svc.replicas} replicas; ${live} stays live`,
      };
    }
    case 'promote': {
      if (state.phase !== 'staged') {
        throw new ReleaseError(`${where}: nothing is staged (phase "${state.phase}"); stage an image first`);
      }
      const next = state[idle];
      if (!next.image) throw new ReleaseError(`${where}: ${idle} has no image to promote`);
      if (next.replicas < svc.replicas) {
        throw new ReleaseError(
          `${where}: ${idle} runs ${next.replicas} replicas; it must run ${svc.replicas} before traffic moves`,
        );
      }
      state.live = idle;
      state.phase = 'switched';
      return {
        release,
        summary: `${where}: traffic ${live} → ${idle} (${next.image}); ${live} keeps running for rollback`,
      };
    }
    case 'rollback': {
      if (state.phase !== 'switched') {
        throw new ReleaseError(`${where}: there is no switch to roll back (phase "${state.phase}")`);
      }
      const previous = state[idle];
      if (!previous.image || previous.replicas < svc.replicas) {
        throw new ReleaseError(`${where}: ${idle} no longer runs at full size; stage the previous image instead`);
      }
      state.live = idle;
      state.phase = 'staged';
      return { release, summary: `${where}: traffic ${live} → ${idle} (${previous.image}); ${live} stays staged` };
    }
    case 'abandon': {
      if (state.phase !== 'staged') {
        throw new ReleaseError(
          `${where}: nothing is staged to abandon (phase "${state.phase}"); ${legalMoves(state).join(' or ')} comes next`,
        );
      }
      const rejected = state[idle].image;
      // The rejected build stops; with no image the idle colour runs nothing until the next stage.
      state[idle] = { replicas: 0 };
      state.phase = 'stable';
      return {
        release,
        summary: `${where}: abandoned ${rejected} on ${idle} (0 replicas, no image); ${live} serves alone`,
      };
    }
    case 'finish': {
      if (state.phase !== 'switched') {
        throw new ReleaseError(`${where}: finish comes after promote (phase "${state.phase}")`);
      }
      state[idle] = { ...state[idle], replicas: svc.idleReplicas };
      state.phase = 'stable';
      return {
        release,
        summary: `${where}: ${idle} scaled down to ${svc.idleReplicas} replicas; ${live} serves alone`,
      };
    }
  }
}
