/**
 * The edges of the rules that decide, where a one-character change to a
 * check hides: each limit exactly at its boundary (passes) and one past it
 * (fails), each name or prefix check with a value that is nearly right, each
 * two-sided rule in both orders, and each table compared whole.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- environment files edited by shape */
import { cpuMillis, memoryBytes } from '../core/quantities';
import { templateSequences, validateAll } from '../environments/validate';
import { localStateRequested } from '../stacks/local-state';
import { checkEnvironments } from '../stacks/app';
import { peakPods } from '../features/namespace/capacity';
import { ReleaseError, VERBS, Verb, applyMove, legalMoves } from '../features/release/moves';
import { Edit, configIssues, environment, source } from './helpers';

const NEXT = 'ghcr.io/catbird/mls-server:1.5.0';
const issuesOf = (edit: Edit, name: 'staging' | 'production' = 'production') => {
  try {
    validateAll([source(name, edit)]);
    return [];
  } catch {
    return configIssues(() => validateAll([source(name, edit)]));
  }
};

describe('capacity: exactly at each limit passes, one unit over fails', () => {
  const env = environment('production');
  const svc = env.services[0]!;
  const pods = peakPods(svc);
  const need = (side: 'requests' | 'limits', kind: 'cpu' | 'memory') =>
    pods * (kind === 'cpu' ? cpuMillis : memoryBytes)(svc.resources[side][kind]);

  it('peak pods: the HPA maximum plus the other colour at full size', () => {
    expect(peakPods({ name: 'a', replicas: 3, resources: svc.resources })).toBe(6);
    expect(peakPods({ name: 'a', replicas: 3, autoscaling: { maxReplicas: 10 }, resources: svc.resources })).toBe(13);
    // A maximum below the fixed size never lowers the peak.
    expect(peakPods({ name: 'a', replicas: 3, autoscaling: { maxReplicas: 2 }, resources: svc.resources })).toBe(6);
  });

  it('quota.pods', () => {
    expect(issuesOf((s) => (s.quota.pods = pods))).toEqual([]);
    expect(issuesOf((s) => (s.quota.pods = pods - 1))).toEqual([
      `production: quota.pods: (${pods - 1}) is below what the services need at their peak, ${pods} pods (mls-server ${pods}: HPA maximum plus the other colour at full size)`,
    ]);
  });

  it.each([
    ['requests', 'cpu', 'requestsCpu'],
    ['limits', 'cpu', 'limitsCpu'],
  ] as const)('quota from %s.%s', (side, kind, field) => {
    const millis = need(side, kind);
    expect(issuesOf((s) => (s.quota[field] = `${millis}m`))).toEqual([]);
    expect(issuesOf((s) => (s.quota[field] = `${millis - 1}m`))).toEqual([
      `production: quota.${field}: (${millis - 1}m) is below the services' ${side}.${kind} at their peak, ${millis}m for ${pods} pods`,
    ]);
  });

  it.each([
    ['requests', 'memory', 'requestsMemory'],
    ['limits', 'memory', 'limitsMemory'],
  ] as const)('quota from %s.%s', (side, kind, field) => {
    const bytes = need(side, kind);
    expect(issuesOf((s) => (s.quota[field] = `${bytes}`))).toEqual([]);
    expect(issuesOf((s) => (s.quota[field] = `${bytes - 1}`))).toEqual([
      `production: quota.${field}: (${bytes - 1}) is below the services' ${side}.${kind} at their peak, ${Math.ceil(bytes / 2 ** 20)}Mi for ${pods} pods`,
    ]);
  });

  it.each(['cpu', 'memory'] as const)('limitRange: defaultRequest ≤ default ≤ max, and limits ≤ max (%s)', (kind) => {
    const at = (value: string) => (s: any) => {
      s.limitRange.defaultRequest[kind] = value;
      s.limitRange.default[kind] = value;
      s.limitRange.max[kind] = value;
      s.services[0].resources.limits[kind] = value;
      s.services[0].resources.requests[kind] = value;
    };
    const small = kind === 'cpu' ? '500m' : '512Mi';
    const big = kind === 'cpu' ? '501m' : '513Mi';
    expect(issuesOf(at(small)).filter((i) => i.includes('limitRange') || i.includes('limits.'))).toEqual([]);
    expect(
      issuesOf((s) => {
        at(small)(s);
        s.limitRange.defaultRequest[kind] = big;
      }),
    ).toContain(`production: limitRange.defaultRequest.${kind}: must not exceed limitRange.default.${kind} (${small})`);
    expect(
      issuesOf((s) => {
        at(small)(s);
        s.limitRange.default[kind] = big;
        s.limitRange.defaultRequest[kind] = small;
      }),
    ).toContain(`production: limitRange.default.${kind}: must not exceed limitRange.max.${kind} (${small})`);
    expect(
      issuesOf((s) => {
        at(small)(s);
        s.services[0].resources.limits[kind] = big;
      }),
    ).toContain(
      `production: services[0].resources.limits.${kind}: exceeds limitRange.max.${kind} (${small}): the namespace would refuse the pods`,
    );
  });

  it('idleReplicas: equal to replicas passes, one more fails', () => {
    expect(issuesOf((s) => (s.services[0].idleReplicas = s.services[0].replicas))).toEqual([]);
    expect(issuesOf((s) => (s.services[0].idleReplicas = s.services[0].replicas + 1))).toEqual([
      `production: services[0].idleReplicas: must not exceed replicas (${svc.replicas})`,
    ]);
  });

  it('autoscaling: min equal to max passes, min above max fails (checked by the construct, at synth)', () => {
    const atSynth = (edit: Edit) => {
      try {
        checkEnvironments([source('production', edit)]);
        return [];
      } catch {
        return configIssues(() => checkEnvironments([source('production', edit)]));
      }
    };
    expect(atSynth((s) => Object.assign(s.services[0].autoscaling, { minReplicas: 3, maxReplicas: 3 }))).toEqual([]);
    expect(atSynth((s) => Object.assign(s.services[0].autoscaling, { minReplicas: 4, maxReplicas: 3 }))).toEqual([
      'production: services[0].autoscaling.minReplicas: must be at least 1 and at most maxReplicas (got 4..3)',
    ]);
  });
});

