import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rankSumTest, shiftConfidenceInterval } from '../../simulation/judges/mann-whitney';
import { Rng } from '../../simulation/kernel/random';
import { repoRoot } from '../support/scenario';

/**
 * The Mann-Whitney interval and test against an independent reference:
 * test/fixtures/kayenta/wilcox_reference.py re-implements R's asymptotic
 * interval (the algorithm Kayenta ports) with scipy's rankdata and a
 * numerical root finder (brentq, tolerance 1e-12), and takes the p-value
 * from scipy's Mann-Whitney U test. Skipped where python3 with scipy is not
 * installed.
 */

const script = resolve(repoRoot, 'test/fixtures/kayenta/wilcox_reference.py');
const hasScipy = spawnSync('python3', ['-c', 'import scipy'], { encoding: 'utf8' }).status === 0;

describe('Mann-Whitney against R\'s algorithm in Python', () => {
  it.skipIf(!hasScipy)('agrees on 300 random samples with and without ties', () => {
    const rng = new Rng('kayenta-reference');
    const cases = Array.from({ length: 300 }, (_, c) => {
      const n = 1 + Math.floor(rng.uniform() * 40);
      const m = 1 + Math.floor(rng.uniform() * 40);
      // Rounded normals (many ties), lognormals (none), half-integers on a short range (mostly ties).
      const draw = (shift: number) => (c % 3 === 0 ? Math.round(rng.normal() * 3 + shift) : c % 3 === 1 ? rng.lognormal(0, 0.5) + shift : Math.round(rng.uniform() * 4) / 2 + shift);
      const shift = rng.uniform() < 0.5 ? 0 : rng.normal() * 2;
      const x = Array.from({ length: n }, () => draw(shift));
      const y = Array.from({ length: m }, () => draw(0));
      return { x, y, conf: [0.9, 0.95, 0.98, 0.99][c % 4] };
    });
    const run = spawnSync('python3', [script], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 24 });
    expect(run.status, run.stderr).toBe(0);
    const reference = JSON.parse(run.stdout) as Array<{ lower: number; upper: number; estimate: number; u: number; p: number } | { error: string }>;
    let compared = 0;
    cases.forEach((k, i) => {
      const ours = shiftConfidenceInterval(k.x, k.y, k.conf);
      const ref = reference[i];
      if (!ours.ok || 'error' in ref) {
        // Both refuse, and only when every observation is tied.
        expect(ours.ok).toBe(false);
        expect('error' in ref).toBe(true);
        expect(new Set([...k.x, ...k.y]).size).toBe(1);
        return;
      }
      compared++;
      for (const key of ['lower', 'upper', 'estimate'] as const) expect(Math.abs(ours.interval[key] - ref[key]), `case ${i} ${key}`).toBeLessThan(1e-6 * (1 + Math.abs(ref[key])));
      const t = rankSumTest(k.x, k.y);
      expect(t.u).toBe(ref.u);
      expect(Math.abs((t.pValue ?? NaN) - ref.p), `case ${i} p`).toBeLessThan(1e-12);
    });
    expect(compared).toBeGreaterThan(290);
  });
});
