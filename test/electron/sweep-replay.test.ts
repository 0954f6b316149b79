import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desktopScenarioHost, SimService } from '../../electron/sim-service';
import { sweepThreadHandler } from '../../electron/sweep-service';
import type { RunRecord } from '../../simulation/sweep/run';
import type { SweepLoadReply } from '../../simulation/sweep/workers';
import { repoHost } from '../support/scenario';

/**
 * The desktop app's sweep threads read the recordings a replayed situation
 * names (docs/tuning.md, "Replayed rollouts as situations"); its simulation
 * threads still read YAML only.
 */

const root = join(import.meta.dirname, '../..');
const SWEEP = 'scenarios/sweeps/checkout-with-recordings.yaml';
const RECORDING = 'scenarios/examples/recordings/checkout-healthy.om';

describe('replayed situations in the desktop app', () => {
  it('a sweep thread loads the example with its recordings and runs its replayed runs', () => {
    const handle = sweepThreadHandler(root);
    const small = (repoHost.readFile(SWEEP) ?? '').replace('seeds: 50', 'seeds: 2');
    const loaded = handle({ id: 1, op: 'load', request: { file: SWEEP, text: small } });
    const reply = loaded.ok ? (loaded.value as SweepLoadReply) : null;
    expect(reply && reply.ok ? reply.outline.situations.map((s) => s.replay?.data ?? null) : reply).toEqual([null, null, [RECORDING], ['scenarios/examples/recordings/checkout-errors.om']]);
    // Configuration 0, the recorded-healthy situation's two seeds.
    const run = handle({ id: 2, op: 'run', from: 4, to: 6 });
    expect(run.ok && (run.value as RunRecord[]).map((r) => [r.u, r.budget])).toEqual([
      [4, null],
      [5, null],
    ]);
  });

  it('reads recordings for sweeps only', () => {
    expect(desktopScenarioHost(root).readFile(RECORDING)).toBeNull();
    expect(desktopScenarioHost(root, undefined, /\.(ya?ml|om)$/i).readFile(RECORDING)).toContain('# EOF');
  });

  it("a desktop session (the tuning lab's drill-down and power panel) loads a sweep with recordings", () => {
    const service = new SimService({ appDir: root });
    const reply = service.handle({ id: 1, op: 'session', session: 'power', command: { kind: 'power', file: SWEEP } });
    expect(reply.ok && (reply.value as { kind: string }).kind).toBe('power');
    const run = service.handle({ id: 2, op: 'session', session: 'main', command: { kind: 'open-sweep-run', file: SWEEP, u: 0 } });
    expect(run.ok && (run.value as { kind: string }).kind).toBe('sweep-run');
  });
});
