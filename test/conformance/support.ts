/**
 * Scripted ports for the rollout controller's conformance suite (flagger.md §11): a fake cluster with scripted
 * readiness per tick, a target revision that tests change, a router that behaves like Flagger's Traefik router
 * (§10.2), scripted metric values per tick per query kind, scripted webhook answers per hook per tick, and a
 * recording of everything the controller reports.
 *
 * Ticks are numbered from 0 by the harness; every script is indexed by that number. With {@link Harness.fromT0}
 * tick 0 is the reference's T0 (the tick that first sees a changed target).
 */

import { expect } from 'vitest';
import { CanaryController, type ControllerSink } from '../../simulation/rollout/controller';
import { collapseWhitespace } from '../../simulation/rollout/template';
import { analysisSpec, canarySpec } from '../support/canary';
import type {
  AnalysisSpec,
  CanaryAlert,
  CanaryEvent,
  CanaryPorts,
  CanarySpec,
  CanaryStatus,
  MetricCheck,
  MetricSpec,
  MetricTemplateSpec,
  Phase,
  ProviderResult,
  Readiness,
  Routes,
  TickRecord,
  WebhookResult,
  WebhookSpec,
  WebhookType,
} from '../../simulation/rollout/types';

/** A value per tick: a constant, a function of the tick number, or a list (the last entry repeats). */
export type Script<T> = T | ((tick: number) => T) | { readonly perTick: readonly T[] };

export function at<T>(script: Script<T>, tick: number): T {
  if (typeof script === 'function') return (script as (tick: number) => T)(tick);
  if (typeof script === 'object' && script !== null && 'perTick' in script) {
    const list = (script as { perTick: readonly T[] }).perTick;
    return list[Math.min(tick, list.length - 1)];
  }
  return script as T;
}

export const perTick = <T>(...values: T[]): { perTick: T[] } => ({ perTick: values });

/** Metric answer: a number, no data (empty vector / NaN), or a provider error. */
export type MetricValue = number | 'nodata' | { error: string };
/** Webhook answer: pass/fail, or a full result. */
export type HookAnswer = boolean | WebhookResult;

export const READY: Readiness = { ready: true };
export const notReady = (reason: string, retriable = true): Readiness => ({ ready: false, reason, retriable });

export const CLOSED: WebhookResult = { ok: false, error: 'Forbidden' };

// ---------------------------------------------------------------------------------------------------------------
// Event texts of the §11 Canary podinfo.test (flagger.md §9)
// ---------------------------------------------------------------------------------------------------------------

export const START = 'Starting canary analysis for podinfo.test';
export const DETECT = 'New revision detected! Scaling up podinfo.test';
export const COPY = 'Copying podinfo.test template spec to podinfo-primary.test';
export const DONE = 'Promotion completed! Scaling down podinfo.test';
export const FAILED = 'Canary failed! Scaling down podinfo.test';
export const advance = (w: number): string => `Advance podinfo.test canary weight ${w}`;
export const iteration = (i: number, n: number): string => `Advance podinfo.test canary iteration ${i}/${n}`;

// ---------------------------------------------------------------------------------------------------------------
// Spec builders (flagger.md §11 defaults)
// ---------------------------------------------------------------------------------------------------------------

export function metric(name: string, m: Partial<MetricSpec> = {}): MetricSpec {
  return { name, interval: '', thresholdRange: null, threshold: 0, templateRef: null, templateVariables: {}, query: '', ...m };
}

export const SR = (min: number | null = 99, max: number | null = null): MetricSpec =>
  metric('request-success-rate', { interval: '1m', thresholdRange: { min, max } });
export const P99 = (max: number | null = 500, min: number | null = null): MetricSpec =>
  metric('request-duration', { interval: '1m', thresholdRange: { min, max } });

export function hook(name: string, type: WebhookType, h: Partial<WebhookSpec> = {}): WebhookSpec {
  return { name, type, url: `http://flagger-loadtester.test/${name}`, timeoutMs: 10_000, retries: 0, metadata: {}, muteAlert: false, ...h };
}

/** Flagger's analysis defaults with the §11 metrics: request-success-rate (min 99) and request-duration (max 500). */
export const analysis = (a: Partial<AnalysisSpec> = {}): AnalysisSpec => analysisSpec({ metrics: [SR(), P99()], ...a });

/** The §11 Canary podinfo.test (see {@link canarySpec}) with {@link analysis}`(a)`. */
export const canary = (a: Partial<AnalysisSpec> = {}, s: Partial<CanarySpec> = {}): CanarySpec => canarySpec(analysis(a), s);

// ---------------------------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------------------------

