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
import type { Precondition } from '../../../constructs/promotion';
import { TerraformData } from '../../../constructs/terraform-data';
import { Check, checksFile, describeChecks, longestRunSeconds } from './checks';
import { hclSummary, hclVerdict } from './verdict';

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
 * One release analysis: a ConfigMap with the program and its checks, a Job
 * that runs it once (`backoff_limit` 0) under the restricted profile and
 * that Terraform waits for, and a record of its verdict in state. The Job
 * and ConfigMap are named by the release and stage: a new stage runs a new
 * analysis, an unchanged one none. No `ttl_seconds_after_finished`: a Job
 * its TTL deleted would be created (and run) again by the next plan.
 *
 * The verdict (verdict.ts) is the pod's termination message; the program
 * exits 0 whenever it wrote one, so Terraform, not the Job's status,
 * decides. The record (`terraform_data`) copies it when the Job is new and
 * ignores later reads, so it outlives the pod (the pod garbage collector
 * may delete a finished Job's pods) and the rollback command reads it from
 * state. Before a switch the Service's precondition requires PASS on it,
 * so a FAIL or INCONCLUSIVE verdict leaves traffic where it was; after a
 * switch the record's postcondition requires PASS, so the apply fails
 * with the verdict and the old colour is left as it was.
 */
export class ReleaseAnalysis extends Construct {
  public readonly job: JobV1;
  public readonly jobName: string;
  /** The verdict as Terraform keeps it: `output.message` is the program's line of JSON. */
  public readonly record: TerraformData;
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
    const deadline = START_SECONDS + longestRunSeconds(props.checks, props.requestTimeoutSeconds);
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
    this.record = this.verdictRecord(props, name);
    this.precondition = this.requirePass(props, name);
  }

  /**
   * PASS required: before the switch, the Service's precondition (returned);
   * after it, the record's postcondition. Either error names the verdict
   * and its summary (the failing check and its value).
   */
  private requirePass(props: ReleaseAnalysisProps, name: string): Precondition | undefined {
    // A postcondition names its own resource `self` (Terraform refuses its address there).
    const message = props.when === 'pre' ? `${this.record.fqn}.output.message` : 'self.output.message';
    const stage = props.stage === undefined ? '' : ` (stage ${props.stage})`;
    const what = `The analysis of ${props.service} ${props.release}${stage}`;
    const verdict = '${' + hclVerdict(message) + '}: ${' + hclSummary(message) + '}';
    const log = `Its log, while the pod lasts: kubectl -n ${props.namespace} logs job/${name}`;
    const condition = '${' + hclVerdict(message) + ' == "PASS"}';
    if (props.when === 'pre') {
      return {
        condition,
        error_message: `${what} before the switch did not pass, so traffic did not move: ${verdict}. ${log}`,
      };
    }
    this.record.addOverride('lifecycle.postcondition', [
      {
        condition,
        error_message: `${what} after the switch did not pass: ${verdict}. Traffic is on the new colour; the old one is left as it was. ${log}`,
      },
    ]);
    return undefined;
  }

  /** The verdict in state: read from the pod once, when the Job is new (see the class comment). */
  private verdictRecord(props: ReleaseAnalysisProps, name: string): TerraformData {
    const pods = new DataKubernetesResources(this, 'verdict', {
      dependsOn: [this.job],
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: props.namespace,
      labelSelector: `batch.kubernetes.io/job-name=${name}`,
    });
    const message = `trimspace(try(${pods.fqn}.objects[0].status.containerStatuses[0].state.terminated.message, ""))`;
    const record = new TerraformData(this, 'verdict-record', {
      input: { message: '${' + message + '}' },
      triggersReplace: { job: name },
    });
    record.addOverride('lifecycle.ignore_changes', ['input']);
    return record;
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
          REQUEST_TIMEOUT: String(props.requestTimeoutSeconds),
          // What the verdict is about: the rollback acts only on a verdict of the release it rolls back.
          ANALYSIS_NAMESPACE: props.namespace,
          ANALYSIS_SERVICE: props.service,
          ANALYSIS_WHEN: props.when,
          ANALYSIS_RELEASE: props.release,
          ANALYSIS_STAGE: props.stage === undefined ? '' : String(props.stage),
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