describe('look-alikes: nearly right values', () => {
  it("refuses an image from a repository whose name only starts like the service's", () => {
    for (const image of ['ghcr.io/catbird/mls-server-evil:1.5.0', 'ghcr.io/catbird/mls-serve:1.5.0']) {
      expect(issuesOf((_s, r) => (r.services['mls-server'].blue.image = image))).toEqual([
        `production: release.services.mls-server.blue.image: must be an image of ghcr.io/catbird/mls-server (got "${image}")`,
      ]);
    }
    expect(issuesOf((_s, r) => (r.services['mls-server'].blue.image = 'ghcr.io/catbird/mls-server:1.5.0'))).toEqual([]);
  });

  it('refuses a host shared by two services of one environment, and accepts hosts one letter apart', () => {
    const twoServices = (host2: string, preview2?: string) => (s: any, r: any) => {
      const second = structuredClone(s.services[0]);
      Object.assign(second, { name: 'mls-two', secret: undefined, did: undefined });
      second.ingress = { ...second.ingress, host: host2, previewHost: preview2 };
      s.services.push(second);
      s.quota.pods = 100;
      Object.assign(s.quota, { requestsCpu: '100', requestsMemory: '100Gi', limitsCpu: '100', limitsMemory: '100Gi' });
      r.services['mls-two'] = structuredClone(r.services['mls-server']);
      r.services['mls-two'].blue.image = r.services['mls-two'].blue.image.replace('mls-server', 'mls-server');
    };
    const host = source('production').settings as { services: { ingress: { host: string } }[] };
    const h = host.services[0]!.ingress.host;
    const same = issuesOf(twoServices(h));
    expect(same).toContain(
      `production: services[1].ingress.host: host "${h}" is also used by services[0].ingress.host`,
    );
    const apart = issuesOf(twoServices(`x${h}`));
    expect(apart.filter((i) => i.includes('is also used'))).toEqual([]);
  });

  it('refuses a backup key that belongs to another Secret, not the one named', () => {
    expect(issuesOf((s) => (s.backups.databaseUrl.key = 'database-url'))).toEqual([]);
    expect(issuesOf((s) => (s.backups.databaseUrl.key = 'database-url2'))).toEqual([
      'production: backups.databaseUrl.key: "database-url2" is not a key of Secret "mls-secrets"',
    ]);
    expect(issuesOf((s) => (s.backups.databaseUrl.secret = 'mls-secret'))).toEqual([
      'production: backups.databaseUrl.secret: "mls-secret" is not the Secret of any service, so the backup job could not read the database URL',
    ]);
  });

  it('keeps history only where snapshots are kept: 0 refuses a history, 1 takes it', () => {
    expect(issuesOf((s) => (s.database.snapshotsToKeep = 1))).toEqual([]);
    expect(issuesOf((s) => (s.database.snapshotsToKeep = 0))).toEqual([
      'production: release.history: must be empty: database.snapshotsToKeep is 0, so nothing uses it',
    ]);
    expect(
      issuesOf((s, r) => {
        s.database.snapshotsToKeep = 0;
        r.history = [];
      }),
    ).toEqual([]);
  });
});

