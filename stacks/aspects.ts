/**
 * Invariants every stack must hold: per construct as cdktf Aspects (a
 * violation is an error annotation, which fails synth), and across the
 * rendered stack (grants before their use), checked once on the rendering
 * synth writes (stacks/app.ts `checkInvariants`).
 */
import { Annotations, IAspect, TerraformResource } from 'cdktf';
import { IConstruct } from 'constructs';
import { PREVENT_DESTROY_TYPES } from '../core/protection';

/** In a protected environment, every resource of a protected type refuses destroy. */
export class PreventDestroy implements IAspect {
  constructor(private readonly protect: boolean) {}

  public visit(node: IConstruct): void {
    if (!this.protect || !(node instanceof TerraformResource)) return;
    const type = node.terraformResourceType;
    if ((PREVENT_DESTROY_TYPES as readonly string[]).includes(type) && node.lifecycle?.preventDestroy !== true) {
      Annotations.of(node).addError(
        `${type} ${node.friendlyUniqueId} has no prevent_destroy, but the environment is protected: losing it loses data or takes the service down`,
      );
    }
  }
}

/** A resource as the checks read it: its address, what it references and what it depends on. */
interface Node {
  readonly address: string;
  readonly type: string;
  readonly text: string;
  readonly config: Record<string, unknown>;
  readonly dependsOn: ReadonlySet<string>;
}

/**
 * Grants that must exist before their use, because the cloud checks them at
 * the moment of use: a workload that assumes an IAM role must wait for the
 * role's policies (its first calls would fail), and S3 server access logging
 * must wait for the target bucket's policy, public-access block and
 * ownership controls (S3 refuses InvalidTargetBucketForLogging otherwise).
 */
const GRANTS: readonly {
  readonly what: string;
  /** The addresses a node uses that need grants. */
  readonly uses: (node: Node) => string[];
  /** The grants of a used address. */
  readonly grants: (used: string, all: readonly Node[]) => string[];
}[] = [
  {
    what: 'the IAM role',
    uses: (node) => (node.type.startsWith('aws_iam_') ? [] : referencesTo(node.text, 'aws_iam_role', 'arn')),
    grants: (role, all) =>
      all
        .filter((n) => /^aws_iam_role_policy(_attachment)?$/.test(n.type) && references(n.config.role, role))
        .map((n) => n.address),
  },
  {
    what: 'the target bucket',
    uses: (node) =>
      node.type === 'aws_s3_bucket_logging'
        ? referencesTo(JSON.stringify(node.config.target_bucket), 'aws_s3_bucket')
        : [],
    grants: (bucket, all) =>
      all
        .filter(
          (n) =>
            ['aws_s3_bucket_policy', 'aws_s3_bucket_public_access_block', 'aws_s3_bucket_ownership_controls'].includes(
              n.type,
            ) && references(n.config.bucket, bucket),
        )
        .map((n) => n.address),
  },
];

/** Addresses `type.name` that `text` references (through `attribute`, when given). */
function referencesTo(text: string, type: string, attribute?: string): string[] {
  const found = text.matchAll(new RegExp(`\\$\\{${type}\\.([A-Za-z0-9_-]+)\\.${attribute ?? '[a-z_]+'}\\b`, 'g'));
  return [...new Set([...found].map((m) => `${type}.${m[1]}`))];
}

function references(value: unknown, address: string): boolean {
  return JSON.stringify(value ?? null).includes(`\${${address}.`);
}

/** The rendering of a stack as synth writes it (`TerraformStack.toTerraform()`). */
export type Rendering = { readonly resource?: Record<string, Record<string, Record<string, unknown>>> };

/** Every resource of a rendered stack. */
function nodesOf(rendered: Rendering): Node[] {
  return Object.entries(rendered.resource ?? {}).flatMap(([type, byId]) =>
    Object.entries(byId).map(([id, config]) => ({
      address: `${type}.${id}`,
      type,
      text: JSON.stringify(config),
      config,
      dependsOn: new Set((config.depends_on as string[] | undefined) ?? []),
    })),
  );
}

/** Every use of a grant that does not depend on the grant, as an error per use. */
export function grantOrderProblems(nodes: readonly Node[]): string[] {
  return nodes.flatMap((node) =>
    GRANTS.flatMap((rule) =>
      rule.uses(node).flatMap((used) => {
        const missing = rule
          .grants(used, nodes)
          .filter((grant) => !node.dependsOn.has(grant))
          .sort();
        return missing.length === 0
          ? []
          : [
              `${node.address} uses ${rule.what} ${used} but does not depend on ${missing.join(', ')}: it could run before the grant exists`,
            ];
      }),
    ),
  );
}

/** Grants exist before their use (see GRANTS): the problems of one rendered stack. */
export function grantProblems(rendered: Rendering): string[] {
  return grantOrderProblems(nodesOf(rendered));
}
