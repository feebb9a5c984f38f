/**
 * cdktf's token creation stacks, left empty (stacks/token-stacks.ts): a
 * plain object's trace is neither collected nor formatted; an Error's is.
 */
import { captureLeftEmpty, tokenStacksLeftEmpty } from '../stacks/token-stacks';

describe('captureLeftEmpty', () => {
  const withFormatter = (format: ErrorConstructor['prepareStackTrace'], fn: () => void) => {
    const before = Error.prepareStackTrace;
    Error.prepareStackTrace = format;
    try {
      fn();
    } finally {
      Error.prepareStackTrace = before;
    }
  };

  it('gives a plain object an empty stack without collecting one, while a formatter above is in place', () => {
    const previous = jest.fn();
    const target: { stack?: string } = {};
    withFormatter(tokenStacksLeftEmpty(undefined as unknown as ErrorConstructor['prepareStackTrace']), () =>
      captureLeftEmpty(previous)(target),
    );
    expect(target.stack).toBe('');
    expect(previous).not.toHaveBeenCalled();
  });

  it('captures a plain object as before under another formatter: a library reading its caller’s frames', () => {
    const target: { stack?: unknown } = {};
    let stack: unknown;
    withFormatter(
      (_error, frames) => frames,
      () => {
        captureLeftEmpty(Error.captureStackTrace)(target);
        stack = target.stack; // formatted when first read
      },
    );
    expect(Array.isArray(stack) && stack.length > 0).toBe(true);
  });

  it('captures an Error’s trace as before, below the function it names', () => {
    const previous = jest.fn();
    const error = new Error('x');
    const below = () => undefined;
    captureLeftEmpty(previous)(error, below);
    expect(previous).toHaveBeenCalledWith(error, below);
  });

  it('with the real capture, an Error keeps its frames', () => {
    const error = new Error('x');
    captureLeftEmpty(Error.captureStackTrace)(error);
    expect(error.stack).toContain('token-stacks.test.ts');
  });
});

describe('tokenStacksLeftEmpty', () => {
  const frames = [{ toString: () => 'f (a.ts:1:1)' }] as unknown as NodeJS.CallSite[];

  it('formats a plain object’s trace as nothing, an Error’s as V8 would', () => {
    const format = tokenStacksLeftEmpty(undefined as unknown as ErrorConstructor['prepareStackTrace']);
    expect(format({} as Error, frames)).toBe('');
    expect(format(new Error('boom'), frames)).toBe('Error: boom\n    at f (a.ts:1:1)');
  });
});
