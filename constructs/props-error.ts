/**
 * A construct was given props it cannot build. The message names the prop
 * and the bad value, so the program can print it without a stack trace.
 */
export class PropsError extends Error {
  constructor(
    public readonly construct: string,
    public readonly prop: string,
    problem: string,
  ) {
    super(`${construct}: ${prop} ${problem}`);
    this.name = 'PropsError';
    this.problem = `${prop} ${problem}`;
  }

  /** The prop and what is wrong with it, without the construct. */
  public readonly problem: string;
}
