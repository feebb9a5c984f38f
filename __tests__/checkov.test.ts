/**
 * The gate's reading of checkov (tooling/checkov.ts): a report with a
 * parsing error or with nothing checked fails, whatever its failed count
 * says; the copies it scans drop only what checkov 3.3 cannot parse.
 */
import { checkovVerdict, plantedPublicAcls, scannable } from '../tooling/checkov';

const report = (summary: { passed: number; failed: number; parsing_errors: number }, failed: object[] = []) => ({
  check_type: 'terraform_json',
  summary,
  results: { failed_checks: failed },
});
const failedCheck = {
  check_id: 'CKV_AWS_53',
  check_name: 'Ensure S3 bucket has block public ACLS enabled',
  resource: 'resource.backup-bucket_public-access_B6B0FCDA',
  file_path: '/staging/cdk.tf.json',
};

describe('checkov verdict', () => {
  it('is unusable when a file could not be parsed, even with nothing failed (checkov 3.3 then says 0 failed)', () => {
    const v = checkovVerdict(report({ passed: 0, failed: 0, parsing_errors: 3 }));
    expect(v.unusable).toBe(
      'checkov could not parse 3 file(s), so nothing in them was checked (its log above names them)',
    );
  });

  it('is unusable when one file of several could not be parsed', () => {
    const v = checkovVerdict([
      report({ passed: 200, failed: 0, parsing_errors: 0 }),
      report({ passed: 0, failed: 0, parsing_errors: 1 }),
    ]);
    expect(v.unusable).toMatch(/could not parse 1 file/);
  });

  it('is unusable when nothing was checked', () => {
    expect(checkovVerdict([]).unusable).toBe('checkov checked nothing');
    expect(checkovVerdict(report({ passed: 0, failed: 0, parsing_errors: 0 })).unusable).toBe(
      'checkov checked nothing',
    );
  });

  it('names each failed check with its resource and file', () => {
    const v = checkovVerdict(report({ passed: 10, failed: 1, parsing_errors: 0 }, [failedCheck]));
    expect(v.unusable).toBeUndefined();
    expect(v.passed).toBe(10);
    expect(v.failed).toEqual([
      {
        check: 'CKV_AWS_53',
        file: '/staging/cdk.tf.json',
        line: 'CKV_AWS_53 backup-bucket_public-access_B6B0FCDA (/staging/cdk.tf.json): Ensure S3 bucket has block public ACLS enabled',
      },
    ]);
  });
});

describe('what checkov scans', () => {
  const stack = {
    terraform: { required_version: '>= 1.10', backend: { s3: { bucket: 'b' } } },
    removed: [{ from: 'x' }],
    resource: { aws_s3_bucket_public_access_block: { a: { block_public_acls: true }, b: { block_public_acls: true } } },
  };

  it('sets aside the removed blocks and required_version, and keeps the rest', () => {
    expect(scannable(stack)).toEqual({
      json: { terraform: { backend: { s3: { bucket: 'b' } } }, resource: stack.resource },
      setAside: ['1 removed blocks', 'terraform.required_version'],
    });
    expect(scannable({ resource: {} })).toEqual({ json: { resource: {} }, setAside: [] });
  });

  it('plants public ACLs on every public access block of a copy, and refuses a stack without one', () => {
    const planted = plantedPublicAcls(stack);
    expect(Object.values(planted.resource.aws_s3_bucket_public_access_block)).toEqual([
      { block_public_acls: false },
      { block_public_acls: false },
    ]);
    expect(stack.resource.aws_s3_bucket_public_access_block.a.block_public_acls).toBe(true);
    expect(() => plantedPublicAcls({ resource: {} })).toThrow('no aws_s3_bucket_public_access_block');
  });
});
