import { RandomStreams } from '../kernel/random';
import { dryRun, replayTimeline } from '../replay/dry-run';
import { parseEvents } from '../replay/events';
import { importFiles } from '../replay/import';
import { planResampling, resampleRecording, type ResamplePlan, selectRecording } from '../replay/resample';
import { neededSelectors } from '../replay/selectors';
import { formatClock } from '../replay/time';
import { canaryRequestsBetween, type Timeline } from '../replay/timeline';
import type { CanarySpec, MetricTemplateSpec } from '../rollout/types';
import type { Diagnostic } from '../scenario/diagnostics';
import type { ScenarioHost } from '../scenario/loader';
import type { SeriesStore } from '../telemetry/tsdb';
import { dirname, resolveRelative } from '../util/path';
import { parseRfc3339 } from '../util/time';

/**
 * Replayed rollouts as the tuning lab's situations (docs/tuning.md,
 * "Replayed rollouts as situations"): a recording of a real (or simulated)
 * rollout — the series `gameday replay --data` reads, Flagger's events as
 * `--events` — judged by each configuration's Canary in dry run, as
 * `gameday replay` judges it (simulation/replay/dry-run.ts), once per seed
 * over the recording with its counting noise drawn again
 * (simulation/replay/resample.ts), so a configuration's rates over a
 * recording are rates over the rollouts the same traffic could have given.
 *
 * The recording is imported, its timeline reconstructed and its counting
 * series found once, when the sweep loads (in each worker that loads it);
 * a run only draws the noise and runs the dry run.
 */

/** A replayed situation as the sweep document writes it (`spec.situations[].replay`). */
export interface ReplayDocument {
  data: string | string[];
  events?: string;
  eventsAt?: string;
  healthy: boolean;
  /** Seconds after the recorded analysis start. */
  onset?: number;
  noise: 'poisson' | 'none';
}

/** A replayed situation as the plan holds it: the recording read once, its timeline, how it is resampled. */
export interface ReplayRecording {
  /** The recording's files (resolved from the sweep file), as read. */
  data: string[];
  events: string | null;
  noise: 'poisson' | 'none';
  /** The series the Canary's queries and the timeline read (the rest of the recording is left out). */
  store: SeriesStore;
  resample: ResamplePlan;
  /** The recorded analysis' ticks (from the unresampled recording, or the events): every seed ticks on them. */
  timeline: Timeline;
  /** The analysis start (ms): decisions and the onset are counted from it. */
  startMs: number;
  /** The end of the recorded analysis (ms): an undecided run's bad requests are counted to it. */
  endMs: number;
  /** The Traefik counter the canary's requests are counted from (null: none in the recording). */
  requestsMetric: string | null;
  templates: readonly MetricTemplateSpec[];
  /** What the recording shows happened: Flagger's events' outcome, or what Traefik's rates show (timeline.ts). */
  recorded: string;
}

