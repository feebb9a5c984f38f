import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { PropsError } from '../core/errors';
import type { IGrantable } from './grants';

export interface IrsaRoleProps {
  /** IAM role name. */
  readonly roleName: string;
  readonly description: string;
  /** IAM OIDC provider ARN of the cluster. */
  readonly oidcProviderArn: string;
  /** Namespace and name of the one service account that may assume the role. */
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * An IAM role for one Kubernetes service account (IAM Roles for Service
 * Accounts). It starts with no permissions; grants add them (for example
 * `SecureBucket.grantPut`) as statements of one inline policy.
 */
export class IrsaRole extends Construct implements IGrantable {
  public readonly roleArn: string;
  /**
   * The role's permissions. A workload that assumes the role depends on it,
   * so it never starts with a role that may do nothing yet.
   */
  public readonly policy: IamRolePolicy;
  public readonly grants: ITerraformDependable[];
  private readonly statements: DataAwsIamPolicyDocumentStatement[] = [];
  private readonly permissions: DataAwsIamPolicyDocument;

  constructor(scope: Construct, id: string, props: IrsaRoleProps) {
    super(scope, id);
    const issuer = /:oidc-provider\/(.+)$/.exec(props.oidcProviderArn)?.[1];
    if (!issuer) {
      throw new PropsError(
        'IrsaRole',
        'oidcProviderArn',
        `is not an IAM OIDC provider ARN (got "${props.oidcProviderArn}")`,
      );
    }
    const trust = new DataAwsIamPolicyDocument(this, 'trust', {
      statement: [
        {
          effect: 'Allow',
          actions: ['sts:AssumeRoleWithWebIdentity'],
          principals: [{ type: 'Federated', identifiers: [props.oidcProviderArn] }],
          condition: [
            {
              test: 'StringEquals',
              variable: `${issuer}:sub`,
              values: [`system:serviceaccount:${props.namespace}:${props.serviceAccount}`],
            },
            { test: 'StringEquals', variable: `${issuer}:aud`, values: ['sts.amazonaws.com'] },
          ],
        },
      ],
    });
    const role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: trust.json,
      maxSessionDuration: 3600,
    });
    this.permissions = new DataAwsIamPolicyDocument(this, 'permissions', { statement: [] });
    this.policy = new IamRolePolicy(this, 'policy', {
      name: `${props.serviceAccount}-access`,
      role: role.id,
      policy: this.permissions.json,
    });
    this.roleArn = role.arn;
    this.grants = [this.policy];
  }

  /**
   * Adds a statement. One with the same sid, effect and actions as an earlier
   * one widens that one's resources instead (IAM refuses two statements of
   * one sid), so granting the same thing twice gives one statement.
   */
  public addToPolicy(statement: DataAwsIamPolicyDocumentStatement): void {
    const same = this.statements.findIndex((s) => s.sid === statement.sid);
    const existing = this.statements[same];
    if (existing && existing.effect === statement.effect && `${existing.actions}` === `${statement.actions}`) {
      const resources = [...new Set([...(existing.resources ?? []), ...(statement.resources ?? [])])];
      this.statements[same] = { ...existing, resources };
    } else if (existing) {
      throw new PropsError('IrsaRole', `statement "${statement.sid}"`, 'is already in the policy with other actions');
    } else {
      this.statements.push(statement);
    }
    this.permissions.putStatement([...this.statements]);
  }
}
