/**
 * The cluster test's reading of a failed deploy (tooling/cluster/faults.ts):
 * which error gets which of the remedies of docs/delivery.md, and what counts as a
 * lost resource or an unavailable colour. The outputs are Terraform's, as
 * the fault cases met them.
 */
import { fullyAvailable, lostFrom, protectedInventory, remedies, stateLockId } from '../tooling/cluster/faults';

const LOCKED = `
╷
│ Error: Error acquiring the state lock
│
│ Error message: operation error S3: PutObject, https response error
│ StatusCode: 412, PreconditionFailed
│ Lock Info:
│   ID:        e9b62ca3-74bc-00dc-2153-a7ce3a76fde8
│   Path:      catbird-terraform-state/production/terraform.tfstate
│   Operation: OperationTypeApply
╵
`;

const LEFT_BEHIND = `
╷
│ Error: Failed to create Job! API error: jobs.batch "mls-server-pre-2.0.0-s1" already exists
│
│   with kubernetes_job_v1.mls-server_analysis-pre_job_1A2B3C4D,
│   on cdk.tf.json line 2100, in resource.kubernetes_job_v1.mls-server_analysis-pre_job_1A2B3C4D:
╵
╷
│ Error: configmaps "mls-server-pre-2.0.0-s1" already exists
│
│   with kubernetes_config_map_v1.mls-server_analysis-pre_checks_5E6F7A8B,
╵
╷
│ Error: creating RDS DB Snapshot (mls-production-pre-deploy-2-0-2-s3): operation error RDS: CreateDBSnapshot, https response error StatusCode: 400, api error DBSnapshotAlreadyExists: Cannot create the snapshot because a snapshot with the identifier mls-production-pre-deploy-2-0-2-s3 already exists.
│
│   with aws_db_snapshot.release-snapshots_mls-production-pre-deploy-2-0-2-s3_1E44AE75,
│   on cdk.tf.json line 120, in resource.aws_db_snapshot.release-snapshots_mls-production-pre-deploy-2-0-2-s3_1E44AE75:
╵
`;

describe('the remedies for a failed deploy', () => {
  it('a stale state lock: force-unlock with the ID the error prints, and nothing else first', () => {
    expect(stateLockId(LOCKED)).toBe('e9b62ca3-74bc-00dc-2153-a7ce3a76fde8');
    expect(remedies(LOCKED)).toEqual({
      remedies: [{ kind: 'unlock', lockId: 'e9b62ca3-74bc-00dc-2153-a7ce3a76fde8' }],
      unknown: [],
    });
  });

  it('an analysis left behind is deleted once (Job and ConfigMap), a snapshot taken is imported', () => {
    expect(remedies(LEFT_BEHIND)).toEqual({
      remedies: [
        { kind: 'delete-analysis', name: 'mls-server-pre-2.0.0-s1' },
        {
          kind: 'import-snapshot',
          address: 'aws_db_snapshot.release-snapshots_mls-production-pre-deploy-2-0-2-s3_1E44AE75',
          identifier: 'mls-production-pre-deploy-2-0-2-s3',
        },
      ],
      unknown: [],
    });
  });

  it('a Helm release the killed run left pending is rolled back to its last deployed revision', () => {
    const pending = `
╷
│ Error: Error upgrading chart
│
│   with helm_release.monitoring_mls-server-mon_0396821C,
│   on cdk.tf.json line 1584, in resource.helm_release.monitoring_mls-server-mon_0396821C:
│ 1584:       }
│
│ Upgrade failed: another operation (install/upgrade/rollback) is in progress
╵
`;
    expect(remedies(pending)).toEqual({
      remedies: [{ kind: 'helm-rollback', address: 'helm_release.monitoring_mls-server-mon_0396821C' }],
      unknown: [],
    });
    // The same words about something that is not a Helm release: no remedy.
    expect(remedies(pending.replaceAll('helm_release.', 'kubernetes_job_v1.')).remedies).toEqual([]);
  });

  it('any other error has no remedy but deploying again: it is reported, never matched', () => {
    const other = `│ Error: Get "https://127.0.0.1:43671/api/v1/namespaces/production": dial tcp: connect: connection refused\n│\n│   with kubernetes_namespace_v1.service-namespace_DF13CA93,\n╵`;
    const found = remedies(other);
    expect(found.remedies).toEqual([]);
    expect(found.unknown).toEqual([
      expect.objectContaining({
        address: 'kubernetes_namespace_v1.service-namespace_DF13CA93',
        summary: expect.stringContaining('connection refused'),
      }),
    ]);
    // A Job of another name (not an analysis) is not deleted.
    expect(
      remedies('│ Error: jobs.batch "db-backup-manual" already exists\n│\n│   with kubernetes_job_v1.x,\n╵').remedies,
    ).toEqual([]);
    expect(stateLockId(other)).toBeUndefined();
  });
});

describe('what must survive a fault', () => {
  const state = (ids: Record<string, string>) => ({
    values: {
      root_module: {
        resources: Object.entries(ids).map(([address, id]) => ({
          address,
          mode: 'managed',
          type: address.split('.')[0],
          values: { id },
        })),
      },
    },
  });
  const json = {
    resource: {
      aws_s3_bucket: { b: { bucket: 'x', lifecycle: { prevent_destroy: true } } },
      aws_db_snapshot: { kept: { db_snapshot_identifier: 'kept' } },
      kubernetes_service_v1: { s: {} },
    },
  };

  it('holds the protected resources and the kept snapshots, by id', () => {
    const inventory = protectedInventory(
      state({
        'aws_s3_bucket.b': 'bucket-1',
        'aws_db_snapshot.kept': 'kept',
        'aws_db_snapshot.rotated': 'old',
        'kubernetes_service_v1.s': 'svc',
      }),
      json,
    );
    expect([...inventory]).toEqual([
      ['aws_s3_bucket.b', 'bucket-1'],
      ['aws_db_snapshot.kept', 'kept'],
    ]);
    expect(lostFrom(inventory, new Map([['aws_db_snapshot.kept', 'kept']]))).toEqual([
      'aws_s3_bucket.b (bucket-1) is gone',
    ]);
    expect(lostFrom(inventory, new Map([...inventory, ['aws_s3_bucket.b', 'bucket-2']]))).toEqual([
      'aws_s3_bucket.b (bucket-1) is now bucket-2',
    ]);
    expect(lostFrom(inventory, inventory)).toEqual([]);
  });

  it('a colour is fully available only with every replica updated and available at its generation', () => {
    const deployment = (status: object, replicas = 3, generation = 2) => ({
      metadata: { generation },
      spec: { replicas },
      status,
    });
    const done = { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 };
    expect(fullyAvailable(deployment(done))).toBe(true);
    expect(fullyAvailable(undefined)).toBe(false);
    expect(fullyAvailable(deployment(done, 0))).toBe(false);
    expect(fullyAvailable(deployment({ ...done, observedGeneration: 1 }))).toBe(false);
    expect(fullyAvailable(deployment({ ...done, updatedReplicas: 2 }))).toBe(false);
    expect(fullyAvailable(deployment({ ...done, availableReplicas: 2 }))).toBe(false);
    // Old pods still terminating beside the new ones: the rollout is not over.
    expect(fullyAvailable(deployment({ ...done, replicas: 4 }))).toBe(false);
  });
});