describe('two-sided rules, in both orders', () => {
  /** Production with a second service naming the same Secret; `shared` says which of the two say shared: true. */
  const sharing =
    (shared: [boolean, boolean], keysEqual = true) =>
    (s: any, r: any) => {
      const second = structuredClone(s.services[0]);
      Object.assign(second, { name: 'mls-two', ingress: undefined, did: undefined });
      if (!keysEqual) delete second.secret.keys['redis-url'];
      s.services[0].secret.shared = shared[0];
      second.secret.shared = shared[1];
      s.services.push(second);
      Object.assign(s.quota, {
        pods: 100,
        requestsCpu: '100',
        requestsMemory: '100Gi',
        limitsCpu: '100',
        limitsMemory: '100Gi',
      });
      r.services['mls-two'] = structuredClone(r.services['mls-server']);
    };
  const refusal =
    'production: services[1].secret.name: "mls-secrets" is also the Secret of service "mls-server": give each its own, or mark both shared: true';

  it.each<[boolean, boolean]>([
    [true, false],
    [false, true],
    [false, false],
  ])('a Secret named by two services, shared: %j and %j, is refused', (a, b) => {
    expect(issuesOf(sharing([a, b]))).toEqual([refusal]);
  });

  it('both shared: accepted with the same keys, refused with different keys in either order', () => {
    expect(issuesOf(sharing([true, true]))).toEqual([]);
    expect(issuesOf(sharing([true, true], false))).toEqual([
      `production: services[1].secret.keys: must equal service "mls-server"'s keys: a shared Secret has one set of keys`,
    ]);
    // The other order: the first service has fewer keys.
    expect(
      issuesOf((s, r) => {
        sharing([true, true], false)(s, r);
        s.services.reverse();
        s.services[1].ingress = s.services[0].ingress;
        s.services[1].did = s.services[0].did;
        delete s.services[0].ingress;
        delete s.services[0].did;
        // No service has an edge now, so Grafana has no certificate issuer on the Gateway (a rule of its own).
        delete s.monitoring.grafanaHost;
        s.backups.databaseUrl.key = 'database-url';
      }),
    ).toEqual([
      `production: services[1].secret.keys: must equal service "mls-two"'s keys: a shared Secret has one set of keys`,
    ]);
  });

  it('a Secrets Manager id: shared within one environment, refused across two in either order', () => {
    const id = (s: any) => (s.services[0].secret.keys['jwt-secret'].awsSecretId = 'mls-server/common/jwt');
    const both = () => configIssues(() => validateAll([source('staging', id), source('production', id)]));
    expect(both()).toEqual([
      'production: services[0].secret.keys.jwt-secret.awsSecretId: Secrets Manager id "mls-server/common/jwt" is also used by environment "staging" (services[0].secret.keys.jwt-secret.awsSecretId)',
    ]);
    expect(configIssues(() => validateAll([source('production', id), source('staging', id)]))).toEqual([
      'staging: services[0].secret.keys.jwt-secret.awsSecretId: Secrets Manager id "mls-server/common/jwt" is also used by environment "production" (services[0].secret.keys.jwt-secret.awsSecretId)',
    ]);
    expect(
      issuesOf((s) => {
        s.services[0].imagePullSecret.awsSecretId = s.services[0].secret.keys['jwt-secret'].awsSecretId;
      }),
    ).toEqual([]);
  });

  it('a state file: the default key of one environment is the explicit key of another', () => {
    const issues = configIssues(() =>
      validateAll([
        source('staging', (s) =>
          Object.assign(s.stateBackend, { bucket: 'shared-state', key: 'production/terraform.tfstate' }),
        ),
        source('production', (s) => Object.assign(s.stateBackend, { bucket: 'shared-state', key: undefined })),
      ]),
    );
    expect(issues).toEqual([
      'production: stateBackend: state file s3://shared-state/production/terraform.tfstate is also used by environment "staging" (stateBackend)',
    ]);
  });
});

