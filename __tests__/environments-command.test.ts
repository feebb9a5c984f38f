/**
 * bin/environments.ts, the workflows' one list of environments: every mode,
 * and the refusals.
 */
import { deployedCommitKey, run } from '../bin/environments';
import { ENVIRONMENTS } from '../environments';
import { environmentName } from '../environments/validate';
import { source } from './helpers';

function call(args: string[], edit?: Parameters<typeof source>[1]) {
  const out: string[] = [];
  const err: string[] = [];
  // A fixed pair, so that adding an environment to the project changes none of these lines.
  const sources = [source('staging'), source('production', edit)];
  const code = run(
    args,
    sources,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the environments list', () => {
  it('lists environments/index.ts when given no list', () => {
    const out: string[] = [];
    expect(run([], undefined, (l) => out.push(l))).toBe(0);
    expect(JSON.parse(out[0])).toEqual(ENVIRONMENTS.map((e) => environmentName(e.settings)));
  });

  it.each<[string[], string]>([
    [[], '["staging","production"]'],
    [['--deploy-on-merge'], '["staging"]'],
    [['--preview-approval'], '["production"]'],
    [['--only', 'staging'], '["staging"]'],
    [
      ['--state', 'production'],
      '{"bucket":"catbird-terraform-state","region":"us-east-1","key":"production/terraform.tfstate","lockKey":"production/terraform.tfstate.tflock","deployedCommitKey":"production/deployed-commit"}',
    ],
  ])('%j prints %s', (args, printed) => {
    expect(call(args)).toEqual({ code: 0, out: printed, err: '' });
  });

  it('lets an environment file say its previews need no approval, or that they do', () => {
    expect(call(['--preview-approval'], (s) => (s.previewApproval = false)).out).toBe('[]');
    expect(call(['--preview-approval'], (s) => (s.protect = false)).out).toBe('[]');
    expect(call(['--preview-approval'], (s) => Object.assign(s, { protect: false, previewApproval: true })).out).toBe(
      '["production"]',
    );
  });

  it.each<[string[], string]>([
    [['--only'], '--only needs an environment name'],
    [['--state'], '--state needs an environment name'],
    [['--deploy-on-merge', 'x'], 'unexpected argument "x"'],
    [['--deploy-on-merge=1'], '--deploy-on-merge takes no value'],
    [['--everything'], 'unknown option "--everything"'],
    [['a', 'b'], 'unexpected argument "a"'],
    [['--only', 'staging', '--state', 'staging'], 'give one flag at most (got --only, --state)'],
    [['--only', 'staging', '--only', 'production'], '--only is given twice'],
  ])('refuses %j, naming the argument, with the usage', (args, why) => {
    const res = call(args);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(new RegExp(`^error: ${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\nusage: `));
  });

  it('names the environments of another list that are no longer here (E17)', () => {
    expect(call(['--removed-from', '["staging","production","qa"]'])).toEqual({ code: 0, out: '["qa"]', err: '' });
    expect(call(['--removed-from', '["staging"]'])).toEqual({ code: 0, out: '[]', err: '' });
    expect(call(['--removed-from', 'staging'])).toEqual({
      code: 2,
      out: '',
      err: 'error: --removed-from takes a JSON list of environment names, such as ["staging","production"] (got staging)',
    });
  });

  it('names an unknown environment', () => {
    expect(call(['--state', 'prod'])).toEqual({
      code: 1,
      out: '',
      err: 'error: no environment "prod"; environments: staging, production',
    });
  });

  it('keeps the deployed commit beside the state, under its prefix', () => {
    expect(deployedCommitKey('production/terraform.tfstate')).toBe('production/deployed-commit');
    expect(deployedCommitKey('a/b/state.tfstate')).toBe('a/b/deployed-commit');
    expect(deployedCommitKey('terraform.tfstate')).toBe('deployed-commit');
  });
});
