/**
 * An Argo Rollouts AnalysisRun over the simulated Prometheus, as Argo's
 * analysis controller (`analysis/analysis.go`) runs one: measurements taken
 * on each metric's schedule, each classified by the success and failure
 * conditions (`utils/evaluate/evaluate.go`), each metric assessed against
 * its limits and count, and the run rolled up to the worst metric phase
 * (`utils/analysis/helpers.go`). It runs in dry run beside Flagger: it only
 * reads the store and decides nothing in the simulation.
 *
 * {@link AnalysisRun.advanceTo} takes the measurements due up to a time, so
 * a host can advance it alongside a simulation (after advancing the
 * simulation to that time: queries only see samples up to their own time,
 * so asking after the fact gives the same answers as asking live);
 * {@link evaluateAnalysis} runs one over a whole interval.
 *
 * Times are Unix milliseconds, the store's sample timestamps
 * (`Simulation.timestamp(t)` maps simulated seconds to them).
 *
 * Reference: ../shared/reference/judges-chaos-slo.md §1.2; docs/judges-argo.md.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import type { ApiResponse } from '../promql/engine';
import { formatFloat } from '../rollout/format';
import type { Diagnostic } from '../scenario/diagnostics';
import { type ArgoTemplate, checkTemplates, type ResolvedMetric } from './argo';
import { evalCondition, type ExprValue, PROMETHEUS_SCALAR, PROMETHEUS_VECTOR } from './argo-expr';
import { parseGoFloat } from '../util/go-float';

/** Phases of a measurement, a metric and the run (`AnalysisPhase`). */
export type AnalysisPhase = 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';

/** How Argo ranks completed phases, best to worst (`analysisStatusOrder`). */
export const PHASE_ORDER: readonly AnalysisPhase[] = ['Successful', 'Running', 'Pending', 'Inconclusive', 'Error', 'Failed'];

export function isCompleted(p: AnalysisPhase): boolean {
  return p === 'Successful' || p === 'Failed' || p === 'Error' || p === 'Inconclusive';
}

/** Argo's `IsWorse(current, next)`. */
export function isWorse(current: AnalysisPhase, next: AnalysisPhase): boolean {
  return PHASE_ORDER.indexOf(next) > PHASE_ORDER.indexOf(current);
}

/** Argo retries a measurement that errored after 10 s, whatever the interval (`DefaultErrorRetryInterval`). */
export const ERROR_RETRY_INTERVAL_MS = 10_000;

/** Answers one PromQL instant query at a time; the simulator's `instantQuery(store, q, t)` fits. */
export type InstantQuery = (query: string, atMs: number) => ApiResponse;

export interface Measurement {
  metric: string;
  /** When it was taken (Argo's startedAt = finishedAt: the simulated Prometheus answers at once). */
  atMs: number;
  phase: 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
  /** Argo's `value`: a vector as "[v1,v2]", a scalar as its number (Go's %f shortest); '' on an error. */
  value: string;
  /** The values the conditions saw (`result`): a list for a vector, a number for a scalar; null on an error. */
  result: number[] | number | null;
  /** Argo's message: the error for an Error measurement, else ''. */
  message: string;
  /** Why it is in its phase, in words (the simulator's, for people). */
  detail: string;
}

export interface MetricStatus {
  name: string;
  phase: AnalysisPhase;
  /** Argo's `MetricResult.message`: the last measurement's message when the phase last changed. */
  message: string;
  /** Why the metric is in its phase (the limit exceeded, the count reached, …). */
  reason: string;
  dryRun: boolean;
  /** Measurements without error (Argo's `count`). */
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveError: number;
  consecutiveSuccess: number;
  /** Every measurement taken (Argo keeps only the last `retention` in the run's status). */
  measurements: Measurement[];
  retention: number;
  /** When the next measurement is due; null when none will be taken. */
  nextAtMs: number | null;
  /** When the metric completed; null while it runs. */
  decidedAtMs: number | null;
}