describe('the release state machine, as an exact table', () => {
  const staged: Edit = (_s, r) =>
    Object.assign(r.services['mls-server'], { phase: 'staged', green: { image: NEXT, replicas: 3 } });
  const switched: Edit = (s, r) => {
    staged(s, r);
    Object.assign(r.services['mls-server'], { phase: 'switched', live: 'green' });
  };
  const phases: [string, Verb[], Edit | undefined][] = [
    ['stable', ['stage'], undefined],
    ['staged', ['promote', 'stage', 'abandon'], staged],
    ['switched', ['finish', 'rollback'], switched],
  ];

  it.each(phases)('%s: the legal moves are exactly %j', (phase, legal, edit) => {
    const env = environment('production', edit);
    expect(env.release.services['mls-server']!.phase).toBe(phase);
    expect(legalMoves(env.release.services['mls-server']!)).toEqual(legal);
  });

  it.each(phases)('%s: each of %j is made, every other verb refused', (_phase, legal, edit) => {
    for (const verb of VERBS) {
      const move = () =>
        applyMove(environment('production', edit), {
          verb,
          image: verb === 'stage' ? 'ghcr.io/catbird/mls-server:1.6.0' : undefined,
        });
      if (legal.includes(verb)) expect(move).not.toThrow();
      else expect(move).toThrow(ReleaseError);
    }
  });
});

