/**
 * Release moves as pure functions on the release state: stage, promote,
 * rollback, finish, abandon. Each either returns the next state or throws a
 * ReleaseError saying why the move is impossible. Every state has a way
 * forward (`legalMoves`). No I/O here.
 */
import { otherColour } from '../../core/colours';
import { imageProblem, releaseName } from '../../core/image';
import type { ReleaseInput, ReleaseState, ServiceRelease } from './schema';

/** What the moves read of a validated environment. */
export interface ReleaseContext {
  readonly name: string;
  readonly services: readonly ServiceSizes[];
  readonly database: { readonly snapshotsToKeep: number };
  readonly release: ReleaseState;
}

/** A service's sizes: full (`replicas`) and what the old colour keeps after finish. */
interface ServiceSizes {
  readonly name: string;
  readonly replicas: number;
  readonly idleReplicas: number;
}

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

function pickService(env: ReleaseContext, name: string | undefined): ServiceSizes {
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

/**
 * The releases that keep a pre-deploy snapshot: the newest `kept` of the
 * history. Not `history.slice(-kept)` alone: `slice(-0)` is the whole list,
 * so keeping none must be said on its own.
 */
export function keptReleases<T>(history: readonly T[], kept: number): T[] {
  return kept === 0 ? [] : history.slice(-kept);
}

/** What one move works on: the service, its state in a copy of the release file, and its colours. */
interface Move {
  readonly env: ReleaseContext;
  readonly svc: ServiceSizes;
  readonly release: ReleaseInput & ReleaseState;
  readonly state: ServiceRelease;
  readonly live: ServiceRelease['live'];
  readonly idle: ServiceRelease['live'];
  /** `<env>/<service>`, for messages. */
  readonly where: string;
  readonly image?: string;
}

/** Each verb: checks the move is possible, changes `m.state` (and the history), says what it did. */
const MOVES: Record<Verb, (m: Move) => string> = {
  stage: (m) => {
    const { state, live, idle, where } = m;
    if (!m.image) throw new ReleaseError('stage needs an image: release <env> stage <image>');
    const problem = imageProblem(m.image);
    if (problem) throw new ReleaseError(`${where}: image "${m.image}" ${problem}`);
    if (state.phase === 'switched') {
      throw new ReleaseError(
        `${where}: ${idle} still runs the previous release for rollback; run finish (or rollback) before staging over it`,
      );
    }
    if (state[live].image === m.image) throw new ReleaseError(`${where}: ${m.image} is already live on ${live}`);
    // Every stage is its own: its number names its snapshot and its analysis.
    const stage = (m.release.stages ?? 0) + 1;
    state[idle] = { image: m.image, replicas: m.svc.replicas, stage };
    state.phase = 'staged';
    m.release.stages = stage;
    m.release.history = keptReleases(
      [...m.release.history, { release: releaseName(m.image), stage }],
      m.env.database.snapshotsToKeep,
    );
    return `${where}: staged ${m.image} on ${idle} at ${m.svc.replicas} replicas (stage ${stage}); ${live} stays live`;
  },
  promote: (m) => {
    const { state, live, idle, where } = m;
    if (state.phase !== 'staged') {
      throw new ReleaseError(`${where}: nothing is staged (phase "${state.phase}"); stage an image first`);
    }
    const next = state[idle];
    if (!next.image) throw new ReleaseError(`${where}: ${idle} has no image to promote`);
    if (next.replicas < m.svc.replicas) {
      throw new ReleaseError(
        `${where}: ${idle} runs ${next.replicas} replicas; it must run ${m.svc.replicas} before traffic moves`,
      );
    }
    state.live = idle;
    state.phase = 'switched';
    return `${where}: traffic ${live} → ${idle} (${next.image}); ${live} keeps running for rollback`;
  },
  rollback: (m) => {
    const { state, live, idle, where } = m;
    if (state.phase !== 'switched') {
      throw new ReleaseError(`${where}: there is no switch to roll back (phase "${state.phase}")`);
    }
    const previous = state[idle];
    if (!previous.image || previous.replicas < m.svc.replicas) {
      throw new ReleaseError(`${where}: ${idle} no longer runs at full size; stage the previous image instead`);
    }
    state.live = idle;
    state.phase = 'staged';
    return `${where}: traffic ${live} → ${idle} (${previous.image}); ${live} stays staged`;
  },
  abandon: (m) => {
    const { state, live, idle, where } = m;
    if (state.phase !== 'staged') {
      throw new ReleaseError(
        `${where}: nothing is staged to abandon (phase "${state.phase}"); ${legalMoves(state).join(' or ')} comes next`,
      );
    }
    const rejected = state[idle].image;
    // The rejected build stops; with no image the idle colour runs nothing until the next stage.
    state[idle] = { replicas: 0 };
    state.phase = 'stable';
    return `${where}: abandoned ${rejected} on ${idle} (0 replicas, no image); ${live} serves alone`;
  },
  finish: (m) => {
    const { state, live, idle, where } = m;
    if (state.phase !== 'switched')
      throw new ReleaseError(`${where}: finish comes after promote (phase "${state.phase}")`);
    state[idle] = { ...state[idle], replicas: m.svc.idleReplicas };
    state.phase = 'stable';
    return `${where}: ${idle} scaled down to ${m.svc.idleReplicas} replicas; ${live} serves alone`;
  },
};

/**
 * `skipAnalysis` covers one switch: the move that ends it (finish, rollback)
 * or starts another cycle (stage, abandon) drops it, so the next switch is
 * analysed unless a reviewed change says otherwise again.
 */
const ENDS_A_SWITCH: ReadonlySet<Verb> = new Set(['stage', 'rollback', 'finish', 'abandon']);

/** Applies one move to a validated environment's release state. */
export function applyMove(env: ReleaseContext, move: ReleaseMove): ReleaseResult {
  const svc = pickService(env, move.service);
  const release = structuredClone(env.release) as ReleaseInput & ReleaseState;
  const state = release.services[svc.name]!;
  const summary = MOVES[move.verb]({
    env,
    svc,
    release,
    state,
    live: state.live,
    idle: otherColour(state.live),
    where: `${env.name}/${svc.name}`,
    image: move.image,
  });
  if (ENDS_A_SWITCH.has(move.verb)) delete state.skipAnalysis;
  return { release, summary };
}
