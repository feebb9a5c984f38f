/**
 * bin/environments.ts, the workflows' one list of environments: every mode,
 * and the refusals.
 */
import { deployedCommitKey, run } from '../bin/environments';
import { source } from './helpers';

function call(args: string[], edit?: Parameters<typeof source>[1]) {
  const out: string[] = [];
  const err: string[] = [];
  const sources = edit ? [source('staging'), source('production', edit)] : undefined;
  const code = run(
    args,
    sources,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the environments list', () => {
  it.each<[string[], string]>([
    [[], '["staging","production"]'],
    [['--deploy-on-merge'], '["staging"]'],
    [['--preview-approval'], '["production"]'],
    [['--only', 'staging'], '["staging"]'],
    [
      ['--state', 'production'],
      '{"bucket":"catbird-terraform-state","region":"us-east-1","deployedCommitKey":"production/deployed-commit"}',
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

  it.each<[string[]]>([[['--only']], [['--state']], [['--deploy-on-merge', 'x']], [['--everything']], [['a', 'b']]])(
    'refuses %j with the usage',
    (args) => {
      const res = call(args);
      expect(res.code).toBe(2);
      expect(res.err).toMatch(/^usage: /);
    },
  );

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
