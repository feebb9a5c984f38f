/**
 * A local Kubernetes cluster per environment, for the cluster test: one etcd,
 * and for each environment an API server (its own etcd prefix), a controller
 * manager, a scheduler and kwok with simulated nodes; moto for the AWS API.
 * Everything listens on 127.0.0.1 only.
 *
 * What it does not simulate: no kubelet, so no container runs (kwok marks
 * pods Running and Ready, and Job pods Succeeded); no metrics API, so HPAs
 * never act; no kube-proxy or DNS, so nothing reaches a Service; no real AWS
 * (moto emulates the calls the stacks make, with the AWS provider at the
 * mirror's 5.45.0).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { freePort } from '../check-did-responder';
import { ensureTool } from '../tools';
import { cachedVenv } from '../venvs';
import { Kube, KubeObject } from './kube';
import { Processes, waitFor } from './processes';
import { ROOT } from '../../environments/root';

const ADMIN_TOKEN = 'cluster-test-admin-token';
/** Simulated nodes per cluster: enough for three-way topology spread. */
const NODES = 3;

/** One environment's control plane. */
export interface ControlPlane {
  /** The kube context the environment file names (the kubeconfig's context of this cluster). */
  readonly context: string;
  readonly server: string;
  readonly kube: Kube;
}

export interface ClusterOptions {
  /** Where everything lives: logs, etcd data, certificates, kubeconfig. */
  readonly dir: string;
  /** Kube contexts to create a cluster for, one per environment. */
  readonly contexts: readonly string[];
  readonly log?: (line: string) => void;
}

