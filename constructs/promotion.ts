/**
 * How a service's switch of traffic is guarded: what the release analysis
 * gives the blue/green Service, which runs it without knowing it.
 */
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

/** A Terraform precondition (`lifecycle.precondition`). */
export interface Precondition {
  readonly condition: string;
  readonly error_message: string;
}

/** What a switch of traffic waits for, and what follows it. */
export interface Promotion {
  /** The live Service's promotion annotation: the analysis the switch passes, or why it skips one. */
  readonly summary: string;
  /**
   * Checks between the live colour's rollout and the switch: what the
   * Service waits for, and the preconditions it must meet. @default none
   */
  readonly beforeSwitch?: (
    scope: Construct,
    rollout: ITerraformDependable,
  ) => { readonly waitFor: ITerraformDependable[]; readonly preconditions: Precondition[] };
  /** Checks after the switch; the idle colour changes only after them. @default none */
  readonly afterSwitch?: (scope: Construct, service: ITerraformDependable) => ITerraformDependable[];
}
