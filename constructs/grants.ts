import type { DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import type { ITerraformDependable } from 'cdktf';

/**
 * Something that can be granted permissions: an IAM identity whose policy
 * takes statements (aws-cdk's IGrantable, reduced to what we use).
 */
export interface IGrantable {
  /** Adds a statement to the identity's policy. */
  addToPolicy(statement: DataAwsIamPolicyDocumentStatement): void;
  /**
   * What a workload using the identity must wait for: its permissions.
   * A pod that starts before its role may do anything fails its first calls.
   */
  readonly grants: ITerraformDependable[];
}
