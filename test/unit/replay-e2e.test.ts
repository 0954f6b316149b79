import { describe, expect, it } from 'vitest';
import { loadReplayCanary } from '../../simulation/replay/canary';
import { type ReplayResult, replay } from '../../simulation/replay/dry-run';
import { parseEvents } from '../../simulation/replay/events';
import { importFiles } from '../../simulation/replay/import';
import { formatRfc3339 } from '../../simulation/replay/time';
import { type RunResult, Simulation } from '../../simulation/run/simulation';
import { withKnob } from '../../simulation/scenario/canary-knobs';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { type LoadedScenario, loadScenario } from '../../simulation/scenario/loader';
import { toOpenMetrics } from '../../simulation/telemetry/openmetrics';
import { repoHost } from '../support/scenario';

/**
 * Record a simulated rollout — run a bundled scenario, export what
 * Prometheus scraped with the OpenMetrics exporter (what `gameday
 * export-metrics` writes) — then replay it with the scenario's own Canary.
 * The dry run must reproduce the simulator's own checks, value for value, at
 * the same ticks, and its decision.
 *
 * Why it can: the replay runs the same controller and checks over the same
 * samples. Two things differ and do not matter here: the export has no
 * staleness markers (the replay queries without staleness: these scenarios'
 * series do not go stale mid-analysis), and the simulator's Flagger ticks
 * at the same instants as some scrapes but before them (its tick was
 * scheduled first), which the replay reproduces by letting a tick's queries
 * see only the samples before it. The simulated run, unlike the dry run,
 * waits for the promoted primary to be ready: its "Promotion completed"
 * comes later, the decision (Promoting) at the same tick.
 */

function mustLoadFile(file: string): LoadedScenario {
  const r = loadScenario(file, repoHost);
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.scenario;
}

interface Recording {
  run: RunResult;
  startMs: number;
  text: string;
}

function record(file: string, seed?: number): Recording {
  const scenario = mustLoadFile(file);
  const sim = new Simulation(scenario, { seed });
  const run = sim.runToEnd();
  return { run, startMs: scenario.world.scrape.startMs, text: toOpenMetrics(sim.store) };
}

function replayOf(file: string, rec: Recording, opts: { events?: string; overrides?: string[] } = {}): ReplayResult {
  const loaded = loadReplayCanary(file, [], repoHost);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  const data = importFiles([{ file: 'recording.om', text: rec.text }]);
  expect(data.diagnostics).toEqual([]);
  const events = opts.events === undefined ? null : parseEvents('events.txt', opts.events);
  if (events) expect(events.diagnostics.map(formatDiagnostic)).toEqual([]);
  const r = replay({ canary: loaded.canary, templates: loaded.templates, store: data.store, events, overrides: opts.overrides });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.result;
}

/** The simulator's checks and the replay's, as [second, metric, value, ok]. */
function compare(rec: Recording, result: ReplayResult, run = 0) {
  const ours = result.runs[run].ticks.flatMap((t) => t.checks.map((c) => [(t.tMs - rec.startMs) / 1000, c.metric, c.value, c.ok]));
  const theirs = rec.run.checks.map((c) => [c.t, c.metric, c.value, c.ok]);
  return { ours, theirs };
}

/** The simulator's events as `kubectl get events -o custom-columns=TIME:.lastTimestamp,TYPE:.type,OBJECT:.involvedObject.name,MESSAGE:.message`. */
function customColumns(rec: Recording): string {
  const rows = rec.run.events.map((e) => [formatRfc3339(rec.startMs + e.t * 1000), e.type, 'checkout', e.message]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 8));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i] + 3) : c)).join('');
  return [line(['TIME', 'TYPE', 'OBJECT', 'MESSAGE']), ...rows.map(line)].join('\n');
}

/** The same as `kubectl describe canary` prints them `nowT` seconds into the run (ages below 10 minutes: to the second). */
function describeEvents(rec: Recording, nowT: number): string {
  const age = (t: number) => {
    const d = nowT - t;
    return d < 120 ? `${d}s` : `${Math.floor(d / 60)}m${d % 60 === 0 ? '' : `${d % 60}s`}`;
  };
  const rows = rec.run.events.map((e) => `  ${e.type.padEnd(7)}  Synced  ${age(e.t).padEnd(5)}  flagger  ${e.message}`);
  return ['Events:', '  Type     Reason  Age    From     Message', '  ----     ------  ----   ----     -------', ...rows].join('\n');
}