export interface HarnessOptions {
  primaryReady?: Script<Readiness>;
  canaryReady?: Script<Readiness>;
  /** Success rate (%) per tick. */
  sr?: Script<MetricValue>;
  /** P99 in ms per tick (the value the builtin query returns, before truncation). */
  p99?: Script<MetricValue>;
  /** Template metric values per tick, by template name. */
  templates?: Record<string, Script<MetricValue>>;
  /** Inline-query metric values per tick, by metric name (the harness maps query text → metric). */
  inline?: Record<string, Script<MetricValue>>;
  /** Webhook answers per tick, by hook name (default: pass). */
  hooks?: Record<string, Script<HookAnswer>>;
  /** MetricTemplates in the cluster. */
  metricTemplates?: MetricTemplateSpec[];
  /**
   * Router model: `traefik` (§10.2: canary = 100 − primary, never mirrored), `mirroring` (a router that can mirror,
   * like Istio's, for the mirror pre-stage), `nop` (provider kubernetes: fixed 100/0, writes ignored).
   */
  router?: 'traefik' | 'mirroring' | 'nop';
  /** Initial primary weight of the router (default 100). */
  primaryWeight?: number;
  /** Simulated seconds per tick (default 60). */
  interval?: number;
}

export interface HookCall {
  tick: number;
  name: string;
  type: WebhookType;
  phase: Phase;
  event?: { message: string; type: 'Normal' | 'Warning' };
}

export interface TickRow {
  tick: number;
  phase: Phase;
  w: number;
  pc: string;
  fc: number;
  it: number;
  events: string[];
}

export class Harness implements CanaryPorts, ControllerSink {
  readonly events: (CanaryEvent & { tick: number })[] = [];
  readonly alerts: (CanaryAlert & { tick: number })[] = [];
  readonly checks: (MetricCheck & { tick: number })[] = [];
  readonly records: TickRecord[] = [];
  readonly hookCalls: HookCall[] = [];
  readonly queries: { tick: number; query: string }[] = [];
  /** Scale operations, in order. */
  readonly scaling: { tick: number; op: 'up' | 'zero' | 'promote' }[] = [];
  readonly routeWrites: { tick: number; primary: number; canary: number; mirror: boolean }[] = [];

  /** The target's pod-template hash; change it to deploy a new revision. */
  revision = 'rev-1';
  /** Router state: the primary entry's weight (null: no TraefikService entries). */
  routerPrimary: number | null;
  routerMirrored = false;
  tickNo = -1;
  readonly controller: CanaryController;

  constructor(
    readonly spec: CanarySpec,
    readonly opts: HarnessOptions = {},
    initial?: Partial<CanaryStatus>,
  ) {
    this.routerPrimary = opts.primaryWeight ?? 100;
    this.controller = new CanaryController(spec, this, this, initial);
  }

  /**
   * A Canary that finished a previous rollout (phase `Succeeded` with revision rev-1 promoted, router 100/0) whose
   * target was just changed to rev-2: the harness's tick 0 is the reference's T0.
   */
  static fromT0(spec: CanarySpec, opts: HarnessOptions = {}, initial: Partial<CanaryStatus> = {}): Harness {
    const h = new Harness(spec, opts, { phase: 'Succeeded', lastAppliedSpec: 'rev-1', lastPromotedSpec: 'rev-1', ...initial });
    h.revision = 'rev-2';
    return h;
  }

  get status(): Readonly<CanaryStatus> {
    return this.controller.status;
  }

  /** Runs `n` ticks; `before(tick)` runs before each (to change the revision, spec flags, …). */
  run(n: number, before?: (tick: number, h: Harness) => void): this {
    for (let i = 0; i < n; i++) this.step(before);
    return this;
  }

  step(before?: (tick: number, h: Harness) => void): this {
    this.tickNo += 1;
    before?.(this.tickNo, this);
    this.controller.tick(this.tickNo * (this.opts.interval ?? 60));
    return this;
  }

  /** Runs until the phase is Succeeded or Failed (or `max` ticks). */
  runUntilDone(max = 200): this {
    for (let i = 0; i < max; i++) {
      this.step();
      const p = this.status.phase;
      if (p === 'Succeeded' || p === 'Failed') break;
    }
    return this;
  }

  eventsAt(tick: number): string[] {
    return this.events.filter((e) => e.tick === tick).map((e) => e.message);
  }

  rows(): TickRow[] {
    return this.records.map((r, tick) => ({
      tick,
      phase: r.phase,
      w: r.canaryWeight,
      pc: `${r.primaryWeight}/${100 - r.primaryWeight}`,
      fc: r.failedChecks,
      it: r.iterations,
      events: this.eventsAt(tick),
    }));
  }

  /** Ticks on which a builtin/inline/template metric query ran. */
  metricTicks(): number[] {
    return [...new Set(this.checks.map((c) => c.tick))];
  }

  callsOf(name: string): HookCall[] {
    return this.hookCalls.filter((c) => c.name === name);
  }

  // --- ControllerSink -------------------------------------------------------------------------------------------

  event(e: CanaryEvent): void {
    this.events.push({ ...e, tick: this.tickNo });
  }
  alert(a: CanaryAlert): void {
    this.alerts.push({ ...a, tick: this.tickNo });
  }
  check(c: MetricCheck): void {
    this.checks.push({ ...c, tick: this.tickNo });
  }
  tick(r: TickRecord): void {
    this.records.push(r);
  }

