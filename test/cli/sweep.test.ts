import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SweepResult } from '../../simulation/sweep/aggregate';
import { repoRoot } from '../support/scenario';
import { CHECKOUT_TEXT, sweepText } from '../support/sweep';

// `gameday sweep` and `gameday sweep-merge` as built by `node scripts/build.mjs` (dist/), spawned as users run
// them: real worker threads, shard files, the diff of "apply".
const cli = join(repoRoot, 'dist/cli/gameday.js');

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory holding a copy of the checkout scenario and a small sweep over it; the sweep's path. */
function sweepDir(seeds = 4): { dir: string; sweep: string; scenario: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-sweep-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'checkout.yaml'), CHECKOUT_TEXT);
  const sweep = join(dir, 'sweep.yaml');
  writeFileSync(
    sweep,
    sweepText({
      scenario: 'checkout.yaml',
      seeds,
      parameters: '    - field: analysis.threshold\n      values: [2, 4]\n    - field: metrics.request-success-rate.thresholdRange.min\n      values: [99, 99.5]\n',
      situations: '    - name: healthy\n      weight: 0.9\n    - name: errors\n      weight: 0.1\n      fault: { type: http-abort, code: 500, percent: [1, 5] }\n',
    }),
  );
  return { dir, sweep, scenario: join(dir, 'checkout.yaml') };
}