/** A phase change of a metric (`metric` set) or of the run. */
export interface PhaseChange {
  atMs: number;
  metric: string | null;
  from: AnalysisPhase;
  to: AnalysisPhase;
  /** Why, in words. */
  reason: string;
}

/** Argo's run summaries (`runSummary`, `dryRunSummary`). */
export interface RunSummary {
  count: number;
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
}

export interface RunOptions {
  /** Argument values (override the template's `value`s; required for arguments without one). */
  args?: Readonly<Record<string, string>>;
  /** When the run starts (Unix ms). */
  startMs: number;
  query: InstantQuery;
}

export type RunCreation =
  | { ok: true; run: AnalysisRun; diagnostics: Diagnostic[] }
  | {
      ok: false;
      diagnostics: Diagnostic[];
      /** What Argo would report: the Rollout could not create the run, or the run ends in Error at once. */
      message: string;
    };

/**
 * Creates a run of one template, or of several merged as Argo merges a Rollout's `templates` (metrics and args of
 * all; a metric name twice, or an argument with two values, is an error). Problems come back located in the
 * templates' files.
 */
export function createAnalysisRun(templates: ArgoTemplate | readonly ArgoTemplate[], options: RunOptions): RunCreation {
  const list: readonly ArgoTemplate[] = Array.isArray(templates) ? templates : [templates as ArgoTemplate];
  const diagnostics: Diagnostic[] = [];
  const report = (severity: Diagnostic['severity'], at: { file: string; line: number; column: number; path: string }, message: string) => diagnostics.push({ severity, ...at, message });

  // Arguments: the templates' (merged), then the supplied values.
  const declared = new Map<string, { value: string | null; valueFrom: string | null }>();
  let argError: string | null = null;
  for (const t of list) {
    for (const a of t.args) {
      const prev = declared.get(a.name);
      if (prev && prev.value !== null && a.value !== null && prev.value !== a.value) {
        argError ??= `Argument \`${a.name}\` specified multiple times with different values: '${prev.value}', '${a.value}'`;
        report('error', a.at, `argument ${a.name} is declared by two templates with different values (${JSON.stringify(prev.value)} and ${JSON.stringify(a.value)})`);
      }
      if (!prev || prev.value === null) declared.set(a.name, { value: a.value, valueFrom: a.valueFrom });
    }
  }
  const supplied = options.args ?? {};
  for (const name of Object.keys(supplied)) {
    if (!declared.has(name)) {
      const first = list[0];
      report('warning', first ? first.at : { file: '', line: 0, column: 0, path: '' }, `argument ${name} is not declared by the template: ignored`);
    }
  }
  const values = new Map<string, string | null>();
  for (const [name, a] of declared) {
    const v = Object.prototype.hasOwnProperty.call(supplied, name) ? supplied[name] : a.value;
    if (v === null && a.valueFrom !== null) {
      const at = list.flatMap((t) => t.args).find((x) => x.name === name)?.at;
      if (at) report('error', at, `args.${name} takes its value from ${a.valueFrom}, which the simulator cannot read: supply its value with the run's arguments`);
      argError ??= `args.${name} was not resolved`;
      values.set(name, null);
      continue;
    }
    if (v === null) {
      const at = list.flatMap((t) => t.args).find((x) => x.name === name)?.at;
      if (at) report('error', at, `args.${name} was not resolved: the template gives it no value, so the run must`);
      argError ??= `args.${name} was not resolved`;
    }
    values.set(name, v);
  }

  const metrics = checkTemplates(list, values, 'run', report);
  if (argError !== null || metrics === null) {
    const first = diagnostics.find((d) => d.severity === 'error');
    return { ok: false, diagnostics, message: argError ?? `Analysis spec invalid: ${first ? first.message : 'the templates have errors'}` };
  }
  return { ok: true, run: new AnalysisRun(metrics, options.startMs, options.query), diagnostics };
}

interface MetricState extends MetricStatus {
  spec: ResolvedMetric;
}

