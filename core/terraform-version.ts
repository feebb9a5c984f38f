/**
 * The oldest Terraform the stacks run on: 1.10, the first whose S3 backend
 * locks with a lock file beside the state (`use_lockfile`). The stacks
 * declare it (`required_version`), so Terraform itself refuses an older one
 * at init; the test command's prerequisites check names it before a run.
 */
export const TERRAFORM_MINIMUM = { major: 1, minor: 10 } as const;

/** The stacks' `terraform.required_version`. */
export const TERRAFORM_REQUIRED_VERSION = `>= ${TERRAFORM_MINIMUM.major}.${TERRAFORM_MINIMUM.minor}`;
