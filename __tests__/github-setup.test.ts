/**
 * docs/github-setup.md's policies say what the pipeline relies on: roles per
 * environment trusted only from that environment's GitHub environments, a
 * plan role that can write nothing (no lock either), and a main ruleset the
 * release bot alone bypasses. Read from the page's own JSON blocks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/* eslint-disable @typescript-eslint/no-explicit-any -- policy JSON */
const PAGE = readFileSync(join(__dirname, '..', 'docs', 'github-setup.md'), 'utf8');

/** The JSON block after `<!-- policy: name -->`. */
function policy(name: string): any {
  const at = PAGE.indexOf(`<!-- policy: ${name} -->`);
  if (at < 0) throw new Error(`docs/github-setup.md has no "${name}" policy`);
  const block = /```json\n([\s\S]*?)\n```/.exec(PAGE.slice(at));
  return JSON.parse(block![1]!);
}

const actions = (doc: any): string[] =>
  doc.Statement.flatMap((s: any) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const subjects = (doc: any): string[] =>
  doc.Statement.flatMap((s: any) => [s.Condition.StringEquals['token.actions.githubusercontent.com:sub']].flat());

describe('roles per environment', () => {
  it('trusts the plan role only from the environment’s preview and read environments', () => {
    const trust = policy('plan-role-trust');
    expect(subjects(trust)).toEqual([
      'repo:OWNER/REPO:environment:ENV-preview',
      'repo:OWNER/REPO:environment:ENV-read',
    ]);
    expect(JSON.stringify(trust)).not.toMatch(/StringLike|\*|pull_request|ref:refs/);
  });

  it('trusts the deploy role only from the environment itself', () => {
    expect(subjects(policy('deploy-role-trust'))).toEqual(['repo:OWNER/REPO:environment:ENV']);
  });

  it('lets a plan role write nothing: no state, no lock, no deployed commit', () => {
    const granted = actions(policy('plan-role-state'));
    expect(granted.sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket']);
  });

  it('limits both roles to their environment’s keys', () => {
    for (const name of ['plan-role-state', 'deploy-role-state']) {
      const resources = policy(name).Statement.flatMap((s: any) => [s.Resource].flat());
      for (const r of resources.filter((x: string) => x.includes(':s3:::STATE_BUCKET/'))) {
        expect(r).toMatch(/^arn:aws:s3:::STATE_BUCKET\/ENV\//);
      }
    }
    const deploy = actions(policy('deploy-role-state'));
    expect(deploy).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject']));
    expect([...deploy, ...actions(policy('plan-role-state'))]).not.toContain('secretsmanager:GetSecretValue');
  });
});

describe('rulesets', () => {
  it('lets only the release bot bypass main, and requires a code owner’s review and the CI check', () => {
    const main = policy('main-ruleset');
    expect(main.bypass_actors).toEqual([
      { actor_type: 'Integration', actor_id: 'RELEASE_BOT_APP_ID', bypass_mode: 'always' },
    ]);
    const rule = (type: string) => main.rules.find((r: any) => r.type === type);
    expect(rule('pull_request').parameters).toMatchObject({
      required_approving_review_count: 1,
      require_code_owner_review: true,
      require_last_push_approval: true,
      dismiss_stale_reviews_on_push: true,
    });
    expect(rule('required_status_checks').parameters.required_status_checks).toEqual([{ context: '.ci/run' }]);
    expect(rule('non_fast_forward')).toBeDefined();
    expect(rule('deletion')).toBeDefined();
  });

  it('names the CI check as the ci workflow’s job is named', () => {
    const ci = readFileSync(join(__dirname, '..', '.github', 'workflows', 'ci.yml'), 'utf8');
    expect(ci).toMatch(/^ {2}test:\n {4}name: \.ci\/run$/m);
  });

  it('protects every tag with no bypass', () => {
    const tags = policy('tag-ruleset');
    expect(tags.bypass_actors).toEqual([]);
    expect(tags.conditions.ref_name.include).toEqual(['~ALL']);
    expect(tags.rules.map((r: any) => r.type).sort()).toEqual(['creation', 'deletion', 'update']);
  });
});