/** One AnalysisRun: advance it in time; read its phase, its metrics and every measurement. */
export class AnalysisRun {
  private readonly states: MetricState[];
  private _phase: AnalysisPhase = 'Running';
  private _message = '';
  private _reason = 'measuring';
  private _decidedAtMs: number | null = null;
  private _nowMs: number;
  private terminated = false;
  private readonly changes: PhaseChange[] = [];

  constructor(
    metrics: readonly ResolvedMetric[],
    readonly startMs: number,
    private readonly query: InstantQuery,
  ) {
    this._nowMs = startMs;
    this.states = metrics.map((spec) => ({
      spec,
      name: spec.name,
      phase: 'Pending',
      message: '',
      reason: spec.initialDelayMs > 0 ? `waiting for the initial delay (${spec.initialDelayMs / 1000}s)` : 'not measured yet',
      dryRun: spec.dryRun,
      count: 0,
      successful: 0,
      failed: 0,
      inconclusive: 0,
      error: 0,
      consecutiveError: 0,
      consecutiveSuccess: 0,
      measurements: [],
      retention: spec.retention,
      nextAtMs: startMs + spec.initialDelayMs,
      decidedAtMs: null,
    }));
    this.changes.push({ atMs: startMs, metric: null, from: 'Pending', to: 'Running', reason: 'the run started' });
  }

  /** The run's phase now. */
  get phase(): AnalysisPhase {
    return this._phase;
  }

  /** Argo's run message (e.g. `Metric "x" assessed Failed due to failed (2) > failureLimit (1)`); '' when Argo has none. */
  get message(): string {
    return this._message;
  }

  /** Why the run is in its phase, in words. */
  get reason(): string {
    return this._reason;
  }

  /** When the run completed; null while it runs. */
  get decidedAtMs(): number | null {
    return this._decidedAtMs;
  }

  /** How far the run has been advanced. */
  get nowMs(): number {
    return this._nowMs;
  }

  get completed(): boolean {
    return isCompleted(this._phase);
  }

  /** Each metric's state (copies). */
  metrics(): MetricStatus[] {
    return this.states.map(({ spec: _spec, ...s }) => ({ ...s, measurements: [...s.measurements] }));
  }

  /** Every measurement of every metric, in time order (metric order within a time). */
  measurements(): Measurement[] {
    return this.states.flatMap((s) => s.measurements).sort((a, b) => a.atMs - b.atMs || this.indexOf(a.metric) - this.indexOf(b.metric));
  }

  /** Phase changes of the run and its metrics, in order. */
  history(): PhaseChange[] {
    return [...this.changes];
  }

  /** Argo's run and dry-run summaries. */
  summaries(): { run: RunSummary; dryRun: RunSummary } {
    const empty = (): RunSummary => ({ count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0 });
    const run = empty();
    const dry = empty();
    for (const s of this.states) {
      const sum = s.dryRun ? dry : run;
      sum.count++;
      if (!isCompleted(s.phase)) continue;
      // Argo counts a completed metric by its limit violation, and as successful when none (even a Failed by count).
      const v = limitViolation(s).phase;
      if (v === 'Error') sum.error++;
      else if (v === 'Failed') sum.failed++;
      else if (v === 'Inconclusive') sum.inconclusive++;
      else sum.successful++;
    }
    return { run, dryRun: dry };
  }

  private indexOf(metric: string): number {
    return this.states.findIndex((s) => s.name === metric);
  }

  /** Takes every measurement due up to `tMs` (inclusive), in time order, and assesses after each batch. */
  advanceTo(tMs: number): void {
    while (!this.completed) {
      let due = Infinity;
      for (const s of this.states) if (s.nextAtMs !== null && !isCompleted(s.phase) && s.nextAtMs < due) due = s.nextAtMs;
      if (due > tMs) break;
      this.reconcile(due);
    }
    if (tMs > this._nowMs) this._nowMs = tMs;
  }

  /**
   * Stops the run at `atMs` (Argo's `spec.terminate`, as when the rollout it belongs to ends): measurements due
   * until then are taken, then the metrics still running succeed unless a limit was exceeded.
   */
  terminate(atMs: number, reason = 'the run was terminated'): void {
    this.advanceTo(atMs);
    if (this.completed) return;
    this.terminated = true;
    this._nowMs = Math.max(this._nowMs, atMs);
    this.assess(atMs, reason);
  }

