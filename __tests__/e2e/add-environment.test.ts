/**
 * The README's "add an environment" procedure, followed in a temporary copy
 * of the project: its shell step verbatim, the index.ts edit, `npm run
 * synth`, `npx jest -u` to record the new snapshots (the whole unit suite), then
 * the files with snapshots again, on what was recorded.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { doc, projectCopy, readmeBlock } from './project-copy';

const NAME = 'qa';

describe('adding an environment as the README says', () => {
  let root: string;
  beforeAll(() => {
    root = projectCopy('add-environment');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const sh = (command: string, args: string[]) =>
    spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });

  it('step 1: the shell block writes the new files', () => {
    const block = readmeBlock(doc('docs/environments.md'), 'add-environment-block');
    expect(block[0]).toBe(`name=${NAME}`);
    execFileSync('bash', ['-euo', 'pipefail', '-c', block.join('\n')], { cwd: root });
    const settings = readFileSync(join(root, `environments/${NAME}.ts`), 'utf8');
    expect(settings).toContain(`export const ${NAME}: EnvironmentInput`);
    expect(settings).toContain("clusterIssuer: 'letsencrypt-staging'");
    expect(settings).not.toMatch(/'staging'|staging\.|STAGING/);
    // Nothing of another environment's deploy policy or account is inherited.
    expect(settings).not.toContain('deployOnMerge');
    expect(settings).toContain('arn:aws:iam::000000000000:oidc-provider/');
    expect(settings).toContain('/id/QA000');
  });

  it('step 2: listing it in environments/index.ts', () => {
    const index = join(root, 'environments/index.ts');
    const text = readFileSync(index, 'utf8')
      .replace(
        "import { staging } from './staging';",
        `import { staging } from './staging';\nimport { ${NAME} } from './${NAME}';`,
      )
      .replace('[staging, production]', `[staging, production, ${NAME}]`);
    writeFileSync(index, text);
    expect(text).toContain(`[staging, production, ${NAME}]`);
  });

  it('step 3: npm run synth writes its stack', () => {
    const synth = sh('npm', ['run', '--silent', 'synth']);
    expect(synth.stderr).not.toMatch(/^error:/m);
    expect(synth.status).toBe(0);
    expect(existsSync(join(root, `cdktf.out/stacks/${NAME}/cdk.tf.json`))).toBe(true);
    // Listed by the workflows' list, but not among those deployed on merge.
    const list = (flag?: string) =>
      JSON.parse(sh(process.execPath, ['bin/ts.mjs', 'bin/environments.ts', ...(flag ? [flag] : [])]).stdout);
    expect(list()).toContain(NAME);
    expect(list('--deploy-on-merge')).not.toContain(NAME);
  });

  it('step 4: npx jest -u records its snapshots, and then the suite passes with it', () => {
    const jest = join(root, 'node_modules/jest/bin/jest.js');
    const record = sh(process.execPath, [jest, '-u', '--ci=false', '--silent']);
    if (record.status !== 0) console.log(record.stdout + record.stderr);
    expect(record.status).toBe(0);
    const snap = readFileSync(join(root, '__tests__/__snapshots__/stack-snapshots.test.ts.snap'), 'utf8');
    expect(snap).toContain(`exports[\`${NAME} resource kubernetes_deployment_v1 1\`]`);
    // Every other test already passed in the recording run (-u rewrites snapshots, nothing else):
    // again, the files with snapshots must pass on what was recorded.
    const withSnapshots = readdirSync(join(root, '__tests__/__snapshots__')).map(
      (snap) => `__tests__/${snap.replace(/\.snap$/, '')}`,
    );
    expect(withSnapshots).toContain('__tests__/stack-snapshots.test.ts');
    const suite = sh(process.execPath, [jest, '--ci', '--silent', ...withSnapshots]);
    expect(`${suite.stdout}${suite.stderr}`).toMatch(/jest: \d+ passed, 0 failed/);
    expect(suite.status).toBe(0);
  });
});
