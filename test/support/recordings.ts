import { formatRfc3339 } from '../../simulation/replay/time';
import { selectRecording } from '../../simulation/replay/resample';
import { neededSelectors } from '../../simulation/replay/selectors';
import type { CanarySpec, MetricTemplateSpec } from '../../simulation/rollout/types';
import { type RunResult, Simulation } from '../../simulation/run/simulation';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { loadScenario } from '../../simulation/scenario/loader';
import { toOpenMetrics } from '../../simulation/telemetry/openmetrics';
import type { SeriesStore } from '../../simulation/telemetry/tsdb';
import { CHECKOUT_TEXT, memoryHost } from './sweep';

/**
 * The example recordings of scenarios/examples/recordings/ (docs/tuning.md,
 * "Replayed rollouts as situations"), made as a team would make them from a
 * real rollout: run the bundled checkout scenario, keep what Prometheus
 * scraped of the series `gameday replay --prometheus` pulls for its Canary
 * (Traefik's request counters of checkout's canary and primary, the canary's
 * duration buckets, the histograms' counts the timeline may read), export
 * them as OpenMetrics with timestamps (what `gameday export-metrics` writes),
 * and Flagger's events as `kubectl get events -o custom-columns` prints them.
 *
 * Regenerate with `REGENERATE_RECORDINGS=1 npx vitest run test/unit/sweep-replay.test.ts`.
 */

export const RECORDINGS_DIR = 'scenarios/examples/recordings';

/** The two recordings: checkout 2.4.0 as it ships (healthy), and with 3 % of its requests failing from 2:00 (a regression). */
export const RECORDINGS = {
  healthy: { file: `${RECORDINGS_DIR}/checkout-healthy.om`, events: null, seed: 3, regression: null },
  errors: { file: `${RECORDINGS_DIR}/checkout-errors.om`, events: `${RECORDINGS_DIR}/checkout-errors.events.txt`, seed: 11, regression: { at: '2m', percent: 3 } },
} as const;

/** The checkout scenario, with an http-abort regression on its canary when asked. */
export function checkoutScenario(regression: { at: string; percent: number } | null): string {
  if (regression === null) return CHECKOUT_TEXT;
  const faults = `  faults:\n    - name: regression\n      type: http-abort\n      target: { service: checkout, version: canary }\n      at: ${regression.at}\n      code: 500\n      percent: ${regression.percent}\n`;
  if (!CHECKOUT_TEXT.includes('  expect:\n')) throw new Error('checkout-canary.yaml no longer has spec.expect');
  return CHECKOUT_TEXT.replace('  expect:\n    outcome: promoted\n', `${faults}  expect:\n    outcome: rolled-back\n`);
}

/** Only the series a pull for the Canary saves (`gameday replay --prometheus … --save`): those its queries and the timeline read. */
function pulledSeries(store: SeriesStore, canary: CanarySpec, templates: readonly MetricTemplateSpec[]): SeriesStore {
  return selectRecording(store, neededSelectors(canary, templates).selectors.map((s) => s.matchers)).store;
}

/** Flagger's events as `kubectl get events -o custom-columns=TIME:.lastTimestamp,TYPE:.type,OBJECT:.involvedObject.name,MESSAGE:.message` prints them. */
export function customColumns(run: RunResult, startMs: number): string {
  const rows = run.events.map((e) => [formatRfc3339(startMs + e.t * 1000), e.type, 'checkout', e.message]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 8));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i] + 3) : c)).join('').trimEnd();
  return `${[line(['TIME', 'TYPE', 'OBJECT', 'MESSAGE']), ...rows.map(line)].join('\n')}\n`;
}

/** A recording of the checkout scenario: its OpenMetrics text, Flagger's events, and the run it recorded. */
export function recordCheckout(which: keyof typeof RECORDINGS): { openMetrics: string; events: string; run: RunResult; startMs: number } {
  const r = RECORDINGS[which];
  const loaded = loadScenario('scenarios/checkout-canary.yaml', memoryHost({ 'scenarios/checkout-canary.yaml': checkoutScenario(r.regression) }));
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  const sim = new Simulation(loaded.scenario, { seed: r.seed });
  const run = sim.runToEnd();
  const startMs = loaded.scenario.world.scrape.startMs;
  const flagger = loaded.scenario.flagger;
  const canary = flagger?.canaries.find((c) => `${c.namespace}/${c.name}` === flagger.rollout);
  if (!flagger || !canary) throw new Error('the checkout scenario rolls out no Canary');
  return { openMetrics: toOpenMetrics(pulledSeries(sim.store, canary, flagger.templates)), events: customColumns(run, startMs), run, startMs };
}
