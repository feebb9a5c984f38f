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
  return (error, frames) => {
    if (!(error instanceof Error)) return '';
    if (previous) return previous(error, frames);
    return [String(error), ...frames.map((frame) => `    at ${frame}`)].join('\n');
  };
}

/**
 * `Error.captureStackTrace` that leaves a plain object's stack empty without
 * collecting its frames, which the formatter above then throws away: cdktf
 * captures every frame (no depth limit) for each token, and under jest, whose
 * stacks are deep, collecting them was 5 % of the unit suite's CPU. An
 * Error's trace is captured as `previous` would.
 */
export function captureLeftEmpty(
  previous: ErrorConstructor['captureStackTrace'],
): ErrorConstructor['captureStackTrace'] {
  return (target, constructorOpt) => {
    if (target instanceof Error) previous(target, constructorOpt);
    else (target as { stack?: string }).stack = '';
  };
}