/** Where a replayed situation is in the sweep and how to report on it. */
export interface ReplayContext {
  sweepFile: string;
  /** The host the sweep is read through (files read go into the fingerprint). */
  host: ScenarioHost;
  /** The rolled-out Canary as written: the timeline is reconstructed with it, as `gameday replay` does. */
  canary: CanarySpec;
  templates: readonly MetricTemplateSpec[];
  /** The situation's path in the sweep document, e.g. ['spec', 'situations', 2]. */
  at: Array<string | number>;
  err: (path: Array<string | number>, message: string) => void;
  warn: (path: Array<string | number>, message: string) => void;
  /** A diagnostic located in another file (the recording's, the events'). */
  report: (d: Diagnostic) => void;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * Reads a replayed situation's files through the sweep's host and checks
 * them against the Canary: every problem located (the sweep's field, or the
 * recording's line). Null when it cannot be replayed.
 */
export function loadReplayRecording(doc: ReplayDocument, ctx: ReplayContext): ReplayRecording | null {
  const at = [...ctx.at, 'replay'];
  const dir = dirname(ctx.sweepFile);
  const data = Array.isArray(doc.data) ? doc.data : [doc.data];
  const dataAt = (i: number) => (Array.isArray(doc.data) ? [...at, 'data', i] : [...at, 'data']);
  let ok = true;
  const texts: Array<{ file: string; text: string }> = [];
  data.forEach((d, i) => {
    const file = resolveRelative(dir, d);
    const text = ctx.host.readFile(file);
    if (text === null) {
      ctx.err(dataAt(i), `cannot read the recording ${file} (query_range JSON or OpenMetrics with timestamps, relative to the sweep file)`);
      ok = false;
    } else texts.push({ file, text });
  });
  let events = null;
  let eventsFile: string | null = null;
  if (doc.events !== undefined) {
    eventsFile = resolveRelative(dir, doc.events);
    const text = ctx.host.readFile(eventsFile);
    if (text === null) {
      ctx.err([...at, 'events'], `cannot read Flagger's events ${eventsFile} (relative to the sweep file)`);
      ok = false;
    } else {
      events = parseEvents(eventsFile, text);
      for (const d of events.diagnostics) ctx.report(d);
      const errors = events.diagnostics.filter((d) => d.severity === 'error').length;
      if (errors > 0) {
        ctx.err([...at, 'events'], `${plural(errors, 'line')} of ${eventsFile} could not be read (above)`);
        ok = false;
      }
    }
  }
  let eventsAtMs: number | null = null;
  if (doc.eventsAt !== undefined) {
    eventsAtMs = parseRfc3339(doc.eventsAt);
    if (doc.events === undefined) ctx.err([...at, 'eventsAt'], 'eventsAt (when the events\' ages were printed) goes with events');
    if (eventsAtMs === null) ctx.err([...at, 'eventsAt'], `expected when the events were printed as an RFC 3339 time, e.g. 2026-11-03T14:30:00Z, found ${JSON.stringify(doc.eventsAt)}`);
    if (doc.events === undefined || eventsAtMs === null) ok = false;
  }
  if (doc.healthy && doc.onset !== undefined) {
    ctx.err([...at, 'onset'], 'a healthy recording has no regression to begin: onset goes with healthy: false');
    ok = false;
  }
  if (!ok) return null;

  const imported = importFiles(texts);
  for (const d of imported.diagnostics) ctx.report(d);
  const errors = imported.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    ctx.err([...at, 'data'], `the recording has ${plural(errors, 'error')} (above): nothing can be replayed`);
    return null;
  }
  const full = imported.store;
  const read = replayTimeline({ canary: ctx.canary, store: full, events, eventsAtMs });
  const where = events ? [...at, 'events'] : [...at, 'data'];
  if (!read.ok) {
    for (const e of read.errors) ctx.err(where, `the recorded analysis cannot be reconstructed: ${e}`);
    return null;
  }
  const { timeline, trafficTimeline, actual } = read.value;
  for (const w of read.value.warnings) ctx.warn(where, w);
  const startMs = timeline.startMs as number;
  if (timeline.endMs === null) ctx.warn(where, `the recording ends during the analysis (${timeline.reason}): a configuration that has not decided by ${formatClock(timeline.dataToMs)} is undecided`);

  // The series the Canary's queries read must be there: a query over nothing fails every check.
  const needed = neededSelectors(ctx.canary, ctx.templates);
  let store = full;
  if (needed.problems.length === 0) {
    const chosen = selectRecording(full, needed.selectors.map((s) => s.matchers));
    needed.selectors.forEach((s, k) => {
      const readers = s.usedBy.filter((u) => u !== 'timeline');
      if (chosen.selected[k] > 0 || readers.length === 0) return;
      const name = s.matchers.find((m) => m.name === '__name__' && m.op === '=')?.value;
      const what = `the recording has no series ${s.selector}, which ${readers.join(', ')} read${readers.length === 1 ? 's' : ''}`;
      // A metric missing altogether was not recorded; one label set missing may just not have happened (no 5xx answered).
      if (name !== undefined && full.postings('__name__', name).length === 0) {
        ctx.err([...at, 'data'], `${what}: every such check would find no values (record or pull ${name} too)`);
        ok = false;
      } else ctx.warn([...at, 'data'], `${what} (a label set that never occurred, or one the recording left out?)`);
    });
    store = chosen.store;
  } else for (const p of needed.problems) ctx.warn([...at, 'data'], `${p}: the recording is replayed whole`);
  if (!ok) return null;
  const resample = planResampling(store);
  if (doc.noise === 'poisson') for (const w of resample.warnings) ctx.warn([...at, 'noise'], w);
  const requestsMetric = trafficTimeline?.metric || null;
  if (!doc.healthy && requestsMetric === null) ctx.warn([...at, 'data'], "the recording has no Traefik request counters of the canary: its bad requests are counted as 0");
  return {
    data: texts.map((t) => t.file),
    events: eventsFile,
    noise: doc.noise,
    store,
    resample,
    timeline,
    startMs,
    endMs: timeline.endMs ?? timeline.dataToMs,
    requestsMetric,
    templates: ctx.templates,
    recorded: actual?.outcome ?? timeline.outcome,
  };
}

/** What a replayed run measured (the fields of a run record; budget and shadow judges have no meaning here). */
export interface ReplayRunMeasures {
  outcome: 'promoted' | 'rolled-back' | 'undecided';
  decidedAfter: number | null;
  detection: number | null;
  badRequests: number;
}

/** The recording a replicate sees: resampled with the replicate's seed (the same in every configuration), or as recorded. */
export function recordingOf(rec: ReplayRecording, situation: string, seed: number): SeriesStore {
  if (rec.noise === 'none') return rec.store;
  return resampleRecording(rec.store, rec.resample, new RandomStreams(seed).stream(`sweep-replay/${situation}`));
}

/**
 * One configuration's Canary dry-run over one replicate's recording:
 * decisions counted from the recorded analysis start, detection from the
 * onset, bad requests the canary's requests Traefik counted from the onset
 * to the decision (or the end of the recorded analysis).
 */
export function replayRunMeasures(rec: ReplayRecording, canary: CanarySpec, store: SeriesStore, healthy: boolean, onset: number): ReplayRunMeasures {
  const run = dryRun('sweep', [], canary, rec.templates, store, rec.timeline);
  const o = run.outcome;
  const decidedAfter = o.result === 'undecided' || o.atMs === null ? null : (o.atMs - rec.startMs) / 1000;
  const onsetMs = rec.startMs + onset * 1000;
  const end = decidedAfter === null ? rec.endMs : (o.atMs as number);
  return {
    outcome: o.result,
    decidedAfter,
    detection: !healthy && o.result === 'rolled-back' && decidedAfter !== null ? Math.max(0, decidedAfter - onset) : null,
    badRequests: healthy || rec.requestsMetric === null ? 0 : canaryRequestsBetween(store, canary, rec.requestsMetric, onsetMs, end),
  };
}
