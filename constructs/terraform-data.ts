/**
 * Terraform's built-in `terraform_data` resource: a value kept in state.
 *
 * Not cdktf's `DataResource`: that one adds a validation that runs
 * `terraform version` at every synth, once per resource, so synth fails with
 * a stack trace on a machine without Terraform (synth needs none) and starts
 * a process per record. Terraform checks its own version where it runs,
 * against the stack's `required_version` (stacks/environment-stack.ts).
 */
import { TerraformResource, anyToHclTerraform, anyToTerraform, hashMapper, hashMapperHcl } from 'cdktf';
import { Construct } from 'constructs';

export interface TerraformDataProps {
  /** Stored in state and reflected in `output` after apply. @default none */
  readonly input?: Record<string, unknown>;
  /** A change of it replaces the resource. @default none */
  readonly triggersReplace?: Record<string, unknown>;
}

export class TerraformData extends TerraformResource {
  private readonly props: TerraformDataProps;

  constructor(scope: Construct, id: string, props: TerraformDataProps = {}) {
    super(scope, id, {
      terraformResourceType: 'terraform_data',
      terraformGeneratorMetadata: { providerName: 'terraform' },
    });
    this.props = props;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return {
      input: hashMapper(anyToTerraform)(this.props.input),
      triggers_replace: hashMapper(anyToTerraform)(this.props.triggersReplace),
    };
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    return {
      input: hashMapperHcl(anyToHclTerraform)(this.props.input),
      triggers_replace: hashMapperHcl(anyToHclTerraform)(this.props.triggersReplace),
    };
  }
}
