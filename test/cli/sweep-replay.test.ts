import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/scenario';

// A sweep with replayed situations as users run it (dist/, built by `node scripts/build.mjs`): real worker threads
// reading the recordings, the same bytes on any number of them; the web build bundles the recordings.
const cli = join(repoRoot, 'dist/cli/gameday.js');
const EXAMPLE = 'scenarios/sweeps/checkout-with-recordings.yaml';
const RECORDINGS = join(repoRoot, 'scenarios/examples/recordings');

// The example with 5 seeds, elsewhere: its files named by absolute paths.
const dir = mkdtempSync(join(tmpdir(), 'gameday-sweep-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SWEEP = join(dir, 'sweep.yaml');
writeFileSync(
  SWEEP,
  readFileSync(join(repoRoot, EXAMPLE), 'utf8')
    .replace('seeds: 50', 'seeds: 5')
    .replace('../checkout-canary.yaml', join(repoRoot, 'scenarios/checkout-canary.yaml'))
    .replaceAll('../examples/recordings', RECORDINGS),
);

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gameday sweep with replayed situations', () => {
  it('labels the replays, gives the same JSON on 1 and 3 worker threads, reads recordings wherever they are', () => {
    const text = gameday('sweep', SWEEP, '--quiet', '--workers', '2');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Situations (prior weight): healthy (0.45), errors (0.05), recorded-healthy (0.45, replayed healthy), recorded-errors (0.05, replayed regression)\n');
    expect(text.stdout).toContain(`  recorded-errors: ${RECORDINGS}/checkout-errors.om, ${RECORDINGS}/checkout-errors.events.txt; recorded rolled-back; noise poisson; onset 30 s\n`);
    const one = gameday('sweep', SWEEP, '--json', '--quiet', '--workers', '1');
    const three = gameday('sweep', SWEEP, '--json', '--quiet', '--workers', '3');
    expect(one.code, one.stderr).toBe(0);
    expect(three.stdout).toBe(one.stdout);
    expect(JSON.parse(one.stdout).sweep.situations[3].replay).toEqual({ data: [`${RECORDINGS}/checkout-errors.om`], events: `${RECORDINGS}/checkout-errors.events.txt`, noise: 'poisson', recorded: 'rolled-back' });
    // A copy of a recording elsewhere: the same measures, another sweep's fingerprint (other files).
    writeFileSync(join(dir, 'copy.om'), readFileSync(join(RECORDINGS, 'checkout-healthy.om')));
    writeFileSync(join(dir, 'other.yaml'), readFileSync(SWEEP, 'utf8').replace(`${RECORDINGS}/checkout-healthy.om`, 'copy.om'));
    const same = gameday('sweep', join(dir, 'other.yaml'), '--json', '--quiet', '--workers', '1');
    expect(JSON.parse(same.stdout).sweep.fingerprint).not.toBe(JSON.parse(one.stdout).sweep.fingerprint);
    expect(JSON.parse(same.stdout).configurations).toEqual(JSON.parse(one.stdout).configurations);
  });

  it('the web build\'s sweep worker carries the recordings', () => {
    const bundle = readFileSync(join(repoRoot, 'dist/renderer/sweep-worker.js'), 'utf8');
    for (const f of ['checkout-healthy.om', 'checkout-errors.om', 'checkout-errors.events.txt']) expect(bundle).toContain(`"scenarios/examples/recordings/${f}"`);
  });
});