describe('what two environments must not share: each claim, and what it does not claim', () => {
  const pair = (edit: Edit) => configIssues(() => validateAll([source('staging'), source('production', edit)]));
  const none = (edit: Edit, stagingEdit?: Edit) =>
    expect(() => validateAll([source('staging', stagingEdit), source('production', edit)])).not.toThrow();
  const by = (what: string, path: string, stagingPath = path) =>
    `production: ${path}: ${what} is also used by environment "staging" (${stagingPath})`;

  it.each<[string, Edit, string]>([
    [
      'the namespace in the same kube context',
      (s) =>
        Object.assign(
          s,
          { namespace: 'staging', monitoringNamespace: 'monitoring-production' },
          { kubernetes: { ...s.kubernetes, context: 'staging' } },
        ),
      by('namespace "staging" in kube context "staging"', 'namespace'),
    ],
    [
      'the monitoring namespace in the same kube context',
      (s) => (s.kubernetes.context = 'staging'),
      by('namespace "monitoring" in kube context "staging"', 'monitoringNamespace'),
    ],
    [
      'the public host',
      (s) =>
        Object.assign(s.services[0].ingress, {
          host: 'staging.mls.catbird.blue',
          previewHost: 'preview.mls.catbird.blue',
        }),
      by('host "staging.mls.catbird.blue"', 'services[0].ingress.host'),
    ],
    [
      'the preview host',
      (s) => (s.services[0].ingress.previewHost = 'preview.staging.mls.catbird.blue'),
      by('host "preview.staging.mls.catbird.blue"', 'services[0].ingress.previewHost'),
    ],
    [
      "another environment's secret id",
      (s) => (s.services[0].secret.keys['redis-url'].awsSecretId = 'mls-server/staging/redis-url'),
      by('Secrets Manager id "mls-server/staging/redis-url"', 'services[0].secret.keys.redis-url.awsSecretId'),
    ],
    [
      'the pull secret id',
      (s) => (s.services[0].imagePullSecret.awsSecretId = 'mls-server/staging/ghcr-pull'),
      by('Secrets Manager id "mls-server/staging/ghcr-pull"', 'services[0].imagePullSecret.awsSecretId'),
    ],
    [
      'the backup bucket',
      (s) => Object.assign(s.backups, { bucketName: 'catbird-mls-backups-staging', accessLogging: false }),
      by('bucket "catbird-mls-backups-staging"', 'backups.bucketName'),
    ],
    [
      "the backup bucket's -logs bucket",
      (s) => (s.backups.bucketName = 'catbird-mls-backups-staging-logs'),
      by('bucket "catbird-mls-backups-staging-logs"', 'backups.bucketName', 'backups.bucketName (its -logs bucket)'),
    ],
    [
      'the Grafana admin secret id',
      (s) => (s.monitoring.grafanaAdminSecretId = 'monitoring/staging/grafana-admin-password'),
      by('Secrets Manager id "monitoring/staging/grafana-admin-password"', 'monitoring.grafanaAdminSecretId'),
    ],
    [
      'the Slack webhook secret id',
      (s) => (s.monitoring.slackWebhookSecretId = 'monitoring/staging/slack-webhook-url'),
      by('Secrets Manager id "monitoring/staging/slack-webhook-url"', 'monitoring.slackWebhookSecretId'),
    ],
    [
      'the state file',
      (s) => (s.stateBackend.key = 'staging/terraform.tfstate'),
      by('state file s3://catbird-terraform-state/staging/terraform.tfstate', 'stateBackend'),
    ],
  ])('refuses %s', (_, edit, message) => {
    expect(pair(edit)).toEqual([message]);
  });

  it('claims the Grafana host and the Loki bucket only when set, and the -logs bucket only with access logging', () => {
    const grafana = (s: any) => (s.monitoring.grafanaHost = 'grafana.catbird.blue');
    expect(configIssues(() => validateAll([source('staging', grafana), source('production')]))).toEqual([
      'production: monitoring.grafanaHost: host "grafana.catbird.blue" is also used by environment "staging" (monitoring.grafanaHost)',
    ]);
    const loki = (s: any) => (s.monitoring.loki.s3BucketName = 'catbird-mls-logs-production');
    expect(configIssues(() => validateAll([source('staging', loki), source('production')]))).toEqual([
      'production: monitoring.loki.s3BucketName: bucket "catbird-mls-logs-production" is also used by environment "staging" (monitoring.loki.s3BucketName)',
    ]);
    // Without access logging, staging has no -logs bucket to collide with.
    none(
      (s) => (s.backups.bucketName = 'catbird-mls-backups-staging-logs'),
      (s) => (s.backups.accessLogging = false),
    );
  });

  it('claims the monitoring namespace and secrets only when monitoring is on', () => {
    const off = (s: any) => (s.monitoring.enabled = false);
    none((s) => {
      s.kubernetes.context = 'staging';
      off(s);
    }, off);
    none((s) => {
      off(s);
      s.monitoring.grafanaAdminSecretId = 'monitoring/staging/grafana-admin-password';
      s.monitoring.slackWebhookSecretId = 'monitoring/staging/slack-webhook-url';
    });
  });

  it('within one environment, refuses only a shared host', () => {
    expect(
      configIssues(() =>
        validateAll([source('production', (s) => (s.services[0].ingress.previewHost = s.services[0].ingress.host))]),
      ),
    ).toEqual([
      'production: services[0].ingress.previewHost: host "mls.catbird.blue" is also used by services[0].ingress.host',
    ]);
    expect(() =>
      validateAll([
        source('production', (s) => {
          s.services[0].imagePullSecret.awsSecretId = s.services[0].secret.keys['redis-url'].awsSecretId;
          s.monitoring.slackWebhookSecretId = s.monitoring.grafanaAdminSecretId;
        }),
      ]),
    ).not.toThrow();
  });

  it('reports a claim once, against its first owner, for each later environment', () => {
    const shared = (s: any) => (s.backups.bucketName = 'one-bucket');
    expect(
      configIssues(() =>
        validateAll([
          source('staging', shared),
          source('production', shared),
          source('production', (s) => {
            shared(s);
            s.name = 'qa';
            s.namespace = 'qa';
            s.kubernetes.context = 'qa';
            s.services[0].ingress.host = 'qa.mls.catbird.blue';
            s.services[0].ingress.previewHost = 'preview.qa.mls.catbird.blue';
            s.services[0].secret.keys = { 'database-url': { env: 'DATABASE_URL', awsSecretId: 'qa/db' } };
            delete s.services[0].imagePullSecret;
            s.monitoring.enabled = false;
            delete s.monitoring.grafanaHost;
            delete s.monitoring.loki.s3BucketName;
            s.stateBackend.key = 'qa/terraform.tfstate';
          }),
        ]),
      ).filter((i) => i.includes('one-bucket"')),
    ).toEqual([
      'production: backups.bucketName: bucket "one-bucket" is also used by environment "staging" (backups.bucketName)',
      'qa: backups.bucketName: bucket "one-bucket" is also used by environment "staging" (backups.bucketName)',
    ]);
  });
});

