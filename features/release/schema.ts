/**
 * The release file (`environments/<env>.release.json`): what each colour of
 * each service runs, which colour is live, where each service is in its
 * release cycle, and the releases that keep a pre-deploy snapshot.
 */
import { z } from 'zod';
import { COLOURS, otherColour } from '../../core/colours';
import { imageReference, serviceName } from '../fields';

const colourState = z.strictObject({
  /** Image this colour runs; absent when the colour was never staged. */
  image: imageReference.optional(),
  replicas: z.number().int().min(0).max(1000),
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
export const releaseSchema = z.strictObject({
  services: z.record(serviceName(47), serviceRelease),
  /**
   * Releases (image tags) in deploy order, oldest first. The newest
   * `database.snapshotsToKeep` of them have a pre-deploy RDS snapshot.
   */
  history: z.array(z.string().min(1)).default([]),
});

export type ReleaseInput = z.input<typeof releaseSchema>;
export type ReleaseState = z.output<typeof releaseSchema>;
export type ServiceRelease = ReleaseState['services'][string];
export type ColourState = ServiceRelease['blue'];
