/** The formatters below: a capture is skipped only while one of them would format it. */
const formatters = new WeakSet<object>();

/**
 * cdktf records a full stack trace (every frame, as strings) for each token
 * it creates, only to quote it should the token fail to resolve. Nothing
 * here reads them, and they are costly: a fifth of synth's memory at 200
 * services, and under jest, where each goes through source-map-support, a
 * quarter of a construct test's time. This formatter leaves the stack of a
 * plain object (what cdktf captures) empty and formats a real Error as
 * `previous` would, so no error loses its trace.
 */
export function tokenStacksLeftEmpty(
  previous: ErrorConstructor['prepareStackTrace'],
): NonNullable<ErrorConstructor['prepareStackTrace']> {
  const format: NonNullable<ErrorConstructor['prepareStackTrace']> = (error, frames) => {
    if (!(error instanceof Error)) return '';
    if (previous) return previous(error, frames);
    return [String(error), ...frames.map((frame) => `    at ${frame}`)].join('\n');
  };
  formatters.add(format);
  return format;
}

/**
 * `Error.captureStackTrace` that gives a plain object an empty stack without
 * collecting its frames, when the formatter in place is one of the above and
 * would format them as nothing: the result is the same, without the work.
 * cdktf captures every frame (no depth limit) for each token, and under
 * jest, whose stacks are deep, collecting them was about 4 % of the unit
 * suite's CPU. An Error, or a capture under another formatter (a library
 * reading its caller's frames), is captured as `previous` would.
 */
export function captureLeftEmpty(
  previous: ErrorConstructor['captureStackTrace'],
): ErrorConstructor['captureStackTrace'] {
  return (target, constructorOpt) => {
    if (target instanceof Error || !formatters.has(Error.prepareStackTrace ?? {})) previous(target, constructorOpt);
    else (target as { stack?: string }).stack = '';
  };
}
