/**
 * One service of an environment file, assembled from the features' parts of
 * it: the service's own fields, monitoring's (metrics and objectives) and
 * the release analysis's, with the rules of each part.
 */
import { z } from 'zod';
import { onlyWhenFieldsValid } from '../features/fields';
import { serviceMonitoringFields, serviceMonitoringIssues } from '../features/monitoring/schema';
import { serviceAnalysisFields, serviceAnalysisIssues } from '../features/release/analysis/schema';
import { derived, serviceFieldIssues, serviceFields, serviceIdentityFields } from '../features/service/schema';

export const serviceSchema = z
  .strictObject({
    ...serviceIdentityFields,
    ...serviceMonitoringFields,
    ...serviceAnalysisFields,
    ...serviceFields,
  })
  .superRefine((svc, ctx) => {
    for (const issue of [...serviceFieldIssues(svc), ...serviceMonitoringIssues(svc), ...serviceAnalysisIssues(svc)]) {
      ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message });
    }
  }, onlyWhenFieldsValid)
  .transform(derived);

export type ServiceInput = z.input<typeof serviceSchema>;
/** A service's settings, every feature's part of them. */
export type ServiceSettings = z.output<typeof serviceSchema>;
