import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { JobV1, JobV1SpecTemplateSpec } from '@cdktf/provider-kubernetes/lib/job-v1';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import {
  ANALYSIS_CHECKS_ANNOTATION,
  ANALYSIS_OF_LABEL,
  ANALYSIS_WHEN_LABEL,
  managedLabels,
} from '../../../core/labels';
import { AnalysisWhen, NGINX_UNPRIVILEGED_IMAGE, NGINX_UNPRIVILEGED_UID, analysisJobName } from '../../../core/names';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../../constructs/pod-security';
import type { Precondition } from '../../service/blue-green-service';
import { Check, checksFile, describeChecks, watchSeconds } from './checks';

/**
 * The program every analysis Job runs (busybox sh; tested in
 * __tests__/e2e/analysis-program.test.ts), read once, when first needed.
 * It lies beside this file; in an esbuild bundle (bin/load-ts.mjs)
 * `__dirname` is the entry point's directory, so it is looked for from there
 * up to the project root.
 */
let program: string | undefined;
function analysisProgram(): string {
  if (program !== undefined) return program;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    for (const file of [join(dir, 'analysis.sh'), join(dir, 'features/release/analysis/analysis.sh')]) {
      if (existsSync(file)) return (program = readFileSync(file, 'utf8'));
    }
    if (dirname(dir) === dir) throw new Error(`analysis.sh not found above ${__dirname}`);
  }
}
const MOUNT = '/analysis';

export interface ReleaseAnalysisProps {
  readonly service: string;
  /** The namespace the service runs in (a reference, so the Job waits for it). */
  readonly namespace: string;
  /** `pre`: before the switch, the verdict read by the Service's precondition; `post`: after it, a failure fails the apply. */
  readonly when: AnalysisWhen;
  /** The release the colour runs (its Job is named by it). */
  readonly release: string;
  /** The stage that put the release on the colour. @default none (a release staged before stages were numbered) */
  readonly stage?: number;
  readonly checks: readonly Check[];
  /** Base URL of the smoke checks: the preview Service before the switch, the live one after. */
  readonly targetUrl: string;
  /** Base URL of Prometheus's HTTP API. */
  readonly prometheusUrl: string;
  /** Seconds a request or a query may take. */
  readonly requestTimeoutSeconds: number;
  /** What the Job waits for (the rollout before it; the switch, after it). */
  readonly dependsOn: ITerraformDependable[];
  /** `app.kubernetes.io/part-of` label. @default none */
  readonly partOf?: string;
}

/** Seconds for the pod to be scheduled and its image pulled before the checks start. */
const START_SECONDS = 120;

/**
 * One release analysis: a ConfigMap with the program and its checks, and a
 * Job that runs it once (`backoff_limit` 0) under the restricted profile and
 * that Terraform waits for. The Job and ConfigMap are named by the release
 * and stage: a new stage runs a new analysis, an unchanged one none. No
 * `ttl_seconds_after_finished`: a Job its TTL deleted would be created (and
 * run) again by the next plan.
 *
 * The verdict is the pod's termination message. Before a switch the Job
 * exits 0 either way and `precondition` reads the verdict, so Terraform
 * stops the switch printing the failing check and its value (a failed Job
 * would only say "in failed state"). After a switch a failed verdict fails
 * the Job, and so the apply.
 */
export class ReleaseAnalysis extends Construct {
  public readonly job: JobV1;
  public readonly jobName: string;
  /** What the analysis checks, in words. */
  public readonly description: string;
  /** Before a switch: the precondition the Service must meet (the verdict is PASS). */
  public readonly precondition?: Precondition;

  constructor(scope: Construct, id: string, props: ReleaseAnalysisProps) {
    super(scope, id);
    const name = analysisJobName(props.service, props.when, props.release, props.stage);
    this.jobName = name;
    this.description = describeChecks(props.checks);
    const labels = {
      ...managedLabels(),
      ...(props.partOf ? { 'app.kubernetes.io/part-of': props.partOf } : {}),
      [ANALYSIS_OF_LABEL]: props.service,
      [ANALYSIS_WHEN_LABEL]: props.when,
    };
    const config = new ConfigMapV1(this, 'checks', {
      metadata: { name, namespace: props.namespace, labels },
      data: { 'analysis.sh': analysisProgram(), checks: checksFile(props.checks) },
    });
    const smokes = props.checks.filter((c) => c.kind === 'smoke').length;
    const metrics = props.checks.length - smokes;
    // Every request may take the whole timeout; the metric checks run side by side.
    const deadline = START_SECONDS + (smokes + metrics) * props.requestTimeoutSeconds + watchSeconds(props.checks);
    this.job = new JobV1(this, 'job', {
      dependsOn: [config, ...props.dependsOn],
      metadata: {
        name,
        namespace: props.namespace,
        labels,
        annotations: { [ANALYSIS_CHECKS_ANNOTATION]: this.description },
      },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: deadline,
        template: { metadata: { labels }, spec: podSpec(props, config.metadata.name) },
      },
      waitForCompletion: true,
      // The provider's default is one minute; the Job's own deadline ends it first.
      timeouts: { create: `${deadline + 60}s`, update: `${deadline + 60}s` },
    });
    if (props.when === 'pre') this.precondition = this.verdictPrecondition(props, name);
  }

  /** The Service's precondition: the analysis pod's termination message starts with PASS. */
  private verdictPrecondition(props: ReleaseAnalysisProps, name: string): Precondition {
    const pods = new DataKubernetesResources(this, 'verdict', {
      dependsOn: [this.job],
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: props.namespace,
      labelSelector: `batch.kubernetes.io/job-name=${name}`,
    });
    const verdict = `trimspace(try(${pods.fqn}.objects[0].status.containerStatuses[0].state.terminated.message, ""))`;
    const stage = props.stage === undefined ? '' : ` (stage ${props.stage})`;
    return {
      condition: '${startswith(' + verdict + ', "PASS")}',
      error_message:
        `The analysis of ${props.service} ${props.release}${stage} before the switch did not pass, so traffic did not move: ` +
        '${' +
        `${verdict} == "" ? "no verdict: the analysis pod is gone or never ran (stage the release again to run a new analysis)" : ${verdict}` +
        '}' +
        `. Its log: kubectl -n ${props.namespace} logs job/${name}`,
    };
  }
}

/** The analysis pod: the program once, as nginx-unprivileged's user, under the restricted profile, no API token. */
function podSpec(props: ReleaseAnalysisProps, configName: string): JobV1SpecTemplateSpec {
  return {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(NGINX_UNPRIVILEGED_UID),
    container: [
      {
        name: 'analysis',
        image: NGINX_UNPRIVILEGED_IMAGE,
        command: ['/bin/sh', `${MOUNT}/analysis.sh`],
        env: Object.entries({
          TARGET_URL: props.targetUrl,
          PROMETHEUS_URL: props.prometheusUrl,
          CHECKS_FILE: `${MOUNT}/checks`,
          VERDICT_FILE: '/dev/termination-log',
          FAIL_EXIT: props.when === 'pre' ? '0' : '1',
          REQUEST_TIMEOUT: String(props.requestTimeoutSeconds),
        }).map(([envName, value]) => ({ name: envName, value })),
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
        securityContext: restrictedContainerSecurityContext(),
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        volumeMount: [
          { name: 'analysis', mountPath: MOUNT, readOnly: true },
          // mktemp: the root filesystem is read-only.
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
    volume: [
      { name: 'analysis', configMap: { name: configName } },
      { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
    ],
  };
}
