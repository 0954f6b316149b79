import { goDate } from '../promql/functions';

/**
 * Service level objectives as the simulation runs them (docs/slo.md): the
 * compiled form of a scenario's `spec.slos`, close to OpenSLO and to what
 * Sloth reads. Plain data; the scenario compiler (scenario/slo.ts) builds it
 * and checks it, the rule generator (rules.ts) and the runtime (runtime.ts)
 * read it.
 */

/** The SLI: which events are bad, as PromQL over a window. */
export type IndicatorSpec =
  | {
      kind: 'ratio';
      /**
       * Query texts with the window as `{{ .window }}`, e.g.
       * `sum(rate(x_total{code=~"5.."}[{{ .window }}]))`. Exactly one of bad
       * and good is set.
       */
      bad: string | null;
      good: string | null;
      total: string;
    }
  | {
      kind: 'latency';
      /** The histogram family, e.g. traefik_service_request_duration_seconds. */
      histogram: string;
      /** Matchers inside the braces, e.g. `service=~"shop-backend-.*"` ('' for none). */
      matchers: string;
      /** Seconds: a request is good when it took at most this long (a bucket bound). */
      threshold: number;
    };

/** One multiwindow burn-rate alert: it fires when the error ratio over both windows exceeds burnRate × error budget. */
export interface BurnRateWindow {
  severity: string;
  /** Burn rate factor, e.g. 14.4. */
  burnRate: number;
  /** Seconds. */
  long: number;
  short: number;
  /** The alert's `for`, seconds (0: fires at the first evaluation that finds it). */
  for: number;
}

/** An error budget policy tier: applies while the budget remaining is above `above` (a fraction; null: the last tier, anything lower). */
export interface PolicyTier {
  name: string;
  above: number | null;
  /** Rollouts are held at their confirm-rollout gate. */
  holdRollouts: boolean;
  /** Analysis halts before promotion: confirm-traffic-increase and confirm-promotion gates refuse. */
  haltPromotion: boolean;
  /** A `rollback` webhook bound to the policy asks Flagger to roll back. */
  rollback: boolean;
}

export interface SloSpec {
  name: string;
  /** The scenario service whose versions the budget is attributed to; null: not attributed to versions. */
  service: string | null;
  /** `sloth_service` of the generated rules: the service, else the scenario's name. */
  ruleService: string;
  description: string;
  /** Percent, e.g. 99.9. */
  objective: number;
  /** 1 − objective as a ratio, e.g. 0.001. */
  errorBudget: number;
  window: { kind: 'rolling'; seconds: number } | { kind: 'calendar-month' };
  indicator: IndicatorSpec;
  budget: {
    /** Fraction of the budget consumed before the run starts. */
    consumedAtStart: number;
    /** Requests per second the window carries (bad events count against requestRate × period); null: each interval's error ratio counts for its time. */
    requestRate: number | null;
  };
  alerting: {
    /** Alert name of the burn-rate alerts. */
    name: string;
    /** Rule evaluation interval, seconds. */
    evaluationInterval: number;
    windows: readonly BurnRateWindow[];
  };
  /** The error budget policy; null: none. */
  policy: { tiers: readonly PolicyTier[] } | null;
  /** Extra labels on every generated rule. */
  labels: Readonly<Record<string, string>>;
}

/**
 * The SRE workbook's multiwindow, multi-burn-rate alerts (the 2 % / 1 h,
 * 5 % / 6 h and 10 % / 3 d rows, plus Sloth's 10 % / 1 d ticket): budget
 * consumed before alerting, long window, severity. Short windows are a
 * twelfth of the long ones; burn rates follow from the SLO period.
 */
export const WORKBOOK_WINDOWS: ReadonlyArray<{ severity: string; budgetConsumed: number; long: number }> = [
  { severity: 'page', budgetConsumed: 0.02, long: 3600 },
  { severity: 'page', budgetConsumed: 0.05, long: 6 * 3600 },
  { severity: 'ticket', budgetConsumed: 0.1, long: 24 * 3600 },
  { severity: 'ticket', budgetConsumed: 0.1, long: 3 * 24 * 3600 },
];

