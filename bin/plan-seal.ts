/**
 * The saved plan between the deploy's plan job and its apply job, sealed:
 *
 *   node bin/ts.mjs bin/plan-seal.ts seal --context <env>:<sha>:<run> <plan> <sealed>
 *       prints the plan's SHA-256 (the plan job shows it to the reviewer)
 *   node bin/ts.mjs bin/plan-seal.ts open --context <env>:<sha>:<run> --sha256 <hex> <sealed> <plan>
 *       writes the plan only when it is authentic, sealed for this very
 *       environment, commit and run, and is the plan whose SHA-256 the
 *       reviewer saw
 *
 * AES-256-GCM (authenticated: a changed byte is refused, never decrypted to
 * something else), its key derived with HKDF-SHA-256 from the secret
 * PLAN_ENCRYPTION_KEY of the GitHub environment (one per environment) and a
 * random salt, the context bound as associated data. The plan holds no
 * secret value (docs/secrets.md); the seal is defence in depth and the
 * proof that what is applied is what was reviewed.
 *
 * Exit codes: 0 done, 1 refused, 2 usage.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError, parseCommandArgs } from './args';

const MAGIC = Buffer.from('MLSPLAN1');
const SALT = 16;
const IV = 12;
const TAG = 16;
/** The shortest secret accepted: `openssl rand -base64 48` gives 64 characters. */
export const MIN_SECRET_LENGTH = 32;

export class SealRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealRefused';
  }
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

function keyOf(secret: string, salt: Buffer, context: string): Buffer {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new SealRefused(
      `PLAN_ENCRYPTION_KEY must be at least ${MIN_SECRET_LENGTH} characters (openssl rand -base64 48)`,
    );
  }
  return Buffer.from(hkdfSync('sha256', secret, salt, `mls-platform saved plan\0${context}`, 32));
}

/** The sealed form of `plan`. */
export function seal(plan: Buffer, secret: string, context: string): Buffer {
  const salt = randomBytes(SALT);
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret, salt, context), iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plan), cipher.final()]);
  return Buffer.concat([MAGIC, salt, iv, body, cipher.getAuthTag()]);
}

/** The plan inside `sealed`; refuses anything changed, sealed for another context, or not the reviewed plan. */
export function open(sealed: Buffer, secret: string, context: string, expectedSha256: string): Buffer {
  if (sealed.length < MAGIC.length + SALT + IV + TAG || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new SealRefused('not a sealed plan');
  }
  const salt = sealed.subarray(MAGIC.length, MAGIC.length + SALT);
  const iv = sealed.subarray(MAGIC.length + SALT, MAGIC.length + SALT + IV);
  const body = sealed.subarray(MAGIC.length + SALT + IV, sealed.length - TAG);
  const decipher = createDecipheriv('aes-256-gcm', keyOf(secret, salt, context), iv);
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  let plan: Buffer;
  try {
    plan = Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new SealRefused(
      `the sealed plan fails authentication: it was changed, or sealed for another environment, commit or run than ${context}`,
    );
  }
  const digest = sha256(plan);
  if (digest !== expectedSha256.trim().toLowerCase()) {
    throw new SealRefused(`the plan's SHA-256 is ${digest}, not the reviewed ${expectedSha256.trim()}`);
  }
  return plan;
}

const USAGE = [
  'usage: node bin/ts.mjs bin/plan-seal.ts seal --context <env>:<sha>:<run> <plan> <sealed>',
  '       node bin/ts.mjs bin/plan-seal.ts open --context <env>:<sha>:<run> --sha256 <hex> <sealed> <plan>',
].join('\n');

export function runPlanSeal(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): number {
  let parsed;
  try {
    parsed = parseCommandArgs(args, {
      context: { type: 'string', value: '<env>:<sha>:<run>' },
      sha256: { type: 'string', value: 'the plan digest' },
    });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`error: ${e.message}\n${USAGE}`);
    return 2;
  }
  const [command, from, to, ...extra] = parsed.positionals;
  const { context, sha256: expected } = parsed.values;
  const complete = from && to && extra.length === 0 && context && (command === 'seal' || expected);
  if ((command !== 'seal' && command !== 'open') || !complete) {
    err(USAGE);
    return 2;
  }
  try {
    const secret = env.PLAN_ENCRYPTION_KEY ?? '';
    const input = readFileSync(from);
    if (command === 'seal') {
      writeFileSync(to, seal(input, secret, context));
      out(sha256(input));
    } else {
      writeFileSync(to, open(input, secret, context, expected!), { mode: 0o600 });
      out(`the plan is the reviewed one (SHA-256 ${expected})`);
    }
    return 0;
  } catch (e) {
    if (!(e instanceof SealRefused) && !(e instanceof Error && 'code' in e)) throw e;
    err(`error: ${e.message}`);
    return 1;
  }
}

export const main = (args: readonly string[]): number => runPlanSeal(args);
