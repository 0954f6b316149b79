import { describe, expect, it } from 'vitest';
import { aggregate, outlineOf } from '../../simulation/sweep/aggregate';
import { SweepRunner } from '../../simulation/sweep/run';
import { runCount } from '../../simulation/sweep/spec';
import { replayedSituations, replayTitle } from '../../renderer/views/tuning/results';
import { mustLoadSweep, sweepText } from '../support/sweep';

/** The tuning view's words for replayed situations (renderer/views/tuning/results.ts). */
describe('replayed situations in the tuning view', () => {
  const plan = mustLoadSweep({
    'sweep.yaml': sweepText({
      scenario: 'scenarios/checkout-canary.yaml',
      seeds: 2,
      situations: '    - name: healthy\n      weight: 1\n    - name: rec\n      weight: 1\n      replay:\n        data: scenarios/examples/recordings/checkout-errors.om\n        healthy: false\n        noise: none\n',
    }),
  });
  const runner = new SweepRunner(plan);
  const result = aggregate(outlineOf(plan), Array.from({ length: runCount(plan) }, (_, u) => runner.run(u)));

  it('counts them and says what they replay', () => {
    expect(replayedSituations(result)).toBe(1);
    const r = result.sweep.situations[1].replay;
    expect(r && replayTitle(r)).toBe(
      'Replayed in dry run over scenarios/examples/recordings/checkout-errors.om (recorded: rolled-back; the recording as it is, every seed). Times count from the recorded analysis start; no budget, no shadow judges.',
    );
    // Its example runs are replays: the drill-down shows them without an Open button (DrillDown.tsx reads the outline).
    expect(result.configurations[0].examples.filter((e) => result.sweep.situations[e.situation].replay).map((e) => e.kind)).toEqual(['caught']);
  });
});
