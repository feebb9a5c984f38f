/**
 * Gaps the mutation run found in the rules' edges: a shared Secret's keys
 * in another order, the staging-issuer pattern's look-alikes, and the next
 * switch `release status` announces in each phase.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseFile, runRelease } from '../bin/release-command';
import { validateAll } from '../environments/validate';
import { ENV_NAMES, Edit, configIssues, source } from './helpers';

/* eslint-disable @typescript-eslint/no-explicit-any -- environment files edited by shape */
const issues = (edit: Edit) => {
  try {
    validateAll([source('production', edit)]);
    return [];
  } catch {
    return configIssues(() => validateAll([source('production', edit)]));
  }
};

it('takes a shared Secret whose keys another service lists in another order', () => {
  expect(
    issues((s: any, r: any) => {
      const second = structuredClone(s.services[0]);
      Object.assign(second, { name: 'mls-two', ingress: undefined, did: undefined });
      second.secret.keys = Object.fromEntries(Object.entries(second.secret.keys).reverse());
      s.services[0].secret.shared = true;
      second.secret.shared = true;
      s.services.push(second);
      Object.assign(s.quota, {
        pods: 100,
        requestsCpu: '100',
        requestsMemory: '100Gi',
        limitsCpu: '100',
        limitsMemory: '100Gi',
      });
      r.services['mls-two'] = structuredClone(r.services['mls-server']);
    }),
  ).toEqual([]);
});

it.each([
  ['staging', true],
  ['staging-issuer', true],
  ['le-staging', true],
  ['letsencrypt-staging-v2', true],
  ['letsencrypt-stagingx', false],
  ['xstaging', false],
  ['letsencrypt-prod', false],
])('a protected environment on issuer %j: refused %s', (issuer, refused) => {
  const found = issues((s: any) => (s.services[0].ingress.clusterIssuer = issuer));
  expect(found.some((i) => i.includes('is a staging issuer'))).toBe(refused);
});

describe('the next switch release status announces', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'status-'));
    mkdirSync(join(root, 'environments'));
    for (const env of ENV_NAMES) copyFileSync(releaseFile(join(__dirname, '..'), env), releaseFile(root, env));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const run = (...args: string[]) => {
    const out: string[] = [];
    expect(runRelease(args, { root, out: (l) => out.push(l), err: () => undefined })).toBe(0);
    return out;
  };
  const switchLine = () => run('production', 'status').filter((l) => /^ {2}(on promote|switch):/.test(l));

  it('none when stable; on promote, towards the staged colour; once switched, the move that happened', () => {
    expect(switchLine()).toEqual([]);
    run('production', 'stage', 'ghcr.io/catbird/mls-server:1.5.0');
    expect(switchLine()).toEqual([expect.stringMatching(/^ {2}on promote: traffic blue → green after analysis: /)]);
    run('production', 'promote');
    expect(switchLine()).toEqual([expect.stringMatching(/^ {2}switch: traffic blue → green after analysis: /)]);
    run('production', 'finish');
    run('production', 'stage', 'ghcr.io/catbird/mls-server:1.5.1');
    expect(switchLine()).toEqual([expect.stringMatching(/^ {2}on promote: traffic green → blue after analysis: /)]);
  });
});
