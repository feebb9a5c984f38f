/**
 * A construct was given props it cannot build. The message names the prop
 * and the bad value, so the program can print it without a stack trace.
 */
export class PropsError extends Error {
  constructor(construct: string, prop: string, problem: string) {
    super(`${construct}: ${prop} ${problem}`);
    this.name = 'PropsError';
  }
}