  /** One reconcile at time `t`: measure what is due (unless the run is ending), then assess. */
  private reconcile(t: number): void {
    this._nowMs = t;
    if (!this.isTerminating()) {
      for (const s of this.states) if (!isCompleted(s.phase) && s.nextAtMs !== null && s.nextAtMs <= t) this.measure(s, t);
    }
    this.assess(t);
    // A metric that just ended the run makes Argo reconcile again at once: the others are then assessed as terminating.
    if (!this.completed && this.isTerminating()) this.assess(t);
  }

  /** Argo's `IsTerminating`: terminated, or a metric (not in dry run) Failed, Errored or is Inconclusive. */
  private isTerminating(): boolean {
    return this.terminated || this.states.some((s) => !s.dryRun && (s.phase === 'Failed' || s.phase === 'Error' || s.phase === 'Inconclusive'));
  }

  private measure(s: MetricState, t: number): void {
    const m = measureOnce(s.spec, this.query, t);
    s.measurements.push(m);
    switch (m.phase) {
      case 'Successful':
        s.successful++;
        s.count++;
        s.consecutiveError = 0;
        s.consecutiveSuccess++;
        break;
      case 'Failed':
        s.failed++;
        s.count++;
        s.consecutiveError = 0;
        s.consecutiveSuccess = 0;
        break;
      case 'Inconclusive':
        s.inconclusive++;
        s.count++;
        s.consecutiveError = 0;
        s.consecutiveSuccess = 0;
        break;
      case 'Error':
        s.error++;
        s.consecutiveError++;
        s.consecutiveSuccess = 0;
        break;
    }
    const spec = s.spec;
    if (m.phase === 'Error') s.nextAtMs = t + ERROR_RETRY_INTERVAL_MS;
    else if (spec.effectiveCount !== null && s.count >= spec.effectiveCount) s.nextAtMs = null;
    else s.nextAtMs = spec.intervalMs !== null ? t + spec.intervalMs : null;
  }

  /** Argo's `assessRunStatus`: each metric's phase, then the run's. */
  private assess(t: number, terminateReason?: string): void {
    const terminating = this.isTerminating();
    let worst: AnalysisPhase | null = null;
    let worstMessage = this.terminated ? 'Run Terminated' : '';
    let worstReason = '';
    let everythingCompleted = true;
    for (const s of this.states) {
      if (s.measurements.length === 0) {
        // No result yet (e.g. still in its initial delay): not assessed, and the run is not complete.
        everythingCompleted = false;
        continue;
      }
      const next = assessMetric(s, terminating);
      if (next.phase !== s.phase) {
        this.changes.push({ atMs: t, metric: s.name, from: s.phase, to: next.phase, reason: next.reason });
        s.message = s.measurements[s.measurements.length - 1].message;
        s.phase = next.phase;
        s.reason = next.reason;
        if (isCompleted(next.phase)) {
          s.decidedAtMs = t;
          s.nextAtMs = null;
        }
      }
      if (!isCompleted(s.phase)) {
        everythingCompleted = false;
        continue;
      }
      const v = limitViolation(s);
      if (!s.dryRun) {
        if (worst === null || isWorse(worst, s.phase)) {
          worst = s.phase;
          worstReason = `metric ${s.name}: ${s.reason}`;
          if (v.message !== '') {
            worstMessage = `Metric "${s.name}" assessed ${s.phase} due to ${v.message}`;
            if (s.message !== '') worstMessage += `: "Error Message: ${s.message}"`;
          }
        }
      } else {
        if (worst === null) worst = 'Successful';
        if (v.message !== '') s.message = `Metric assessed ${s.phase} due to ${v.message}`;
      }
    }
    let phase: AnalysisPhase;
    let reason: string;
    if (terminating) {
      phase = worst ?? 'Successful';
      reason = this.terminated ? `${terminateReason ?? 'the run was terminated'}${worst && worst !== 'Successful' ? `; ${worstReason}` : ''}` : worstReason;
    } else if (!everythingCompleted || worst === null) {
      phase = 'Running';
      reason = 'measuring';
    } else {
      phase = worst;
      reason = phase === 'Successful' ? 'every metric completed successfully' : worstReason;
    }
    if (phase !== this._phase) {
      this.changes.push({ atMs: t, metric: null, from: this._phase, to: phase, reason });
      this._phase = phase;
      this._message = worstMessage.trim();
      this._reason = reason;
      if (isCompleted(phase)) {
        this._decidedAtMs = t;
        for (const s of this.states) s.nextAtMs = null;
      }
    }
  }
}