describe('gameday sweep', () => {
  const { dir, sweep, scenario } = sweepDir();

  it('prints the table, the frontier and the recommendation; progress goes to stderr', () => {
    const r = gameday('sweep', sweep, '--workers', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Sweep test-sweep over shop\/checkout \(.*checkout\.yaml\): 4 configurations × 3 situations × 4 seeds = 48 runs in [\d.]+ s\n/);
    expect(r.stdout).toContain('Situations (prior weight): healthy (0.9), errors percent=1 (0.05), errors percent=5 (0.05)');
    expect(r.stdout).toMatch(/\n[* ] threshold=2 request-success-rate\.min=99 +\d+\.\d \[\d+\.\d–\d+\.\d\]/);
    expect(r.stdout).toMatch(/\n(Recommended: threshold=\d request-success-rate\.min=[\d.]+: the least detectionP95|No recommendation: )/);
    expect(r.stderr).toContain('sweep test-sweep: 4 configurations × 3 situations × 4 seeds; 48 runs on 2 workers\n');
    expect(r.stderr).toMatch(/48\/48 runs \(100 %\), \d+ runs\/s/);
    expect(gameday('sweep', sweep, '--quiet').stderr).toBe('');
  });

  it('gives the same JSON with 1, 2 or 3 workers, and merged shards give it too', () => {
    const one = gameday('sweep', sweep, '--json', '--quiet', '--workers', '1');
    expect(one.code, one.stderr).toBe(0);
    const result = JSON.parse(one.stdout) as SweepResult;
    expect(result.runs).toBe(48);
    expect(result.configurations).toHaveLength(4);
    for (const n of ['2', '3']) expect(gameday('sweep', sweep, '--json', '--quiet', '--workers', n).stdout).toBe(one.stdout);
    const shards = ['0/3', '1/3', '2/3'].map((s, i) => {
      const out = join(dir, `shard-${i}.json`);
      const r = gameday('sweep', sweep, '--shard', s, '--out', out, '--quiet', '--workers', '2');
      expect(r.code, r.stderr).toBe(0);
      return out;
    });
    const merged = gameday('sweep-merge', shards[1], shards[2], shards[0], '--json');
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toBe(one.stdout);
    // Missing and foreign shards are refused, saying which.
    const missing = gameday('sweep-merge', shards[0], shards[2]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^gameday: runs are missing \(first: \d+\): shard 1\/3 not given\n$/);
    const other = sweepDir(5);
    const foreign = join(other.dir, 'shard.json');
    expect(gameday('sweep', other.sweep, '--shard', '1/3', '--out', foreign, '--quiet').code).toBe(0);
    const mixed = gameday('sweep-merge', shards[0], foreign, shards[2]);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('comes from a different sweep or different files than');
  });

  it('applies the recommended or a chosen configuration to the Canary as a diff, and writes it with --write', () => {
    const shown = gameday('sweep', sweep, '--quiet', '--apply', '--configuration', '3');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`\nthreshold=4 request-success-rate.min=99.5 in ${scenario}:\n--- a/${scenario.slice(1)}\n+++ b/${scenario.slice(1)}\n@@ `);
    expect(shown.stdout).toContain('\n-    threshold: 3\n+    threshold: 4\n');
    expect(shown.stdout).toContain('\n-          min: 99\n+          min: 99.5\n');
    expect(readFileSync(scenario, 'utf8')).toBe(CHECKOUT_TEXT);
    const written = gameday('sweep', sweep, '--quiet', '--apply', '--configuration', '3', '--write');
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toContain(`wrote ${scenario}\n`);
    expect(readFileSync(scenario, 'utf8')).toBe(CHECKOUT_TEXT.replace('    threshold: 3\n', '    threshold: 4\n').replace('          min: 99\n', '          min: 99.5\n'));
    writeFileSync(scenario, CHECKOUT_TEXT);
    // With --json the diff goes to stderr: stdout stays one JSON document.
    const json = gameday('sweep', sweep, '--quiet', '--json', '--apply', '--configuration', '1');
    expect(() => JSON.parse(json.stdout)).not.toThrow();
    expect(json.stderr).toContain('+          min: 99.5\n');
  });

  it('refuses bad input with a located error (exit 1) and bad usage (exit 2)', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(sweep, 'utf8').replace('analysis.threshold', 'analysis.treshold'));
    const r = gameday('sweep', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:9:14: spec\.parameters\[0\]\.field: "analysis\.treshold" is not a knob of the Canary \(did you mean analysis\.threshold\?\)/);
    expect(r.stderr).toMatch(/gameday: .*bad\.yaml is not a valid sweep \(1 error\)\n$/);
    for (const args of [['sweep'], ['sweep', sweep, '--workers', '0'], ['sweep', sweep, '--shard', '3/3'], ['sweep', sweep, '--shard', '0/2', '--json'], ['sweep', sweep, '--write'], ['sweep-merge']]) {
      const u = gameday(...args);
      expect(u.code, args.join(' ')).toBe(2);
      expect(u.stderr).toMatch(/^gameday: .+\nRun 'gameday --help' for usage\.\n$/);
    }
    expect(gameday('sweep-merge', join(dir, 'nope.json')).stderr).toBe(`gameday: cannot read ${join(dir, 'nope.json')}\n`);
    // gameday validate checks sweeps too.
    const v = gameday('validate', sweep, bad);
    expect(v.code).toBe(1);
    expect(v.stdout).toBe(`${sweep}: valid sweep test-sweep (4 configurations × 3 situations × 4 seeds = 48 runs)\n${bad}: invalid, 1 error\n`);
  });

  it('publishes the Sweep document\'s JSON Schema (docs/sweep.schema.json, npm run schema)', () => {
    const r = gameday('schema', '--sweep');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(repoRoot, 'docs/sweep.schema.json'), 'utf8')));
    expect(JSON.parse(r.stdout).properties.spec.properties.parameters.items.properties.field.type).toBe('string');
  });

  it('stops on Ctrl-C with exit 130, writing nothing', async () => {
    const big = sweepDir(400);
    const out = join(big.dir, 'result.json');
    const child = spawn(process.execPath, [cli, 'sweep', big.sweep, '--out', out, '--workers', '2'], { cwd: repoRoot });
    let stderr = '';
    const started = new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/\d+\/\d+ runs/.test(stderr)) resolve();
      }),
    );
    await started;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/gameday: sweep interrupted after \d+ of 4800 runs; nothing was written\n$/);
    expect(() => readFileSync(out)).toThrow();
  });
});
