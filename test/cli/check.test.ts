import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/scenario';

// `gameday check` as built (dist/): a scenario's expectation on its own seed and over seeds.
const cli = join(repoRoot, 'dist/cli/gameday.js');
const gameday = (...args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const dir = mkdtempSync(join(tmpdir(), 'gameday-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIRST = readFileSync(join(repoRoot, 'scenarios/first-canary.yaml'), 'utf8');

describe('gameday check', () => {
  it('passes a scenario whose own seed and enough seeds meet spec.expect', () => {
    const r = gameday('check', 'scenarios/first-canary.yaml', '--seeds', '20');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'scenarios/first-canary.yaml: expected promoted between 180 s and 300 s: ok\n  seed 7 (exact): as expected\n  seeds 1–20 (fast): 20 agree (100 %; at least 95 % required)\n',
    );
    const json = JSON.parse(gameday('check', 'scenarios/first-canary.yaml', '--seeds', '3', '--json').stdout);
    expect(json).toMatchObject({ file: 'scenarios/first-canary.yaml', mode: 'fast', seeds: 3, agreeing: 3, met: true, disagreeing: [] });
  });

  it('fails (exit 4) a scenario that drifted, listing the seeds that disagree and how', () => {
    const file = join(dir, 'drifted.yaml');
    writeFileSync(file, FIRST.replace('outcome: promoted', 'outcome: rolled-back').replace('../manifests', join(repoRoot, 'scenarios/manifests')));
    const r = gameday('check', file, '--seeds', '3');
    expect(r.code).toBe(4);
    expect(r.stdout).toContain(`${file}: expected rolled-back between 180 s and 300 s: MISSED\n`);
    expect(r.stdout).toContain('  seed 7 (exact): expected the canary to be rolled-back, but it was promoted: Promotion completed! Scaling down checkout.shop\n');
    expect(r.stdout).toContain('  seeds 1–3 (fast): 0 agree (0 %; at least 95 % required)\n    seed 1: expected the canary to be rolled-back, but it was promoted');
    expect(r.stdout).toMatch(/\n {4}seed 3: /);
  });

  it('says when there is nothing to check or the usage is wrong', () => {
    const file = join(dir, 'no-expect.yaml');
    writeFileSync(file, FIRST.replace(/ {2}expect:\n {4}outcome: promoted\n {4}decidedBetween: \{ from: 3m, to: 5m \}\n/, ''));
    const none = gameday('check', file);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`gameday: ${file} has no spec.expect: nothing to check\n`);
    for (const args of [['check'], ['check', 'scenarios/first-canary.yaml', '--seeds', '0'], ['check', 'scenarios/first-canary.yaml', '--mode', 'slow']]) expect(gameday(...args).code, args.join(' ')).toBe(2);
  });
});
