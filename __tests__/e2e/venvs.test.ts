/**
 * The gate's and the cluster test's Python virtualenvs, cached per machine
 * and requirements (tooling/venvs.ts): made once, found again by the next
 * clone, made anew for other requirements, and a lock left by a run that
 * died is taken over. Real `python3 -m venv`, with requirements that install
 * nothing from an index.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedVenv } from '../../tooling/venvs';

// One cache for the file: each virtualenv costs seconds (python3 -m venv installs pip).
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'venvs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const requirements = (text: string) => {
  const file = join(dir, `requirements-${text.length}.txt`);
  writeFileSync(file, text);
  return file;
};

describe('cachedVenv', () => {
  it('makes a virtualenv once, finds it the next time, and makes another for other requirements', () => {
    const lines: string[] = [];
    const root = join(dir, 'cache');
    const first = cachedVenv('policy', requirements('# nothing\n'), (l) => lines.push(l), root);
    expect(spawnSync(join(first, 'bin', 'python'), ['-c', 'print(1)'], { encoding: 'utf8' }).stdout).toBe('1\n');
    expect(lines).toHaveLength(1);
    expect(cachedVenv('policy', requirements('# nothing\n'), (l) => lines.push(l), root)).toBe(first);
    expect(lines).toHaveLength(1);
    const other = cachedVenv('policy', requirements('# something else\n'), (l) => lines.push(l), root);
    expect(other).not.toBe(first);
    expect(lines).toHaveLength(2);
    // No lock left behind.
    expect(readdirSync(root).filter((n) => n.endsWith('.lock'))).toEqual([]);
  });

  it('takes over a lock whose holder died, and makes anew the half it left', () => {
    const root = join(dir, 'cache');
    const file = requirements('# nothing\n');
    const made = cachedVenv('policy', file, () => undefined, root); // the first test's
    rmSync(join(made, '.complete')); // as a run killed mid-install leaves it
    const dead = spawnSync('true').pid!;
    mkdirSync(`${made}.lock`);
    writeFileSync(join(`${made}.lock`, 'pid'), String(dead));
    const lines: string[] = [];
    expect(cachedVenv('policy', file, (l) => lines.push(l), root)).toBe(made);
    expect(lines).toHaveLength(1);
    expect(existsSync(join(made, '.complete'))).toBe(true);
    expect(existsSync(`${made}.lock`)).toBe(false);
  });

  it('says what failed when the requirements cannot be installed', () => {
    expect(() =>
      cachedVenv('policy', requirements('surely-no-such-package-here==0.0.0\n'), () => undefined, join(dir, 'c')),
    ).toThrow(/installing .* failed/);
  });
});
