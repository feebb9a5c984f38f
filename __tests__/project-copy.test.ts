/**
 * The project copy the cluster test and the end-to-end tests run in: what
 * git ignores stays behind (a local virtualenv of 300 MB made every copy
 * take seconds), what git tracks travels.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { copyProjectTree, ignored, parseGitignore } from '../tooling/project-copy';
import { ROOT } from '../environments/root';

describe('the project copy', () => {
  const by = parseGitignore(readFileSync(join(ROOT, '.gitignore'), 'utf8'));

  it('leaves out what .gitignore names: directories at any depth, suffixes and file names', () => {
    for (const path of [
      'reports/mutation/index.html',
      '.venv-cluster/bin/python',
      '.stryker-tmp/sandbox-1/x.ts',
      'cdktf.out/stacks/production/cdk.tf.json',
      'stacks/x/.terraform/providers',
      'production.tfstate',
      'deep/dir/staging.tfstate.backup',
      'tfplan',
      'plan.json',
      'environments/production.release.json.lock',
    ])
      expect([path, ignored(path, by)]).toEqual([path, true]);
    for (const path of ['mutation/stryker-incremental.json', 'environments/production.ts', 'README.md', 'reporting.ts'])
      expect([path, ignored(path, by)]).toEqual([path, false]);
  });

  it('refuses a .gitignore line of a form it does not read, naming it', () => {
    for (const line of ['/abs', '!keep.txt', 'a/b', 'dir/**', '[ab].txt'])
      expect(() => parseGitignore(`# comment\n\nnode_modules/\n${line}\n`)).toThrow(`.gitignore:4: "${line}"`);
  });

  it('copies the rest, links node_modules, and leaves .git and what .gitignore names behind', () => {
    const root = mkdtempSync(join(tmpdir(), 'copy-from-'));
    const to = join(mkdtempSync(join(tmpdir(), 'copy-')), 'project');
    try {
      const files = [
        '.gitignore',
        'main.ts',
        'mutation/result.json',
        '.git/HEAD',
        'reports/a.log',
        'x/.terraform/p',
        'a.tfstate',
      ];
      for (const f of files) {
        mkdirSync(dirname(join(root, f)), { recursive: true });
        writeFileSync(join(root, f), f === '.gitignore' ? 'reports/\n.terraform/\n*.tfstate\n' : f);
      }
      mkdirSync(join(root, 'node_modules'));
      copyProjectTree(to, root);
      const copied = files.filter((f) => existsSync(join(to, f)));
      expect(copied).toEqual(['.gitignore', 'main.ts', 'mutation/result.json']);
      expect(readFileSync(join(to, 'mutation/result.json'), 'utf8')).toBe('mutation/result.json');
      expect(lstatSync(join(to, 'node_modules')).isSymbolicLink()).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(dirname(to), { recursive: true, force: true });
    }
  });
});