/** Argo's `assessMetricFailureInconclusiveOrError`: later checks win (Error over Inconclusive over Failed). */
function limitViolation(s: MetricState): { phase: AnalysisPhase | null; message: string } {
  const spec = s.spec;
  let phase: AnalysisPhase | null = null;
  let message = '';
  if (spec.failureLimit >= 0 && s.failed > spec.failureLimit) {
    phase = 'Failed';
    message = `failed (${s.failed}) > failureLimit (${spec.failureLimit})`;
  }
  if (s.inconclusive > spec.inconclusiveLimit) {
    phase = 'Inconclusive';
    message = `inconclusive (${s.inconclusive}) > inconclusiveLimit (${spec.inconclusiveLimit})`;
  }
  if (s.consecutiveError > spec.consecutiveErrorLimit) {
    phase = 'Error';
    message = `consecutiveErrors (${s.consecutiveError}) > consecutiveErrorLimit (${spec.consecutiveErrorLimit})`;
  }
  return { phase, message };
}

/** Argo's `assessMetricStatus` for a metric with at least one measurement. */
function assessMetric(s: MetricState, terminating: boolean): { phase: AnalysisPhase; reason: string } {
  if (isCompleted(s.phase)) return { phase: s.phase, reason: s.reason };
  const spec = s.spec;
  const v = limitViolation(s);
  if (v.phase !== null) return { phase: v.phase, reason: v.message };
  if (spec.consecutiveSuccessLimit > 0 && s.consecutiveSuccess >= spec.consecutiveSuccessLimit) {
    return { phase: 'Successful', reason: `consecutive successes (${s.consecutiveSuccess}) reached consecutiveSuccessLimit (${spec.consecutiveSuccessLimit})` };
  }
  if (spec.effectiveCount !== null && s.count >= spec.effectiveCount) {
    const failureOn = spec.failureLimit >= 0;
    const successOn = spec.consecutiveSuccessLimit > 0;
    const reached = `count (${spec.effectiveCount}) reached`;
    if (failureOn && !successOn) return { phase: 'Successful', reason: `${reached}, failed (${s.failed}) within failureLimit (${spec.failureLimit})` };
    if (failureOn && successOn) return { phase: 'Inconclusive', reason: `${reached} without ${spec.consecutiveSuccessLimit} consecutive successes (consecutiveSuccessLimit)` };
    return { phase: 'Failed', reason: `${reached} without ${spec.consecutiveSuccessLimit} consecutive successes (consecutiveSuccessLimit; failureLimit off)` };
  }
  if (terminating) return { phase: 'Successful', reason: 'the run ended while the metric was running, within its limits' };
  return { phase: 'Running', reason: `${s.count} measurement${s.count === 1 ? '' : 's'}${spec.effectiveCount !== null ? ` of ${spec.effectiveCount}` : ''}` };
}

/** Go's `model.SampleValue.String()`: strconv.FormatFloat(v, 'f', -1, 64). */
function sampleString(v: number): string {
  return formatFloat(v, 'f', -1);
}

