/** The commands' one argument parser: what it accepts, and how it names what it refuses. */
import { UsageError, parseCommandArgs } from '../bin/args';

const OPTIONS = {
  service: { type: 'string', value: 'a service name' },
  removed: { type: 'string', multiple: true },
  deployed: { type: 'string', mayBeEmpty: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const refusal = (args: string[]) => {
  try {
    parseCommandArgs(args, OPTIONS);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  return 'accepted';
};

describe('parseCommandArgs', () => {
  it('takes both spellings of a value, repeated options, booleans and positionals in any order', () => {
    expect(parseCommandArgs(['prod', '--service', 'a', '--removed=x', 'b', '--removed', 'y', '-h'], OPTIONS)).toEqual({
      values: { service: 'a', removed: ['x', 'y'], help: true },
      positionals: ['prod', 'b'],
    });
    expect(parseCommandArgs(['--service=a'], OPTIONS).values.service).toBe('a');
    expect(parseCommandArgs(['--deployed', ''], OPTIONS).values.deployed).toBe('');
    expect(parseCommandArgs([], OPTIONS)).toEqual({ values: {}, positionals: [] });
  });

  it.each<[string[], string]>([
    [['--force'], 'unknown option "--force"'],
    [['-x'], 'unknown option "-x"'],
    [['--service'], '--service needs a service name'],
    [['--service', '--force'], '--service needs a service name'],
    [['--service='], '--service needs a service name'],
    [['--service=-x'], '--service needs a service name'],
    [['--removed'], '--removed needs a value'],
    [['--service', 'a', '--service', 'b'], '--service is given twice'],
    [['--help=yes'], '--help takes no value'],
  ])('refuses %j: %s', (args, message) => {
    expect(refusal(args)).toBe(message);
  });

  it('leaves the positionals to the command, which knows how many it takes', () => {
    expect(parseCommandArgs(['a', 'b'], {}).positionals).toEqual(['a', 'b']);
  });
});
