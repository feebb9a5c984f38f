/**
 * What an environment file says about its service namespace: the quota
 * and the container limits Kubernetes enforces there.
 */
import { z } from 'zod';
import { cpu, memory } from '../fields';

const cpuMemory = z.strictObject({ cpu, memory });

export const quotaSchema = z.strictObject({
  requestsCpu: cpu,
  requestsMemory: memory,
  limitsCpu: cpu,
  limitsMemory: memory,
  pods: z.number().int().min(1),
});

export const limitRangeSchema = z.strictObject({
  defaultRequest: cpuMemory,
  default: cpuMemory,
  max: cpuMemory,
});
