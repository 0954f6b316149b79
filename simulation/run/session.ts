import type { Diagnostic } from '../scenario/diagnostics';
import { type LoadedScenario, loadScenario, type ScenarioHost } from '../scenario/loader';
import { powerLint } from '../power/lint';
import type { SeriesPoint } from '../model/world';
import type { Version } from '../model/spec';
import { checkExpectation, type ExpectationResult } from './expect';
import { type FaultSchedule, windows } from '../faults/spec';
import { compileLiveFault } from '../scenario/live-fault';
import { buildEvidence, readExerciseRecord, type ReportScore, scoreOf, toHtml, toJson, toMarkdown } from '../gameday/report';
import { type RunAction, type RunMode, type RunResult, Simulation } from './simulation';
import type { DecisionAction, GateDecision } from './gates';
import type { GameDayPlan } from '../gameday/record';
import { buildTopology, type Topology } from './topology';
import type { Lesson } from '../scenario/lesson';
import { seedOf, SweepRunner } from '../sweep/run';
import { loadSweep, runCount, unitOf } from '../sweep/spec';
import { sweepHost, type SweepRequest } from '../sweep/workers';
import { PowerLab, type PowerQuery, type PowerReport } from '../power/lab';

/**
 * A run session: what a worker (the browser's web worker, the desktop app's
 * worker thread) does for the UI. It loads a scenario — the editor's text
 * over the file it came from, includes read through the host — and runs it
 * in slices: the UI asks to advance to a time or seek to one, and gets the
 * run record up to there. The same commands in the same order give the
 * same replies, byte for byte, in every host.
 */

/** What a scenario holds, for the library and the run view's header. */
export interface ScenarioSummary {
  name: string;
  description: string;
  file: string;
  seed: number;
  /** Seconds. */
  duration: number;
  services: string[];
  streams: string[];
  /** The rolled-out Canary's analysis settings; null without one. */
  canary: {
    name: string;
    interval: number;
    threshold: number;
    stepWeight: number;
    maxWeight: number;
    metrics: Array<{ name: string; min: number | null; max: number | null; interval: string }>;
  } | null;
  rolloutAt: number | null;
  /** The scenario's faults, with the [start, end) windows their schedules open within the run. */
  faults: Array<{ name: string; type: string; at: number; windows: Array<[number, number]> }>;
  slos: Array<{ name: string; objective: number }>;
  expect: { outcome: string } | null;
  /** The onboarding lesson: hook, what to watch, objectives, checkpoint questions (docs/lessons.md). */
  lesson: Lesson | null;
  /** The traffic graph: streams, Traefik's routers and splits, each revision's pods, dependency calls, where faults act. */
  topology: Topology;
  /** The game-day plan; null without one. */
  gameDay: GameDayPlan | null;
}

export type SessionCommand =
  /** Loads a scenario file; `text` replaces the file's own text (the editor's buffer). */
  | { kind: 'open'; file: string; text?: string }
  /** Starts a run of the open scenario (replacing any run). */
  | { kind: 'start'; seed?: number; mode?: RunMode; duration?: number }
  /** Simulates up to `to` seconds (capped at the end). */
  | { kind: 'advance'; to: number }
  /** Moves to `to`: backwards re-simulates from the start (deterministic). */
  | { kind: 'seek'; to: number }
  /** Injects a fault now (the facilitator's palette): a `spec.faults[]` document, its `at` counting from now. */
  | { kind: 'inject'; fault: Record<string, unknown> }
  /** Ends a fault now, whatever its schedule. */
  | { kind: 'cancel-fault'; name: string }
  /** A participant's decision on a human gate, now (game-day mode; recorded in the action log). */
  | { kind: 'decide'; hook: string; decision: GateDecision; by: string; justification: string }
  /** The evidence package of an exercise record (docs/gameday.md): replayed, scored and rendered, as `gameday report` does. */
  | { kind: 'evidence'; record: Record<string, unknown>; format: 'md' | 'html' | 'json' }
  /** The score of an exercise record against ground truth, next to Flagger alone on the same faults. */
  | { kind: 'score'; record: Record<string, unknown> }
  /** Summaries of several scenario files (the library); each loaded on its own. */
  | { kind: 'summaries'; files: string[] }
  /**
   * Opens run `u` of a sweep (the tuning lab's drill-down) and starts it: the configuration's Canary, the situation's
   * regression, the replicate's seed, the situation's mode and the configuration's horizon, exactly as the sweep ran it.
   */
  | ({ kind: 'open-sweep-run'; u: number } & SweepRequest)
  /**
   * The tuning lab's power panel (docs/power.md, "In the tuning lab"): for a sweep's scenario Canary or one of its
   * configurations, at a request rate, the analytic false aborts, detection, time to the decision, least trustworthy
   * rate and curve; with `monteCarlo`, the same figures simulated over seeds (a block at a time with `upTo`).
   */
  | ({ kind: 'power' } & PowerQuery & SweepRequest)
  | { kind: 'close' };

