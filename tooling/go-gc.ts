/**
 * The garbage collector setting of the Go programs the gate and the cluster
 * test run: Terraform and its providers, helm, amtool, promtool, and the
 * cluster's etcd, API servers, controller managers, schedulers and kwok.
 *
 * Most of them live seconds and allocate a large heap at once (each
 * Terraform command starts the AWS provider three times, and every start
 * builds the schemas of its 1,358 resource and 556 data source types), so
 * Go's default (`GOGC=100`: collect when the heap doubles) collects again
 * and again while they start. Measured on the cluster test's working directory
 * (2 cores): a refreshed `terraform plan` of production 14.3 CPU-s at the
 * default, 10.1 to 12.4 at 400; `terraform validate` 4.8 and 3.4; the
 * largest process grows from about 240 to 430 MB. What the programs do does
 * not change, only when they collect.
 */

/** GOGC for the tests' Go programs. */
export const TEST_GOGC = '400';

/**
 * Sets GOGC in this process's environment, which every program it starts
 * inherits, unless it is set already (a run that sets its own keeps it).
 */
export function tuneGoGc(env: NodeJS.ProcessEnv = process.env): void {
  env.GOGC ??= TEST_GOGC;
}
