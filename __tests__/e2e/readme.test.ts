/**
 * The README's release block, run top to bottom as written (every
 * `npm run release` line; the cdktf lines need a cluster) on a copy of the
 * release files, and 8 concurrent `stage` runs through the real command.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { releaseFile, runRelease } from '../../bin/release-command';
import { TOOLS } from '../../tooling/tools';
import { checkEnvironments } from '../../main';
import { doc, projectCopy, readmeBlock } from './project-copy';

const RELEASES = doc('docs/releases.md');

/** The lines of the ```text block after `<!-- marker`. */
function readmeText(readme: string, marker: string): string[] {
  const at = readme.indexOf(`<!-- ${marker}`);
  if (at < 0) throw new Error(`the document has no "${marker}" block`);
  const open = readme.indexOf('```text\n', at) + '```text\n'.length;
  return readme.slice(open, readme.indexOf('```', open)).trimEnd().split('\n');
}

describe('the release block of docs/releases.md', () => {
  const lines = readmeBlock(RELEASES, 'release-block');

  it('holds release commands and the cdktf lines between them', () => {
    expect(lines.filter((l) => l.startsWith('npm run release -- ')).length).toBeGreaterThanOrEqual(6);
    expect(lines.every((l) => /^(npm run release -- |npx cdktf )/.test(l))).toBe(true);
  });

  it('runs top to bottom, every command exiting 0, leaving a state synth accepts', () => {
    const root = projectCopy('readme-release');
    let statusAfterStage: string[] | undefined;
    try {
      for (const line of lines.filter((l) => l.startsWith('npm run release -- '))) {
        const args = line.replace(/#.*$/, '').replace('npm run release -- ', '').trim().split(/\s+/);
        const err: string[] = [];
        const code = runRelease(args, { root, out: () => {}, err: (l) => err.push(l) });
        expect({ line, code, err }).toEqual({ line, code: 0, err: [] });
        if (args[1] === 'stage' && !statusAfterStage) {
          const out: string[] = [];
          runRelease(['production', 'status'], { root, out: (l) => out.push(l) });
          statusAfterStage = out.filter((l) => !l.startsWith('  next:'));
        }
      }
      // The README's example of `status` is what the command prints after the first stage.
      expect(statusAfterStage).toEqual(readmeText(RELEASES, 'status-example'));
      const release = JSON.parse(readFileSync(releaseFile(root, 'production'), 'utf8'));
      expect(release.services['mls-server']).toEqual({
        live: 'green',
        phase: 'stable',
        blue: { image: 'ghcr.io/catbird/mls-server:1.4.2', replicas: 1 },
        green: { image: 'ghcr.io/catbird/mls-server:1.5.1', replicas: 3, stage: 2 },
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('concurrent release commands', () => {
  const run = (cwd: string, args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/ts.mjs', 'bin/release-command.ts', ...args], { cwd });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    });

  it('8 stages at once: every run that exits 0 is recorded, the file is valid, synth passes', async () => {
    const root = projectCopy('release-race');
    try {
      // Keep every release in the history, so each successful stage leaves a trace.
      const settings = join(root, 'environments/production.ts');
      writeFileSync(settings, readFileSync(settings, 'utf8').replace('snapshotsToKeep: 7', 'snapshotsToKeep: 20'));
      const images = Array.from({ length: 8 }, (_, i) => `ghcr.io/catbird/mls-server:2.0.${i}`);
      const results = await Promise.all(images.map((image) => run(root, ['production', 'stage', image])));
      const ok = images.filter((_, i) => results[i]!.code === 0);
      for (const [i, r] of results.entries()) {
        // A run either succeeds or says it waited for another: never a silent loss.
        if (r.code !== 0) expect(r.err).toMatch(/is held by process \d+ .*another release command is running/);
        else expect(r.out).toContain(`staged ${images[i]} on green`);
      }
      expect(ok.length).toBeGreaterThan(0);
      const release = JSON.parse(readFileSync(releaseFile(root, 'production'), 'utf8'));
      const staged = release.history.filter((h: unknown) => typeof h === 'object');
      expect(staged.map((h: { release: string }) => h.release).sort()).toEqual(ok.map((i) => i.split(':')[1]).sort());
      // Every successful stage got a number of its own: none was lost or taken twice.
      expect(staged.map((h: { stage: number }) => h.stage)).toEqual(ok.map((_, i) => i + 1));
      expect(release.stages).toBe(ok.length);
      expect(ok).toContain(release.services['mls-server'].green.image);
      expect(readFileSync(`${releaseFile(root, 'production')}`, 'utf8').endsWith('}\n')).toBe(true);
      // The file as the copy's environments see it passes every synth check.
      const sources = (await import(join(root, 'environments/index.ts'))).ENVIRONMENTS;
      expect(() => checkEnvironments(sources)).not.toThrow();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("the documents' numbers", () => {
  it('gives the build time of promtool that its progress line gives', () => {
    expect(doc('docs/monitoring.md')).toContain(`takes about ${TOOLS.promtool!.minutes} minutes for promtool`);
  });
});