export type SessionReply =
  | { kind: 'opened'; ok: true; summary: ScenarioSummary; diagnostics: Diagnostic[] }
  | { kind: 'opened'; ok: false; diagnostics: Diagnostic[] }
  | { kind: 'snapshot'; snapshot: RunSnapshot }
  /** A sweep's run, opened and started (`open-sweep-run`): what `opened` and `start` would answer, and which run it is. */
  | { kind: 'sweep-run'; summary: ScenarioSummary; snapshot: RunSnapshot; run: SweepRunLabel }
  | { kind: 'summaries'; entries: Array<{ file: string; summary: ScenarioSummary | null; diagnostics: Diagnostic[] }> }
  | { kind: 'evidence'; format: 'md' | 'html' | 'json'; text: string }
  | { kind: 'score'; score: ReportScore }
  | { kind: 'power'; report: PowerReport }
  | { kind: 'closed' }
  | { kind: 'error'; message: string };

/** Which run of a sweep a session shows. */
export interface SweepRunLabel {
  u: number;
  configuration: string;
  situation: string;
  seed: number;
}

/** The run record up to `t`: what every view draws. */
export interface RunSnapshot {
  t: number;
  endTime: number;
  done: boolean;
  seed: number;
  mode: RunMode;
  result: RunResult;
  expectation: ExpectationResult | null;
  /** Which app and version each series column is. */
  seriesKeys: ReadonlyArray<{ app: string; version: Version }>;
  /** Series points (cumulative responses and 5xx, in-flight, ready pods) up to t. */
  series: SeriesPoint[];
  /** Faults active at t, with their target as written. */
  activeFaults: Array<{ name: string; type: string; intensity: number }>;
  /** The run's action log so far: live faults and the participants' decisions (replaying it reproduces the run). */
  actions: RunAction[];
  /** The gates the participants answer, with their latest decision. */
  humanGates: Array<{ hook: string; decision: DecisionAction | null }>;
}

/** A schedule's windows within a run of `duration` seconds (ends clamped to it: no Infinity crosses to a host). */
export function runWindows(schedule: FaultSchedule, duration: number): Array<[number, number]> {
  return windows(schedule, duration).map(([a, b]) => [a, Math.min(b, duration)]);
}

export function summarize(s: LoadedScenario): ScenarioSummary {
  const want = s.flagger?.rollout ?? null;
  const canaries = s.flagger?.canaries ?? [];
  const c = canaries.find((x) => `${x.namespace}/${x.name}` === want) ?? (canaries.length === 1 ? canaries[0] : undefined);
  const doc = s.document.spec;
  return {
    name: s.name,
    description: s.description ?? '',
    file: s.file,
    seed: s.seed,
    duration: s.duration,
    services: Object.keys(doc.services),
    streams: s.world.streams.map((x) => x.name),
    canary: c
      ? {
          name: `${c.namespace}/${c.name}`,
          interval: c.analysis.intervalMs / 1000,
          threshold: c.analysis.threshold,
          stepWeight: c.analysis.stepWeight,
          maxWeight: c.analysis.maxWeight,
          metrics: c.analysis.metrics.map((m) => ({ name: m.name, min: m.thresholdRange?.min ?? null, max: m.thresholdRange?.max ?? null, interval: m.interval })),
        }
      : null,
    rolloutAt: doc.rollout?.at ?? null,
    faults: (s.faults ?? []).map((f) => ({ name: f.name, type: f.params.type, at: f.schedule.at, windows: runWindows(f.schedule, s.duration) })),
    slos: (s.slos ?? []).map((x) => ({ name: x.name, objective: x.objective })),
    expect: s.expect ? { outcome: s.expect.outcome } : null,
    lesson: s.lesson,
    topology: buildTopology(s),
    gameDay: s.gameDay,
  };
}

export class RunSession {
  private scenario: LoadedScenario | null = null;
  /** The power panel's computations (kept between `power` commands with the same inputs). */
  private power: PowerLab | null = null;
  private sim: Simulation | null = null;

  constructor(private readonly host: ScenarioHost) {}