describe('release moves at their edges', () => {
  const staged: Edit = (_s, r) =>
    Object.assign(r.services['mls-server'], { phase: 'staged', green: { image: NEXT, replicas: 3 } });
  const skip = { reason: 'INC-42: Prometheus is down' };

  it('keeps skipAnalysis through promote, and drops it with every move that ends a switch', () => {
    const promoted = applyMove(
      environment('production', (s, r) => {
        staged(s, r);
        r.services['mls-server'].skipAnalysis = skip;
      }),
      { verb: 'promote' },
    );
    expect(promoted.release.services['mls-server']!.skipAnalysis).toEqual(skip);
    for (const [verb, edit] of [
      ['abandon', staged],
      ['stage', staged],
      [
        'rollback',
        (s: any, r: any) => (
          staged(s, r),
          Object.assign(r.services['mls-server'], { phase: 'switched', live: 'green' })
        ),
      ],
      [
        'finish',
        (s: any, r: any) => (
          staged(s, r),
          Object.assign(r.services['mls-server'], { phase: 'switched', live: 'green' })
        ),
      ],
    ] as [Verb, Edit][]) {
      const env = environment('production', (s, r) => {
        edit(s, r);
        r.services['mls-server'].skipAnalysis = skip;
      });
      const next = applyMove(env, { verb, image: verb === 'stage' ? 'ghcr.io/catbird/mls-server:1.6.0' : undefined });
      expect([verb, next.release.services['mls-server']!.skipAnalysis]).toEqual([verb, undefined]);
    }
  });

  it('keeps no history where no snapshot is kept', () => {
    const next = applyMove(environment('staging'), { verb: 'stage', image: 'ghcr.io/catbird/mls-server:1.6.0' });
    expect(next.release.history).toEqual([]);
  });

  it('refuses to stage an image that is not pinned, naming the problem', () => {
    expect(() =>
      applyMove(environment('production'), { verb: 'stage', image: 'ghcr.io/catbird/mls-server:latest' }),
    ).toThrow(/^production\/mls-server: image "ghcr\.io\/catbird\/mls-server:latest" /);
  });

  it('asks for --service when an environment has two, and names them', () => {
    const two = environment('production', (s, r) => {
      const second = structuredClone(s.services[0]);
      Object.assign(second, { name: 'mls-two', ingress: undefined, did: undefined, secret: undefined });
      s.services.push(second);
      Object.assign(s.quota, {
        pods: 100,
        requestsCpu: '100',
        requestsMemory: '100Gi',
        limitsCpu: '100',
        limitsMemory: '100Gi',
      });
      r.services['mls-two'] = structuredClone(r.services['mls-server']);
    });
    expect(() => applyMove(two, { verb: 'stage', image: 'ghcr.io/catbird/mls-server:1.6.0' })).toThrow(
      'environment "production" has 2 services; name one with --service (mls-server, mls-two)',
    );
    expect(
      applyMove(two, { verb: 'stage', service: 'mls-two', image: 'ghcr.io/catbird/mls-server:1.6.0' }).summary,
    ).toMatch(/^production\/mls-two: staged/);
  });

  it('says what each move did, exactly', () => {
    const switched: Edit = (s, r) => {
      staged(s, r);
      Object.assign(r.services['mls-server'], { phase: 'switched', live: 'green' });
    };
    expect(applyMove(environment('production', staged), { verb: 'promote' }).summary).toBe(
      `production/mls-server: traffic blue → green (${NEXT}); blue keeps running for rollback`,
    );
    expect(applyMove(environment('production', switched), { verb: 'rollback' }).summary).toBe(
      'production/mls-server: traffic green → blue (ghcr.io/catbird/mls-server:1.4.2); green stays staged',
    );
    expect(applyMove(environment('production', staged), { verb: 'abandon' }).summary).toBe(
      'production/mls-server: abandoned ghcr.io/catbird/mls-server:1.5.0 on green (0 replicas, no image); blue serves alone',
    );
    expect(applyMove(environment('production', switched), { verb: 'finish' }).summary).toBe(
      'production/mls-server: blue scaled down to 1 replicas; green serves alone',
    );
  });
});

