import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { PropsError } from './props-error';

export interface IrsaRoleProps {
  /** IAM role name. */
  readonly roleName: string;
  readonly description: string;
  /** IAM OIDC provider ARN of the cluster. */
  readonly oidcProviderArn: string;
  /** Namespace and name of the one service account that may assume the role. */
  readonly namespace: string;
  readonly serviceAccount: string;
  /** What the role may do (an inline policy). */
  readonly statements: DataAwsIamPolicyDocumentStatement[];
}

/** An IAM role for one Kubernetes service account (IAM Roles for Service Accounts). */
export class IrsaRole extends Construct {
  public readonly roleArn: string;
  /**
   * The role's permissions. A workload that assumes the role depends on it,
   * so it never starts with a role that may do nothing yet.
   */
  public readonly policy: IamRolePolicy;

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
    const permissions = new DataAwsIamPolicyDocument(this, 'permissions', { statement: props.statements });
    this.policy = new IamRolePolicy(this, 'policy', {
      name: `${props.serviceAccount}-access`,
      role: role.id,
      policy: permissions.json,
    });
    this.roleArn = role.arn;
  }
}