/** One measurement of a metric at `t`: the query through Argo's Prometheus provider, then the conditions. */
export function measureOnce(spec: ResolvedMetric, query: InstantQuery, t: number): Measurement {
  const error = (message: string): Measurement => ({ metric: spec.name, atMs: t, phase: 'Error', value: '', result: null, message, detail: `error: ${message}` });
  if (spec.providerError !== null) return error(spec.providerError);
  const r = query(spec.query, t);
  // The Prometheus client's error text: "<errorType>: <error>".
  if (r.status === 'error') return error(`${r.errorType}: ${r.error}`);
  const data = r.data;
  let result: ExprValue;
  let value: string;
  let numbers: number[] | number;
  let type = PROMETHEUS_VECTOR;
  if (data.resultType === 'scalar') {
    const x = parseGoFloat(data.result[1]) ?? NaN;
    result = x;
    numbers = x;
    value = sampleString(x);
    type = PROMETHEUS_SCALAR;
  } else if (data.resultType === 'vector') {
    const xs = data.result.map((s) => parseGoFloat(s.value[1]) ?? NaN);
    result = xs;
    numbers = xs;
    value = `[${xs.map(sampleString).join(',')}]`;
  } else {
    return error('Prometheus metric type not supported');
  }
  const base = { metric: spec.name, atMs: t, value, result: numbers };
  const success = spec.successCondition;
  const failure = spec.failureCondition;
  let succeeded = false;
  let failed = false;
  if (success) {
    const e = evalCondition(success, result, type);
    if (!e.ok) return { ...base, phase: 'Error', message: e.error, detail: `successCondition ${success.text}: ${e.error}` };
    succeeded = e.value;
  }
  if (failure) {
    const e = evalCondition(failure, result, type);
    if (!e.ok) return { ...base, phase: 'Error', message: e.error, detail: `failureCondition ${failure.text}: ${e.error}` };
    failed = e.value;
  }
  // evaluate.go: no condition ⇒ Successful (this engine's code; its docs say Inconclusive, §1.2).
  if (!success && !failure) return { ...base, phase: 'Successful', message: '', detail: 'no condition: every measurement without error is Successful' };
  if (success && !failure) failed = !succeeded;
  if (!success && failure) succeeded = !failed;
  const says = (c: { text: string }, v: boolean) => `${c === success ? 'successCondition' : 'failureCondition'} ${c.text} is ${v}`;
  if (failed) {
    const why = failure ? says(failure, true) : says(success as { text: string }, false);
    return { ...base, phase: 'Failed', message: '', detail: `${why} for ${value}` };
  }
  if (!succeeded) return { ...base, phase: 'Inconclusive', message: '', detail: `neither condition holds for ${value}` };
  const why = success ? says(success, true) : says(failure as { text: string }, false);
  return { ...base, phase: 'Successful', message: '', detail: `${why} for ${value}` };
}

/** What a run came to over an interval. */
export interface AnalysisResult {
  phase: AnalysisPhase;
  message: string;
  reason: string;
  decidedAtMs: number | null;
  metrics: MetricStatus[];
  measurements: Measurement[];
  history: PhaseChange[];
  summaries: { run: RunSummary; dryRun: RunSummary };
}

/**
 * Runs an analysis over [startMs, endMs]: every measurement due by `endMs`. With `terminateAtEnd` a run still
 * running at `endMs` is terminated there (as a Rollout stops its background analysis when it completes): it then
 * succeeds unless a limit was exceeded.
 */
export function evaluateAnalysis(
  templates: ArgoTemplate | readonly ArgoTemplate[],
  options: RunOptions & { endMs: number; terminateAtEnd?: boolean },
): { ok: true; result: AnalysisResult; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[]; message: string } {
  const created = createAnalysisRun(templates, options);
  if (!created.ok) return created;
  const run = created.run;
  if (options.terminateAtEnd) run.terminate(options.endMs, 'the analysis window ended');
  else run.advanceTo(options.endMs);
  return { ok: true, diagnostics: created.diagnostics, result: snapshot(run) };
}

/** A run's state as plain data. */
export function snapshot(run: AnalysisRun): AnalysisResult {
  return {
    phase: run.phase,
    message: run.message,
    reason: run.reason,
    decidedAtMs: run.decidedAtMs,
    metrics: run.metrics(),
    measurements: run.measurements(),
    history: run.history(),
    summaries: run.summaries(),
  };
}
