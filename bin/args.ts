/**
 * The commands' one argument parser: `node:util`'s parseArgs, strict, with
 * its errors said the same way in every command (`unknown option "--x"`,
 * `--service needs a service name`, `--service is given twice`,
 * `unexpected argument "x"`) and never as a stack trace.
 */
import { parseArgs } from 'node:util';

/** Bad arguments: the message names the argument; the command prints it and its usage, and exits 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** What a string option's value is, for "--x needs …". @default 'a value' */
  readonly value?: string;
  /** The option may be given more than once (its values in order). @default false */
  readonly multiple?: boolean;
  /** A one-letter alias (`-h`). @default none */
  readonly short?: string;
  /** An empty value (`--deployed ""`, as a workflow passes an unset variable) is a value. @default false */
  readonly mayBeEmpty?: boolean;
}

type Values<O extends Record<string, OptionSpec>> = {
  readonly [K in keyof O]?: O[K]['type'] extends 'boolean' ? true : O[K]['multiple'] extends true ? string[] : string;
};

export interface ParsedArgs<O extends Record<string, OptionSpec>> {
  readonly values: Values<O>;
  readonly positionals: string[];
}

/** The message of one of parseArgs's errors, in the commands' words. */
function said(e: Error & { code?: string }, options: Readonly<Record<string, OptionSpec>>): string {
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  const name = /--([\w-]+)/.exec(quoted)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option "${quoted}"`;
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument "${quoted}"`;
  if (name && options[name]?.type === 'boolean') return `--${name} takes no value`;
  if (name) return `--${name} needs ${options[name]?.value ?? 'a value'}`;
  return e.message.split('\n')[0]!;
}

/**
 * Parses `args` against `options`, allowing positionals. A string option
 * given twice (unless `multiple`) or with an empty value, or a value that
 * looks like an option, is refused by name.
 */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(
  args: readonly string[],
  options: O,
): ParsedArgs<O> {
  const config = Object.fromEntries(
    Object.entries(options).map(([name, o]) => [
      name,
      { type: o.type, multiple: o.type === 'string', ...(o.short ? { short: o.short } : {}) },
    ]),
  );
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options: config, allowPositionals: true, strict: true });
  } catch (e) {
    // By code, not `instanceof TypeError`: the error may come from another realm (a test's VM).
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw e;
    throw new UsageError(said(e as Error & { code: string }, options));
  }
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(options)) {
    const value = parsed.values[name];
    if (value === undefined) continue;
    if (o.type === 'boolean') {
      values[name] = true;
      continue;
    }
    const given = value as string[];
    if (given.some((v) => (v === '' && !o.mayBeEmpty) || v.startsWith('-'))) {
      throw new UsageError(`--${name} needs ${o.value ?? 'a value'}`);
    }
    if (!o.multiple && given.length > 1) throw new UsageError(`--${name} is given twice`);
    values[name] = o.multiple ? given : given[0];
  }
  return { values: values as Values<O>, positionals: parsed.positionals };
}