/** Runs `fn`, logs how long it took under `what`, and returns its result. */
export async function timed<T>(log: (line: string) => void, what: string, fn: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

export class LocalCluster {
  public readonly planes: Record<string, ControlPlane> = {};
  /** A kubeconfig with one context per environment, as the environment files name them. */
  public readonly kubeconfig: string;
  public motoEndpoint = '';
  /** The Python that has moto and boto3 (for the AWS fixtures). */
  public python = '';
  private readonly processes: Processes;
  private readonly log: (line: string) => void;

  private constructor(private readonly options: ClusterOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.processes = new Processes(options.dir);
    this.kubeconfig = join(options.dir, 'kubeconfig');
    this.log = options.log ?? console.log;
  }

  /** Stops the process group `group` with the cluster's own processes when the run dies (Processes.adopt). */
  public adopt(group: number): void {
    this.processes.adopt(group);
  }

  /** Builds the tools (cached by version), then starts etcd, a control plane per context, and moto. */
  public static async start(options: ClusterOptions): Promise<LocalCluster> {
    const cluster = new LocalCluster(options);
    try {
      await cluster.startAll();
      return cluster;
    } catch (e) {
      await cluster.stop();
      throw e;
    }
  }

  private async startAll(): Promise<void> {
    const log = this.log;
    const bins = await timed(log, 'tools (built once per machine, cached by version)', () => ({
      etcd: join(ensureTool('etcd', log), 'etcd'),
      kube: ensureTool('kubernetes', log),
      kwok: join(ensureTool('kwok', log), 'kwok'),
      python: motoPython(log),
    }));
    const etcd = await timed(log, 'etcd', () => this.startEtcd(bins.etcd));
    const pki = this.serviceAccountKeys();
    for (const context of this.options.contexts) {
      await timed(
        log,
        `control plane "${context}" (API server, controller manager, scheduler, kwok, ${NODES} nodes)`,
        () => this.startControlPlane(context, bins, etcd, pki),
      );
    }
    this.writeKubeconfig(join(this.options.dir, 'kubeconfig'), Object.keys(this.planes));
    this.python = bins.python;
    await timed(log, 'moto', () => this.startMoto(bins.python));
  }

  private async startEtcd(binary: string): Promise<string> {
    const [client, peer] = [await freePort(), await freePort()];
    const endpoint = `http://127.0.0.1:${client}`;
    this.processes.start('etcd', binary, [
      `--data-dir=${join(this.options.dir, 'etcd')}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
      `--initial-cluster=default=http://127.0.0.1:${peer}`,
      '--unsafe-no-fsync',
      '--quota-backend-bytes=4294967296',
    ]);
    await waitFor('etcd', 30_000, async () => {
      this.processes.assertRunning();
      return (await fetch(`${endpoint}/health`)).ok || undefined;
    });
    return endpoint;
  }

  /** The service account signing key pair, shared by the API servers and controller managers. */
  private serviceAccountKeys(): { key: string; pub: string } {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = join(this.options.dir, 'sa.key');
    const pub = join(this.options.dir, 'sa.pub');
    writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(this.options.dir, 'tokens.csv'), `${ADMIN_TOKEN},admin,admin,"system:masters"\n`);
    return { key, pub };
  }

  private async startControlPlane(
    context: string,
    bins: { kube: string; kwok: string },
    etcd: string,
    pki: { key: string; pub: string },
  ): Promise<void> {
    const dir = join(this.options.dir, context);
    mkdirSync(join(dir, 'certs'), { recursive: true });
    const kube = await this.startApiServer(context, dir, bins.kube, etcd, pki);
    const kubeconfig = join(dir, 'kubeconfig');
    this.writeKubeconfig(kubeconfig, [context]);
    this.processes.start(`${context}-kube-controller-manager`, join(bins.kube, 'kube-controller-manager'), [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
      `--service-account-private-key-file=${pki.key}`,
      `--root-ca-file=${join(dir, 'certs', 'apiserver.crt')}`,
      '--use-service-account-credentials=false',
      `--cluster-name=${context}`,
    ]);
    this.processes.start(`${context}-kube-scheduler`, join(bins.kube, 'kube-scheduler'), [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
    ]);
    await this.startNodes(context, dir, bins.kwok, kube, kubeconfig);
    // The default ServiceAccount, which every pod needs, is the controller manager's to create.
    await waitFor(`the default ServiceAccount in "${context}"`, 60_000, async () =>
      (await kube.find('/api/v1/namespaces/default/serviceaccounts/default')) ? true : undefined,
    );
  }

  /** An API server on its own etcd prefix, serving on a certificate it makes itself; waits until it is ready. */
  private async startApiServer(
    context: string,
    dir: string,
    bins: string,
    etcd: string,
    pki: { key: string; pub: string },
  ): Promise<Kube> {
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    this.processes.start(`${context}-kube-apiserver`, join(bins, 'kube-apiserver'), [
      `--etcd-servers=${etcd}`,
      `--etcd-prefix=/registry-${context}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // The kubernetes Service cannot point at a loopback address; nothing here needs it.
      '--endpoint-reconciler-type=none',
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${join(this.options.dir, 'tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      '--allow-privileged=true',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${pki.pub}`,
      `--service-account-signing-key-file=${pki.key}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
    ]);
    const caFile = join(dir, 'certs', 'apiserver.crt');
    await waitFor(`the "${context}" API server's certificate`, 60_000, async () => {
      this.processes.assertRunning();
      return existsSync(caFile) || undefined;
    });
    const kube = new Kube({ server, token: ADMIN_TOKEN, ca: readFileSync(caFile, 'utf8') });
    await this.apiReady(`the "${context}" API server`, kube);
    this.planes[context] = { context, server, kube };
    return kube;
  }

  /** kwok and its simulated nodes; waits until they are Ready. */
  private async startNodes(
    context: string,
    dir: string,
    binary: string,
    kube: Kube,
    kubeconfig: string,
  ): Promise<void> {
    this.processes.start(`${context}-kwok`, binary, [
      `--kubeconfig=${kubeconfig}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${await freePort()}`,
      `--config=${kwokStages(join(dir, 'kwok.yaml'))}`,
    ]);
    for (let i = 0; i < NODES; i++) await kube.ensure('/api/v1/nodes', simulatedNode(i));
    await waitFor(`${NODES} Ready nodes in "${context}"`, 60_000, async () => {
      this.processes.assertRunning();
      return (await kube.list('/api/v1/nodes')).filter(nodeReady).length === NODES || undefined;
    });
  }

  private writeKubeconfig(path: string, contexts: readonly string[]): void {
    const planes = contexts.map((c) => this.planes[c]!);
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: planes.map((p) => ({
        name: p.context,
        cluster: {
          server: p.server,
          'certificate-authority-data': Buffer.from(
            readFileSync(join(this.options.dir, p.context, 'certs', 'apiserver.crt')),
          ).toString('base64'),
        },
      })),
      users: [{ name: 'admin', user: { token: ADMIN_TOKEN } }],
      contexts: planes.map((p) => ({ name: p.context, context: { cluster: p.context, user: 'admin' } })),
      'current-context': planes[0]!.context,
    };
    writeFileSync(path, toYaml(config));
  }

  private async startMoto(python: string): Promise<void> {
    const port = await freePort();
    this.processes.start('moto', python, [join(ROOT, 'tooling', 'cluster', 'moto_server.py'), String(port)]);
    this.motoEndpoint = `http://127.0.0.1:${port}`;
    await waitFor('moto', 60_000, async () => {
      this.processes.assertRunning();
      return (await fetch(`${this.motoEndpoint}/moto-api/`)).ok || undefined;
    });
  }

  /**
   * The AWS fault proxy (aws_faults.py) in front of moto; returns its
   * endpoint. `faults(rules)` sets what it answers wrongly; `served()` reads
   * what it did.
   */
  public async startAwsFaults(): Promise<string> {
    const port = await freePort();
    this.processes.start('aws-faults', this.python, [
      join(ROOT, 'tooling', 'cluster', 'aws_faults.py'),
      String(port),
      this.motoEndpoint,
      this.faultRules,
      this.faultLog,
    ]);
    const endpoint = `http://127.0.0.1:${port}`;
    await waitFor('the AWS fault proxy', 30_000, async () => {
      this.processes.assertRunning();
      return (await fetch(`${endpoint}/moto-api/`)).ok || undefined;
    });
    return endpoint;
  }

  private get faultRules(): string {
    return join(this.options.dir, 'aws-faults.json');
  }

  private get faultLog(): string {
    return join(this.options.dir, 'aws-faults.log');
  }

  /** Replaces the fault proxy's rules (none: every call goes through). */
  public faults(rules: readonly AwsFault[]): void {
    writeFileSync(this.faultRules, JSON.stringify(rules));
  }

  /** Empties the fault proxy's log (what `served` reads). */
  public clearServed(): void {
    writeFileSync(this.faultLog, '');
  }

  /** What the fault proxy did since its log was cleared: one line per fault served or answer held. */
  public served(): string[] {
    return existsSync(this.faultLog) ? readFileSync(this.faultLog, 'utf8').split('\n').filter(Boolean) : [];
  }

  /** Stops a context's API server, waits `downMs`, starts it again (etcd keeps the data); waits until it is ready. */
  public async restartApiServer(context: string, downMs: number): Promise<void> {
    await this.processes.restart(`${context}-kube-apiserver`, downMs);
    await this.apiReady(`the "${context}" API server, restarted`, this.planes[context]!.kube);
  }

  /** Waits until an API server answers /readyz (every component still running). */
  private async apiReady(what: string, kube: Kube): Promise<void> {
    await waitFor(what, 120_000, async () => {
      this.processes.assertRunning();
      return (await kube.call('GET', '/readyz')) !== undefined || undefined;
    });
  }

  /** Adds simulated node `i` to a context (as the cluster started with it); waits until it is Ready. */
  public async addNode(context: string, i: number): Promise<void> {
    const kube = this.planes[context]!.kube;
    await kube.ensure('/api/v1/nodes', simulatedNode(i));
    await waitFor(`node ${i} Ready in "${context}"`, 60_000, async () =>
      nodeReady(await kube.find(`/api/v1/nodes/${simulatedNode(i).metadata.name}`)),
    );
  }

  /** Stops every process this cluster started. */
  public async stop(): Promise<void> {
    await this.processes.stopAll();
  }

  /** Throws when a component died. */
  public assertRunning(): void {
    this.processes.assertRunning();
  }
}