  // --- CanaryPorts ----------------------------------------------------------------------------------------------

  targetRevision(): string {
    return this.revision;
  }
  primaryReadiness(): Readiness {
    return at(this.opts.primaryReady ?? READY, this.tickNo);
  }
  canaryReadiness(): Readiness {
    return at(this.opts.canaryReady ?? READY, this.tickNo);
  }
  scaleCanaryUp(): void {
    this.scaling.push({ tick: this.tickNo, op: 'up' });
  }
  scaleCanaryToZero(): void {
    this.scaling.push({ tick: this.tickNo, op: 'zero' });
  }
  promotePrimary(): void {
    this.scaling.push({ tick: this.tickNo, op: 'promote' });
  }

  getRoutes(): Routes | { error: string } {
    const kind = this.opts.router ?? 'traefik';
    if (kind === 'nop') return { primary: 100, canary: 0, mirrored: false };
    if (this.routerPrimary === null) return { error: `TraefikService ${this.spec.apex}.${this.spec.namespace} services not found` };
    return { primary: this.routerPrimary, canary: 100 - this.routerPrimary, mirrored: kind === 'mirroring' && this.routerMirrored };
  }

  setRoutes(primary: number, canary: number, mirror: boolean): { error: string } | null {
    const kind = this.opts.router ?? 'traefik';
    if (kind === 'nop') return null;
    if (primary === 0 && canary === 0) return { error: `RoutingRule ${this.spec.apex}.${this.spec.namespace} update failed: no valid weights` };
    this.routeWrites.push({ tick: this.tickNo, primary, canary, mirror });
    this.routerPrimary = primary;
    // Traefik drops the mirror flag (§10.4).
    this.routerMirrored = kind === 'mirroring' && mirror;
    return null;
  }

  queryMetricsServer(query: string): ProviderResult {
    if (query === 'vector(1)') return { ok: true, value: 1 };
    this.queries.push({ tick: this.tickNo, query });
    if (query.includes('histogram_quantile')) return answer(at(this.opts.p99 ?? 100, this.tickNo));
    if (query.includes('code!~"5.."')) return answer(at(this.opts.sr ?? 100, this.tickNo));
    const m = this.spec.analysis.metrics.find((x) => x.query !== '' && collapseWhitespace(x.query) === query);
    const script = m === undefined ? undefined : this.opts.inline?.[m.name];
    return answer(script === undefined ? 0 : at(script, this.tickNo));
  }

  template(name: string, namespace: string): MetricTemplateSpec | null {
    return this.opts.metricTemplates?.find((t) => t.name === name && t.namespace === namespace) ?? null;
  }

  queryTemplate(template: MetricTemplateSpec, query: string): ProviderResult {
    if (query === 'vector(1)') return { ok: true, value: 1 };
    this.queries.push({ tick: this.tickNo, query });
    const script = this.opts.templates?.[template.name];
    return answer(script === undefined ? 0 : at(script, this.tickNo));
  }

  callWebhook(h: WebhookSpec, phase: Phase, event?: { message: string; type: 'Normal' | 'Warning' }): WebhookResult {
    const call: HookCall = { tick: this.tickNo, name: h.name, type: h.type, phase };
    if (event !== undefined) call.event = event;
    this.hookCalls.push(call);
    const script = this.opts.hooks?.[h.name];
    const a = script === undefined ? true : at(script, this.tickNo);
    if (a === true) return { ok: true };
    if (a === false) return CLOSED;
    return a;
  }
}

function answer(v: MetricValue): ProviderResult {
  if (v === 'nodata') return { ok: false, noValues: true, error: 'no values found' };
  if (typeof v === 'object') return { ok: false, noValues: false, error: v.error };
  return { ok: true, value: v };
}

export function template(name: string, query: string, namespace = 'test'): MetricTemplateSpec {
  return { name, namespace, providerType: 'prometheus', providerAddress: 'http://prometheus.istio-system:9090', query };
}

/** A compact (phase, w, p/c, fc, it) tuple for table assertions. */
export type Row = [Phase, number, string, number, number];

export function table(h: Harness): Row[] {
  return h.rows().map((r) => [r.phase, r.w, r.pc, r.fc, r.it]);
}

/** Expected state after a tick: phase / status.canaryWeight / router p/c / failedChecks / iterations [/ exact events]. */
export type Expect = [Phase, number, string, number, number, string[]?];

/** Asserts the recorded ticks `from`, `from + 1`, … against `expected` (events compared exactly when given). */
export function expectTicks(h: Harness, expected: Expect[], from = 0): void {
  const rows = h.rows();
  expected.forEach((e, i) => {
    const r = rows[from + i];
    expect(r, `tick ${from + i} was not run`).toBeDefined();
    expect([r.phase, r.w, r.pc, r.fc, r.it], `state after tick ${from + i}`).toEqual(e.slice(0, 5));
    if (e[5] !== undefined) expect(r.events, `events of tick ${from + i}`).toEqual(e[5]);
  });
}
