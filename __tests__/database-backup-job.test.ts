import { SynthJson, referenced, resourceNamed, resourcesOf, synthJson } from './helpers';

describe('DatabaseBackupJob (production)', () => {
  const json: SynthJson = synthJson('production');
  const cron = resourceNamed(json, 'kubernetes_cron_job_v1', 'db-backup');
  const pod = cron.spec.job_template.spec.template.spec;

  it('runs daily at 02:00, never overlapping, with history limits and deadlines', () => {
    expect(cron.spec).toMatchObject({
      schedule: '0 2 * * *',
      concurrency_policy: 'Forbid',
      successful_jobs_history_limit: 3,
      failed_jobs_history_limit: 3,
      starting_deadline_seconds: 600,
    });
    expect(cron.spec.job_template.spec).toMatchObject({ backoff_limit: 2, active_deadline_seconds: 3600 });
    expect(cron.metadata.namespace).toMatch(/kubernetes_namespace_v1\.service-namespace/);
  });

  it('dumps with pg_dump | gzip and uploads under database/<env>/<timestamp>.sql.gz with the KMS key', () => {
    const [dump] = pod.init_container;
    const [upload] = pod.container;
    expect(dump.command.join(' ')).toMatch(/pg_dump .*"\$DATABASE_URL" \| gzip -9 > \/backup\/dump\.sql\.gz/);
    expect(dump.env[0]).toEqual({
      name: 'DATABASE_URL',
      value_from: { secret_key_ref: { name: 'mls-secrets', key: 'database-url' } },
    });
    expect(upload.command.join(' ')).toMatch(
      /aws s3 cp \/backup\/dump\.sql\.gz "s3:\/\/\$BUCKET\/\$key" --sse aws:kms/,
    );
    expect(upload.env).toEqual(
      expect.arrayContaining([
        { name: 'KEY_PREFIX', value: 'database/production/' },
        {
          name: 'BUCKET',
          value: expect.stringMatching(/^\$\{aws_s3_bucket\.backup-bucket_[0-9A-F]+\.bucket\}$/),
        },
      ]),
    );
    // Terraform would interpolate "${" inside the scripts.
    for (const c of [dump, upload]) expect(c.command.join(' ')).not.toContain('${');
  });

  it('runs both containers under the restricted security context', () => {
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, seccomp_profile: { type: 'RuntimeDefault' } });
    for (const c of [...pod.init_container, ...pod.container]) {
      expect(c.security_context).toMatchObject({
        allow_privilege_escalation: false,
        read_only_root_filesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.image).toMatch(/:[0-9][^:]*$/);
    }
  });

  it('uses a service account annotated with the IAM role (IRSA)', () => {
    const sa = resourceNamed(json, 'kubernetes_service_account_v1', 'db-backup');
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(
      /^\$\{aws_iam_role\.database-backup_role_[0-9A-F]+\.arn\}$/,
    );
    expect(pod.service_account_name).toMatch(/kubernetes_service_account_v1\.database-backup_service-account/);
  });

  it('trusts only that service account through the cluster OIDC provider', () => {
    const role = resourcesOf(json, 'aws_iam_role')[0];
    const trust = referenced(json, role.assume_role_policy).statement;
    const issuer = 'oidc.eks.us-east-1.amazonaws.com/id/PRODUCTION0000000000000000000000';
    expect(trust).toEqual([
      {
        effect: 'Allow',
        actions: ['sts:AssumeRoleWithWebIdentity'],
        principals: [{ type: 'Federated', identifiers: [`arn:aws:iam::123456789012:oidc-provider/${issuer}`] }],
        condition: [
          {
            test: 'StringEquals',
            variable: `${issuer}:sub`,
            values: [
              expect.stringMatching(
                /^system:serviceaccount:\$\{kubernetes_namespace_v1\.service-namespace_[0-9A-F]+\.metadata\[0\]\.name\}:db-backup$/,
              ),
            ],
          },
          { test: 'StringEquals', variable: `${issuer}:aud`, values: ['sts.amazonaws.com'] },
        ],
      },
    ]);
  });

  it('may put objects under its prefix and use the key, and nothing else', () => {
    const policy = resourcesOf(json, 'aws_iam_role_policy')[0];
    const statements = referenced(json, policy.policy).statement;
    expect(statements).toEqual([
      {
        sid: 'PutObjects',
        effect: 'Allow',
        actions: ['s3:PutObject'],
        resources: [
          expect.stringMatching(/^\$\{aws_s3_bucket\.backup-bucket_[0-9A-F]+\.arn\}\/database\/production\/\*$/),
        ],
      },
      {
        sid: 'UseKey',
        effect: 'Allow',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [expect.stringMatching(/^\$\{aws_kms_key\.backup-bucket_key_[0-9A-F]+\.arn\}$/)],
      },
    ]);
  });

  it('may reach only the database and HTTPS', () => {
    const egress = resourceNamed(json, 'kubernetes_network_policy_v1', 'allow-db-backup-egress').spec;
    expect(egress.pod_selector).toEqual({ match_labels: { app: 'db-backup' } });
    expect(egress.egress).toEqual([
      { to: [{ ip_block: { cidr: '10.20.32.0/20' } }], ports: [{ port: '5432', protocol: 'TCP' }] },
      { to: [{ ip_block: { cidr: '0.0.0.0/0' } }], ports: [{ port: '443', protocol: 'TCP' }] },
    ]);
  });
});
