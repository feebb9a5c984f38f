/**
 * The release file (`environments/<env>.release.json`): what each colour of
 * each service runs, which colour is live, where each service is in its
 * release cycle, and the releases that keep a pre-deploy snapshot.
 */
import { z } from 'zod';
import { COLOURS, otherColour } from '../../core/colours';
import { imageReference, serviceName } from '../fields';

const stage = z.number().int().min(1);

const colourState = z.strictObject({
  /** Image this colour runs; absent when the colour was never staged. */
  image: imageReference.optional(),
  replicas: z.number().int().min(0).max(1000),
  /** The stage that put the image here (its snapshot and analysis are that stage's). Absent before stages were numbered. */
  stage: stage.optional(),
});

/**
 * One stage in the history: the release and its stage number. A plain
 * string is a stage recorded before stages were numbered; its snapshot keeps
 * the name it was taken under.
 */
const historyEntry = z.union([z.string().min(1), z.strictObject({ release: z.string().min(1), stage })]);

/** Control characters (a line break among them) and invisible format characters (zero-width spaces, direction marks). */
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
/** The longest reason: it goes into an annotation and the plan summary's headline. */
export const MAX_REASON = 500;

/** An emergency switch: traffic moves without the analysis, and the file says why. */
const skipAnalysis = z.strictObject({
  /** Why, for the reviewer and the record: an incident, a broken Prometheus. */
  reason: z
    .string()
    .trim()
    .refine((r) => !CONTROL.test(r), {
      message:
        'must be one line of visible text: it is shown in the plan summary and kept in an annotation, where a line break or an invisible character could forge or hide what reviewers read',
      abort: true,
    })
    .refine((r) => r.replace(/\s/g, '').length >= 10, {
      message: 'must say why, in at least 10 characters (an incident id, what is broken)',
      abort: true,
    })
    .refine((r) => r.length <= MAX_REASON, `must be at most ${MAX_REASON} characters: a reason, not a report`),
});

/**
 * Where a service is in its release cycle: `stable` (one colour serves, the
 * other is idle), `staged` (the idle colour runs a new image at full size,
 * waiting for promote), `switched` (traffic moved; the old colour still runs
 * for a fast rollback, waiting for finish).
 */
export const RELEASE_PHASES = ['stable', 'staged', 'switched'] as const;
export type ReleasePhase = (typeof RELEASE_PHASES)[number];

const serviceRelease = z
  .strictObject({
    /** The colour that receives traffic. */
    live: z.enum(COLOURS),
    phase: z.enum(RELEASE_PHASES).default('stable'),
    blue: colourState,
    green: colourState,
    /** Promote without the pre- and post-promotion analysis. Reviewed like any change; never a command-line flag. */
    skipAnalysis: skipAnalysis.optional(),
  })
  .superRefine((rel, ctx) => {
    // Only `stable` may leave the idle colour without an image: the other
    // phases are about the release it runs.
    const idle = otherColour(rel.live);
    if (rel.phase !== 'stable' && !rel[idle].image) {
      ctx.addIssue({
        code: 'custom',
        path: [idle, 'image'],
        message: `phase "${rel.phase}" needs an image on ${idle}`,
      });
    }
  });

/** Per-environment release state: what each colour runs and which is live. */
export const releaseSchema = z
  .strictObject({
    services: z.record(serviceName(47), serviceRelease),
    /**
     * Stages in deploy order, oldest first. The newest `database.snapshotsToKeep`
     * of them have a pre-deploy RDS snapshot.
     */
    history: z.array(historyEntry).default([]),
    /** How many stages there have been: the next stage's number is one more. */
    stages: z.number().int().min(0).default(0),
  })
  .superRefine((rel, ctx) => {
    // The counter never goes below a stage already taken: the next stage would reuse its number and snapshot.
    const taken = Math.max(
      0,
      ...rel.history.map((h) => stageOf(h).stage ?? 0),
      ...Object.values(rel.services).flatMap((svc) => [svc.blue.stage ?? 0, svc.green.stage ?? 0]),
    );
    if (rel.stages < taken) {
      ctx.addIssue({
        code: 'custom',
        path: ['stages'],
        message: `(${rel.stages}) is below stage ${taken}, which the file already records: the next stage would reuse a number and its snapshot name; set it to at least ${taken}`,
      });
    }
  });

export type HistoryEntry = z.output<typeof historyEntry>;

/** A history entry's release and stage (no stage for one recorded before stages were numbered). */
export function stageOf(entry: HistoryEntry): { release: string; stage?: number } {
  return typeof entry === 'string' ? { release: entry } : entry;
}

export type ReleaseInput = z.input<typeof releaseSchema>;
export type ReleaseState = z.output<typeof releaseSchema>;
export type ServiceRelease = ReleaseState['services'][string];
export type ColourState = ServiceRelease['blue'];