/** Whether a Node (kwok's, here) reports Ready. */
function nodeReady(node: KubeObject | undefined): boolean {
  return (node?.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
  );
}

/** A call the fault proxy answers wrongly (see aws_faults.py). */
export interface AwsFault {
  /** The API call, as AWS names it: `CreateDBSnapshot`, `PutBucketPolicy`, `DescribeSecret`, ... */
  readonly call: string;
  /** The HTTP status and error code answered instead of moto's. */
  readonly status: number;
  readonly code: string;
  /** How many calls get it. */
  readonly times: number;
  /** Instead of an error: forward the call, then hold its answer back this long. */
  readonly holdMs?: number;
}

/** A Node kwok manages: three zones, Linux, room for every pod the stacks run. */
export function simulatedNode(i: number): {
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
} {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: `kwok-node-${i}`,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': `kwok-node-${i}`,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': `zone-${'abc'[i % 3]}`,
        type: 'kwok',
      },
    },
    status: {
      allocatable: { cpu: '32', memory: '128Gi', pods: '110' },
      capacity: { cpu: '32', memory: '128Gi', pods: '110' },
    },
  };
}

/**
 * kwok's Stages, from its module at the version built: nodes become Ready
 * and keep a lease (without a heartbeat every pod turns NotReady after about
 * 40 s), pods become Ready, Job pods succeed, deleted pods go; and one of
 * ours: a Job pod annotated `cluster-test/exit-code` fails with that code,
 * so a test can make a Job fail although no container runs; and a Job pod
 * annotated `cluster-test/termination-message` ends with that message (the
 * verdict a release analysis would have written).
 */
