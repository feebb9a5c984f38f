/**
 * What the gate makes of checkov's JSON report, and the copies it scans.
 * checkov 3.3's terraform_json parser fails a whole file on a `terraform`
 * block with `required_version` (as on a top-level `removed` list) and then
 * reports "0 failed" with a parsing error, which read as a pass: a report
 * with a parsing error, or with nothing checked, fails the gate here.
 */

/** One report of checkov's `-o json` (a list when it ran more than one framework). */
interface CheckovReport {
  readonly check_type?: string;
  readonly summary?: { readonly passed: number; readonly failed: number; readonly parsing_errors: number };
  readonly results?: {
    readonly failed_checks?: readonly {
      readonly check_id: string;
      readonly check_name: string;
      readonly resource: string;
      readonly file_path: string;
    }[];
  };
}

export interface CheckovVerdict {
  /** Checks that failed: the check's id, the file, and `check resource (file): name`. */
  readonly failed: readonly { readonly check: string; readonly file: string; readonly line: string }[];
  readonly passed: number;
  /** Why the report cannot be trusted, if it cannot. */
  readonly unusable?: string;
}

/** The verdict of checkov's `-o json` output. */
export function checkovVerdict(output: unknown): CheckovVerdict {
  const reports: readonly CheckovReport[] = Array.isArray(output) ? output : [output as CheckovReport];
  const summaries = reports.flatMap((r) => (r?.summary ? [r.summary] : []));
  const passed = summaries.reduce((n, s) => n + s.passed, 0);
  const failed = reports.flatMap((r) =>
    (r.results?.failed_checks ?? []).map((c) => ({
      check: c.check_id,
      file: c.file_path,
      line: `${c.check_id} ${c.resource.replace(/^resource\./, '')} (${c.file_path}): ${c.check_name}`,
    })),
  );
  const parsingErrors = summaries.reduce((n, s) => n + s.parsing_errors, 0);
  const unusable =
    parsingErrors > 0
      ? `checkov could not parse ${parsingErrors} file(s), so nothing in them was checked (its log above names them)`
      : passed + failed.length === 0
        ? 'checkov checked nothing'
        : undefined;
  return { failed, passed, unusable };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized Terraform JSON */
/** A stack as checkov 3.3 can parse it: without what it cannot read, which holds no resource. */
export function scannable(stack: any): { json: any; setAside: string[] } {
  const { removed, terraform, ...rest } = stack;
  const { required_version: requiredVersion, ...settings } = terraform ?? {};
  const setAside = [
    ...(removed ? [`${removed.length} removed blocks`] : []),
    ...(requiredVersion ? ['terraform.required_version'] : []),
  ];
  return { json: terraform ? { ...rest, terraform: settings } : rest, setAside };
}

/** The planted defect the scan must catch: the backup buckets' public access blocks let ACLs through. */
export function plantedPublicAcls(stack: any): any {
  const planted = structuredClone(stack);
  const blocks = planted.resource?.aws_s3_bucket_public_access_block ?? {};
  if (Object.keys(blocks).length === 0) throw new Error('the planted stack has no aws_s3_bucket_public_access_block');
  for (const block of Object.values<any>(blocks)) block.block_public_acls = false;
  return planted;
}