/** Burn rate that consumes `fraction` of the budget of a `period` in `long` seconds (workbook: fraction × period ÷ long window). */
export function burnRateFor(fraction: number, periodSeconds: number, longSeconds: number): number {
  return round12((fraction * periodSeconds) / longSeconds);
}

/** The workbook's windows for an SLO period: 30 days gives 14.4, 6, 3 and 1. */
export function defaultWindows(periodSeconds: number): BurnRateWindow[] {
  return WORKBOOK_WINDOWS.map((w) => ({ severity: w.severity, burnRate: burnRateFor(w.budgetConsumed, periodSeconds, w.long), long: w.long, short: w.long / 12, for: 0 }));
}

/** The policy tiers teams use (percent of the budget remaining). */
export const DEFAULT_TIERS: readonly PolicyTier[] = [
  { name: 'normal', above: 0.5, holdRollouts: false, haltPromotion: false, rollback: false },
  { name: 'caution', above: 0.25, holdRollouts: false, haltPromotion: false, rollback: false },
  { name: 'low-risk-only', above: 0.1, holdRollouts: false, haltPromotion: false, rollback: false },
  { name: 'feature-freeze', above: 0, holdRollouts: true, haltPromotion: true, rollback: false },
  { name: 'full-freeze', above: null, holdRollouts: true, haltPromotion: true, rollback: false },
];

/** The tier that applies with `remaining` (a fraction of the budget). */
export function tierOf(tiers: readonly PolicyTier[], remaining: number): PolicyTier {
  for (const t of tiers) if (t.above === null || remaining > t.above) return t;
  return tiers[tiers.length - 1];
}

/** 1 − objective% as a ratio, rounded to 12 significant digits (99.9 → 0.001, not 0.0009999999999999432). */
export function errorBudgetOf(objectivePercent: number): number {
  return round12((100 - objectivePercent) / 100);
}

function round12(x: number): number {
  return Number(x.toPrecision(12));
}

/** Days in the calendar month holding `unixMs` (UTC). */
export function daysInMonth(unixMs: number): number {
  const d = goDate(Math.floor(unixMs / 1000));
  return d.daysInMonth;
}

/** The SLO period in seconds; a calendar month is the month the run starts in. */
export function periodSeconds(spec: Pick<SloSpec, 'window'>, startMs: number): number {
  return spec.window.kind === 'rolling' ? spec.window.seconds : daysInMonth(startMs) * 86400;
}

/**
 * A duration as Prometheus rules and Sloth write it: days, hours, minutes,
 * seconds, milliseconds, largest first ("30d", "5m", "1h30m").
 */
export function formatPromDuration(seconds: number): string {
  let ms = Math.round(seconds * 1000);
  if (ms === 0) return '0s';
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) out += `${n}${unit}`;
    ms -= n * size;
  }
  return out;
}

/**
 * Error budget arithmetic (the workbook's and the courses' examples):
 * the budget of an SLO over a period, in minutes of full outage.
 */
export function budgetMinutes(objectivePercent: number, periodSeconds: number): number {
  return (errorBudgetOf(objectivePercent) * periodSeconds) / 60;
}

/**
 * When a burn-rate alert on both windows fires for a constant error ratio
 * `e` that starts after a clean history (seconds after the start), or null
 * when the ratio never reaches the threshold: each window's average ratio
 * reaches burnRate × budget after burnRate × budget × window ÷ e (workbook,
 * "detection time"), and both must.
 */
export function detectionTime(w: Pick<BurnRateWindow, 'burnRate' | 'long' | 'short'>, errorBudget: number, e: number): number | null {
  const threshold = w.burnRate * errorBudget;
  if (!(e > threshold)) return null;
  return Math.max((threshold * w.long) / e, (threshold * w.short) / e);
}