  handle(cmd: SessionCommand): SessionReply {
    try {
      switch (cmd.kind) {
        case 'open':
          return this.open(cmd.file, cmd.text);
        case 'open-sweep-run':
          return this.openSweepRun(cmd);
        case 'power': {
          this.power ??= new PowerLab(this.host);
          return { kind: 'power', report: this.power.report(cmd) };
        }
        case 'start': {
          if (!this.scenario) return { kind: 'error', message: 'no scenario is open' };
          this.sim = new Simulation(this.scenario, { seed: cmd.seed, mode: cmd.mode, duration: cmd.duration });
          return this.snapshot();
        }
        case 'inject': {
          if (!this.sim || !this.scenario) return { kind: 'error', message: 'no run is started' };
          const c = compileLiveFault(this.scenario, cmd.fault);
          if (!c.ok) return { kind: 'error', message: `the fault cannot be injected: ${c.errors.join('; ')}` };
          // The fault engine refuses a name it already has (scheduled, injected or cancelled) and says so.
          this.sim.inject(c.fault);
          // Its first window opens now: let the events due now run, so the snapshot shows it active.
          this.sim.advanceTo(this.sim.now);
          return this.snapshot();
        }
        case 'cancel-fault': {
          if (!this.sim) return { kind: 'error', message: 'no run is started' };
          this.sim.cancelFault(cmd.name);
          return this.snapshot();
        }
        case 'decide': {
          if (!this.sim) return { kind: 'error', message: 'no run is started' };
          this.sim.decide(cmd.hook, cmd.decision, cmd.by, cmd.justification);
          return this.snapshot();
        }
        case 'advance':
        case 'seek': {
          if (!this.sim) return { kind: 'error', message: 'no run is started' };
          if (cmd.kind === 'seek') this.sim.seek(cmd.to);
          else this.sim.advanceTo(cmd.to);
          return this.snapshot();
        }
        case 'evidence': {
          const record = readExerciseRecord(cmd.record);
          const pkg = buildEvidence(record, scoreOf(record));
          const text = cmd.format === 'md' ? toMarkdown(pkg) : cmd.format === 'html' ? toHtml(pkg) : toJson(pkg);
          return { kind: 'evidence', format: cmd.format, text };
        }
        case 'score':
          return { kind: 'score', score: scoreOf(readExerciseRecord(cmd.record)) };
        case 'summaries':
          return {
            kind: 'summaries',
            entries: cmd.files.map((file) => {
              const r = loadScenario(file, this.host);
              return r.ok ? { file, summary: summarize(r.scenario), diagnostics: r.diagnostics } : { file, summary: null, diagnostics: r.diagnostics };
            }),
          };
        case 'close':
          this.sim?.cancel();
          this.sim = null;
          this.scenario = null;
          this.power = null;
          return { kind: 'closed' };
      }
    } catch (e) {
      // A run that fails is reported, never a crashed worker: the message says what went wrong.
      return { kind: 'error', message: e instanceof Error ? e.message : String(e) };
    }
  }

  private open(file: string, text: string | undefined): SessionReply {
    const host = sweepHost(this.host, { file, text });
    const r = loadScenario(file, host);
    this.sim = null;
    if (!r.ok) {
      this.scenario = null;
      return { kind: 'opened', ok: false, diagnostics: r.diagnostics };
    }
    this.scenario = r.scenario;
    // The editor's power warning (docs/power.md): advice beside the loader's diagnostics.
    return { kind: 'opened', ok: true, summary: summarize(r.scenario), diagnostics: [...r.diagnostics, ...powerLint(r.scenario, host)] };
  }

  private openSweepRun(cmd: Extract<SessionCommand, { kind: 'open-sweep-run' }>): SessionReply {
    this.sim = null;
    this.scenario = null;
    const loaded = loadSweep(cmd.file, sweepHost(this.host, cmd));
    if (!loaded.ok) return { kind: 'opened', ok: false, diagnostics: loaded.diagnostics };
    const plan = loaded.plan;
    const total = runCount(plan);
    if (!(Number.isSafeInteger(cmd.u) && cmd.u >= 0 && cmd.u < total)) return { kind: 'error', message: `the sweep ${plan.name} has runs 0 to ${total - 1}, not ${cmd.u}` };
    const { configuration, situation, replicate } = unitOf(plan, cmd.u);
    // The run as SweepRunner.simulation(u) makes it, but with latency summaries: the run view draws them.
    // As a scenario of its own it lasts the configuration's horizon (a restart with another seed runs as long),
    // and the scenario's expected outcome does not apply to a configuration and regression the sweep chose.
    const runner = new SweepRunner(plan);
    this.scenario = { ...plan.scenario, ...runner.scenarioOf(configuration, situation), duration: plan.horizon[configuration], expect: undefined };
    this.sim = runner.simulation(cmd.u, { latencySummaries: true });
    const r = this.snapshot();
    if (r.kind !== 'snapshot') return r;
    const run = { u: cmd.u, configuration: plan.configurations[configuration].label, situation: plan.situations[situation].name, seed: seedOf(plan, replicate) };
    return { kind: 'sweep-run', summary: summarize(this.scenario), snapshot: r.snapshot, run };
  }

  private snapshot(): SessionReply {
    const sim = this.sim as Simulation;
    const result = sim.result();
    const expect = this.scenario?.expect;
    return {
      kind: 'snapshot',
      snapshot: {
        t: sim.now,
        endTime: sim.endTime,
        done: sim.done,
        seed: sim.seed,
        mode: sim.mode,
        result,
        expectation: expect && sim.done ? checkExpectation(expect, result) : null,
        seriesKeys: sim.seriesKeys,
        series: sim.readSeries(0).points,
        activeFaults: sim.activeFaults(),
        actions: [...sim.actionLog],
        humanGates: sim.humanHooks().map((hook) => ({ hook, decision: sim.decisionOn(hook) })),
      },
    };
  }
}