function kwokStages(file: string): string {
  const dir = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `sigs.k8s.io/kwok@${'v0.8.0'}`], { encoding: 'utf8' }),
  ).Dir as string;
  const stage = (sub: string) =>
    readdirSync(join(dir, 'kustomize', 'stage', sub))
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .map((f) => readFileSync(join(dir, 'kustomize', 'stage', sub, f), 'utf8'));
  const docs = [...stage('node/fast'), ...stage('node/heartbeat-with-lease'), ...stage('pod/fast')].map((d) =>
    // Job pods we mean to fail must not complete; those that complete carry the planted message.
    d.includes('name: pod-complete')
      ? d
          .replace(
            '  selector:\n    matchExpressions:\n',
            "  selector:\n    matchExpressions:\n    - key: '.metadata.annotations.\"cluster-test/exit-code\"'\n      operator: 'DoesNotExist'\n",
          )
          .replace('            reason: Completed\n', `            reason: Completed\n${MESSAGE_LINE('$root')}`)
      : d,
  );
  writeFileSync(file, [...docs, FAIL_STAGE].join('\n---\n'));
  return file;
}

/** A terminated container's `message`, from the pod's `cluster-test/termination-message` annotation when it has one. */
const MESSAGE_LINE = (pod: string) =>
  // Indented inside the YAML block scalar; without the annotation, a blank line.
  `            {{ with ${pod}.metadata.annotations }}{{ with index . "cluster-test/termination-message" }}message: {{ . | Quote }}{{ end }}{{ end }}\n`;

const FAIL_STAGE = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-fail-annotated
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Running'
    - key: '.metadata.annotations."cluster-test/exit-code"'
      operator: 'Exists'
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $code := index .metadata.annotations "cluster-test/exit-code" }}
      {{ $root := . }}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: {{ $code }}
            finishedAt: {{ $now | Quote }}
            reason: Error
${MESSAGE_LINE('$root')}            startedAt: {{ $now | Quote }}
      {{ end }}
      phase: Failed
`;

/** The Python with moto, in a virtualenv with tooling/cluster/requirements.txt (tooling/venvs.ts: cached per machine). */
export function motoPython(log: (line: string) => void): string {
  return join(cachedVenv('cluster', join(ROOT, 'tooling', 'cluster', 'requirements.txt'), log), 'bin', 'python');
}