describe('the environment checks themselves', () => {
  it('shows the value it refused when it is short, up to 60 characters of JSON, and not beyond', () => {
    const context = (n: number) => `a ${'b'.repeat(n - 2)}`;
    const [at60] = configIssues(() => validateAll([source('production', (s) => (s.kubernetes.context = context(58)))]));
    expect(at60).toMatch(/ \(got "a b+"\)$/);
    const [at61] = configIssues(() => validateAll([source('production', (s) => (s.kubernetes.context = context(59)))]));
    expect(at61).toMatch(/as `kubectl config get-contexts` lists it$/);
  });

  it('walks a settings object that refers to itself, once', () => {
    const loop: any = { a: 'fine' };
    loop.self = loop;
    expect(templateSequences(loop)).toEqual([]);
    loop.b = '${x}';
    expect(templateSequences(loop).map((i) => i.path)).toEqual([['b']]);
  });

  it('names an environment without a name "<unnamed>"', () => {
    expect(configIssues(() => validateAll([source('production', (s) => delete s.name)]))[0]).toMatch(
      /^<unnamed>: name: /,
    );
    expect(configIssues(() => validateAll([source('production', (s) => (s.name = ''))]))[0]).toMatch(
      /^<unnamed>: name: /,
    );
  });

  it('refuses a template sequence in the release file too', () => {
    expect(
      configIssues(() =>
        validateAll([
          source('production', (_s, r) => (r.services['mls-server'].green.image = 'ghcr.io/catbird/mls-server:${x}')),
        ]),
      ),
    ).toEqual([
      'production: release.services.mls-server.green.image: contains "${", which Terraform would read as the start of an expression: environment and release files hold plain values',
    ]);
  });

  it('refuses local state in CI whatever value turns it on, and allows it elsewhere', () => {
    const envs = [{ name: 'staging' }];
    expect(localStateRequested(envs, { LOCAL_STATE: 'yes' })).toBe(true);
    expect(configIssues(() => localStateRequested(envs, { LOCAL_STATE: 'yes', CI: 'true' }))).toEqual([
      "staging: stateBackend: local state (LOCAL_STATE) is refused when CI is set: the runner's disk, and the state on it, is thrown away after the run; use the S3 backend",
    ]);
    expect(localStateRequested(envs, { LOCAL_STATE: 'no', CI: 'true' })).toBe(false);
  });
});