describe('replaying a recorded simulated rollout', () => {
  const FILE = 'scenarios/checkout-canary.yaml';
  const rec = record(FILE);

  it('reproduces the simulator\'s checks tick for tick, and its decision, from Traefik\'s rates alone', () => {
    const r = replayOf(FILE, rec);
    expect(r.timeline.source).toBe('traffic');
    expect(r.timeline.ticks.map((t) => [(t.tMs - rec.startMs) / 1000, t.weight])).toEqual(
      // Flagger's weights as the simulator set them: the halt at 2:00 kept 10 %, the primary took its time to roll out at 5:00.
      [
        [90, 10],
        [120, 10],
        [150, 20],
        [180, 30],
        [210, 40],
        [240, 50],
        [270, 50],
        [300, 50],
        [330, 0],
      ],
    );
    const { ours, theirs } = compare(rec, r);
    expect(theirs.length).toBe(11);
    expect(ours).toEqual(theirs);
    expect(rec.run.outcome).toMatchObject({ promoted: true, decidedAt: 270 });
    expect(r.runs[0].outcome).toMatchObject({ result: 'promoted', atMs: rec.startMs + 270_000, failedChecks: 1 });
    // The recorded run's Flagger events during the analysis, as the dry run emits them (the not-ready wait aside).
    const simulated = rec.run.events.filter((e) => e.t >= 90 && e.t <= 270).map((e) => [e.t, e.message]);
    const replayed = r.runs[0].ticks.filter((t) => t.tMs <= rec.startMs + 270_000).flatMap((t) => t.events.map((e) => [(t.tMs - rec.startMs) / 1000, e.message]));
    expect(replayed).toEqual(simulated);
  });

  it('reproduces them from the events too, as kubectl prints them with timestamps or with ages', () => {
    for (const events of [customColumns(rec), describeEvents(rec, 480)]) {
      const r = replayOf(FILE, rec, { events });
      expect(r.timeline.source).toBe('events');
      expect(r.actual).toMatchObject({ source: 'events', outcome: 'promoted', decidedAtMs: rec.startMs + 270_000, endMs: rec.startMs + 330_000, failedChecks: 1 });
      const { ours, theirs } = compare(rec, r);
      expect(ours).toEqual(theirs);
      expect(r.comparison[1]).toBe('the Canary as written: promoted at 00:04:30 after 1 failed check: request-success-rate had no values at 00:02:00 — as happened');
    }
  });

  it('judges a candidate floor on the same recording: 99.8 % rolls the canary back at 5:00, as the simulator does with that floor', () => {
    const r = replayOf(FILE, rec, { events: customColumns(rec), overrides: ['metrics.request-success-rate.thresholdRange.min=99.8'] });
    expect(r.runs[1].outcome).toMatchObject({ result: 'rolled-back', atMs: rec.startMs + 300_000, failedChecks: 3 });
    expect(r.comparison[2]).toBe(
      'with metrics.request-success-rate.thresholdRange.min=99.8: rolled back at 00:05:00 (Rolling back checkout.shop failed checks threshold reached 3) after 3 failed checks: ' +
        'request-success-rate had no values at 00:02:00; request-success-rate < 99.8 twice (99.66 at 00:04:00, 99.57 at 00:04:30) — differs from what happened (promoted)',
    );
    // The simulator with that floor, same seed: it rolls back at the same tick. (Its canary stayed at 40 % from
    // 4:00 where the recording had 50 %, so its 4:30 reading differs; both fail the floor.)
    const scenario = mustLoadFile(FILE);
    const flagger = scenario.flagger;
    if (!flagger) throw new Error('no Flagger');
    const tuned = withKnob(flagger.canaries[0], { kind: 'metric', metric: 'request-success-rate', bound: 'min' }, 99.8);
    if ('error' in tuned) throw new Error(tuned.error);
    const sim = new Simulation({ ...scenario, flagger: { ...flagger, canaries: [tuned] } }, {}).runToEnd();
    expect(sim.outcome).toMatchObject({ promoted: false, decidedAt: 300 });
    const at = (t: number) => sim.checks.find((c) => c.t === t && c.metric === 'request-success-rate')?.value;
    expect(at(240)).toBe(r.runs[1].ticks.find((t) => t.tMs === rec.startMs + 240_000)?.checks[0].value);
    expect(at(270)).not.toBe(r.runs[1].ticks.find((t) => t.tMs === rec.startMs + 270_000)?.checks[0].value);
  });

  it('reproduces a rollout through two Traefik replicas scraped 7.5 s apart (the default scenario)', () => {
    const DEFAULT = 'scenarios/default.yaml';
    const d = record(DEFAULT);
    const r = replayOf(DEFAULT, d);
    expect(r.timeline.source).toBe('traffic');
    const { ours, theirs } = compare(d, r);
    expect(theirs.length).toBeGreaterThan(10);
    expect(ours).toEqual(theirs);
    expect(r.runs[0].outcome.atMs).toBe(d.startMs + (d.run.outcome?.decidedAt as number) * 1000);
    expect(r.runs[0].outcome.result).toBe(d.run.outcome?.promoted ? 'promoted' : 'rolled-back');
  });
});
