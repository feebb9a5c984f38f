/**
 * Terraform's behaviour with the replica handling BlueGreenService emits,
 * run through a real `terraform plan`.
 *
 * The kubernetes provider cannot be downloaded here, so each Deployment is
 * stood in for by Terraform's built-in `terraform_data`, whose `input` holds
 * the same `spec[0].replicas` string. What the provider contributes is
 * documented in its source: `spec.replicas` is an optional, computed string
 * that is read back from the cluster on refresh. The state is edited to what
 * that refresh returns after the HPA scaled, and the plan runs with
 * -refresh=false. The lifecycle and the precondition are taken from the
 * construct's synthesized output, so a change to the construct changes what
 * is proved here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { BlueGreenService } from '../../features/service/blue-green-service';
import type { Colour } from '../../core/colours';
import { API_SERVICE } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
const ENV = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };

const synthCache = new Map<Colour, ReturnType<typeof synthesizeFor>>();

/** The construct's Deployments and main Service, keyed by colour / 'service' (synthesized once per live colour). */
function synthesized(live: Colour) {
  if (!synthCache.has(live)) synthCache.set(live, synthesizeFor(live));
  return synthCache.get(live)!;
}

function synthesizeFor(live: Colour) {
  const json = JSON.parse(Testing.synthScope((s) => new BlueGreenService(s, 'api', { ...API_SERVICE, live })));
  const deployments = Object.entries(json.resource.kubernetes_deployment_v1 as Record<string, any>);
  const byColour = (c: Colour) => deployments.find(([, d]) => d.metadata.name === `api-${c}`)!;
  const service = Object.values(json.resource.kubernetes_service_v1 as Record<string, any>).find(
    (s) => s.metadata.name === 'api',
  );
  return { blue: byColour('blue'), green: byColour('green'), service };
}

/** Terraform JSON with terraform_data stand-ins carrying the construct's lifecycle and precondition. */
function standIns(live: Colour, replicas: Record<Colour, string>, withLifecycle = true) {
  const s = synthesized(live);
  const resource: Record<string, any> = {};
  for (const colour of ['blue', 'green'] as const) {
    const [, deployment] = s[colour];
    const ignore: string[] = deployment.lifecycle?.ignore_changes ?? [];
    resource[colour] = {
      input: { spec: [{ replicas: replicas[colour] }] },
      ...(withLifecycle && ignore.length > 0
        ? { lifecycle: { ignore_changes: ignore.map((path) => `input.${path}`) } }
        : {}),
    };
  }
  const precondition = s.service.lifecycle.precondition.map((p: any) => {
    let condition: string = p.condition;
    for (const colour of ['blue', 'green'] as const) {
      condition = condition.replace(
        `kubernetes_deployment_v1.${s[colour][0]}.spec`,
        `terraform_data.${colour}.input.spec`,
      );
    }
    return { condition, error_message: p.error_message };
  });
  resource.service = {
    input: { selector: s.service.spec.selector },
    ...(withLifecycle ? { lifecycle: { precondition } } : {}),
  };
  return { resource: { terraform_data: resource } };
}

let dir: string;
const tf = (...args: string[]) => spawnSync('terraform', args, { cwd: dir, env: ENV, encoding: 'utf8' });

/** Applies `initial`, sets the replica counts the cluster would report, then plans `next`. */
function planAfterDrift(initial: object, reported: Partial<Record<Colour, string>>, next: object) {
  rmSync(join(dir, 'terraform.tfstate'), { force: true });
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(initial));
  execFileSync('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], {
    cwd: dir,
    env: ENV,
    stdio: 'pipe',
  });
  const state = JSON.parse(readFileSync(join(dir, 'terraform.tfstate'), 'utf8'));
  for (const r of state.resources) {
    const replicas = reported[r.name as Colour];
    if (replicas) r.instances[0].attributes.input.value.spec[0].replicas = replicas;
  }
  state.serial += 1;
  writeFileSync(join(dir, 'terraform.tfstate'), JSON.stringify(state));
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(next));
  const plan = tf('plan', '-refresh=false', '-detailed-exitcode', '-input=false', '-no-color');
  return { code: plan.status, output: `${plan.stdout}${plan.stderr}` };
}

(hasTerraform ? describe : describe.skip)('replicas under an HPA, through terraform plan', () => {
  // One init for every case: the stand-ins use only Terraform's built-in
  // provider, so each case needs nothing but a fresh state file.
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpa-'));
    writeFileSync(join(dir, 'main.tf.json'), '{}');
    execFileSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env: ENV, stdio: 'pipe' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows no change after the HPA scaled the live colour', () => {
    const config = standIns('blue', { blue: '3', green: '3' });
    const plan = planAfterDrift(standIns('blue', { blue: '3', green: '3' }, false), { blue: '7' }, config);
    expect(plan.output).toContain('No changes.');
    expect(plan.code).toBe(0);
  });

  it('would fight the HPA without the construct’s ignore_changes (the control)', () => {
    const config = standIns('blue', { blue: '3', green: '3' }, false);
    const plan = planAfterDrift(config, { blue: '7' }, config);
    expect(plan.code).toBe(2);
    expect(plan.output).toMatch(/replicas = "7" -> "3"/);
  });

  it('still sets the idle colour’s count (stage and finish apply)', () => {
    const initial = standIns('blue', { blue: '3', green: '1' }, false);
    const plan = planAfterDrift(initial, {}, standIns('blue', { blue: '3', green: '3' }));
    expect(plan.code).toBe(2);
    expect(plan.output).toMatch(/replicas = "1" -> "3"/);
  });

  it('refuses, at plan time, to move traffic to a colour that is not at full size', () => {
    // green was idle at 1 replica; a switch that skipped staging it at full size:
    const initial = standIns('blue', { blue: '3', green: '1' }, false);
    const plan = planAfterDrift(initial, {}, standIns('green', { blue: '3', green: '3' }));
    expect(plan.code).toBe(1);
    expect(plan.output).toContain('Resource precondition failed');
    expect(plan.output).toContain('api-green must run at least 3 replicas before traffic moves to it');
  });

  it('moves traffic once the new colour runs at full size', () => {
    const initial = standIns('blue', { blue: '3', green: '3' }, false);
    const plan = planAfterDrift(initial, {}, standIns('green', { blue: '3', green: '3' }));
    expect(plan.code).toBe(2);
    expect(plan.output).toMatch(/version\s+= "blue" -> "green"/);
  });
});
