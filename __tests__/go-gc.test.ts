import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEST_GOGC, tuneGoGc } from '../tooling/go-gc';
import { ROOT } from '../environments/root';

describe('GOGC for the Go programs of the gate and the cluster test', () => {
  it('is set to 400 where nothing set it', () => {
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin' };
    tuneGoGc(env);
    expect(env).toEqual({ PATH: '/usr/bin', GOGC: '400' });
    expect(TEST_GOGC).toBe('400');
  });

  it('keeps what the caller set, "off" included', () => {
    for (const own of ['100', 'off']) {
      const env: NodeJS.ProcessEnv = { GOGC: own };
      tuneGoGc(env);
      expect(env.GOGC).toBe(own);
    }
  });

  it.each([
    ['npm run validate', 'tooling/validate.ts'],
    ['npm run test:cluster (before its workers start)', '__tests__/cluster/global-setup.ts'],
    ['npm run cluster -- --keep', 'tooling/cluster/harness.ts'],
  ])('is set by %s', (_command, file) => {
    expect(readFileSync(join(ROOT, file), 'utf8')).toMatch(/^\s+tuneGoGc\(\);$/m);
  });
});
