/**
 * What the suites' configs share and what is the unit suite's own: its
 * global synth and its workers without V8's optimizing compiler
 * (setup-no-optimizer.ts), which the other suites leave out.
 */
import { join } from 'node:path';
import { ROOT } from '../environments/root';

/* eslint-disable @typescript-eslint/no-require-imports -- the configs are CommonJS */
const config = (name: string) => require(join(ROOT, name)) as Record<string, unknown>;

describe('the jest configs', () => {
  it('run the unit suite without the optimizing compiler, and only the unit suite', () => {
    expect(config('jest.config.js').setupFiles).toEqual(['<rootDir>/__tests__/setup-no-optimizer.ts']);
    for (const other of [
      'jest.e2e.config.js',
      'jest.mutation.config.js',
      'jest.cluster.config.js',
      'jest.prometheus.config.js',
    ])
      expect([other, config(other).setupFiles]).toEqual([other, undefined]);
  });

  it('turn the optimizer off in the worker that loads the setup file', () => {
    jest.isolateModules(() => {
      const flags = jest.requireActual<typeof import('node:v8')>('node:v8');
      const set = jest.spyOn(flags, 'setFlagsFromString').mockImplementation(() => undefined);
      try {
        require('./setup-no-optimizer');
        expect(set).toHaveBeenCalledWith('--no-opt');
      } finally {
        set.mockRestore();
      }
    });
  });
});
