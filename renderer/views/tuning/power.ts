import type { SessionCommand, SweepRequest } from '../../../electron/host-api';
import type { PlainRate, PowerReport } from '../../../simulation/power/lab';
import { clock } from '../../format';

/**
 * The tuning lab's power panel, without React (docs/power.md, "In the tuning
 * lab"): the panel's inputs (what each means, how its text reads and is
 * written), the session command they make, the Monte Carlo's blocks, and how
 * the figures are written. Pure, so the tests read them.
 */

/** The session the panel computes in (its own: cancelling it stops only the panel's work). */
export const POWER_SESSION = 'power';

export type PowerCommand = Extract<SessionCommand, { kind: 'power' }>;

export type PowerField = 'rate' | 'healthy' | 'regression' | 'maxFalseAbort' | 'minDetection';

export const POWER_FIELDS: readonly PowerField[] = ['rate', 'healthy', 'regression', 'maxFalseAbort', 'minDetection'];

interface FieldSpec {
  label: string;
  unit: string;
  /** Percent fields are typed in percent and sent as probabilities. */
  percent: boolean;
  /** Bounds (in the unit typed); `open` bounds exclude their ends. */
  min: number;
  max: number;
  open: boolean;
}

export const FIELD_SPECS: Record<PowerField, FieldSpec> = {
  rate: { label: 'Request rate', unit: 'req/s to the apex', percent: false, min: 0, max: 1e6, open: true },
  healthy: { label: 'Healthy error rate', unit: '% 5xx', percent: true, min: 0, max: 100, open: false },
  regression: { label: "Regression's error rate", unit: '% 5xx', percent: true, min: 0, max: 100, open: false },
  maxFalseAbort: { label: 'Max false aborts', unit: '%', percent: true, min: 0, max: 100, open: true },
  minDetection: { label: 'Min detection', unit: '%', percent: true, min: 0, max: 100, open: true },
};

/** The default targets ("trustworthy": at most 1 % false aborts, at least 95 % detection). */
export const DEFAULT_TARGETS = { maxFalseAbort: 0.01, minDetection: 0.95 } as const;

/** The Monte Carlo's default seeds, and the most the panel runs. */
export const DEFAULT_SEEDS = 200;
export const MAX_SEEDS = 20_000;

/** A field's value as the query takes it (a probability for percent fields), or why its text is not one. */
export function parseField(field: PowerField, text: string): { value: number } | { error: string } {
  const spec = FIELD_SPECS[field];
  const t = text.trim().replace(/\s*%$/, '');
  const x = t === '' ? NaN : Number(t);
  const inside = spec.open ? x > spec.min && x < spec.max : x >= spec.min && x <= spec.max;
  if (!Number.isFinite(x) || !inside) {
    const range = field === 'rate' ? 'a number of requests per second above 0' : `a percentage ${spec.open ? 'between' : 'from'} ${spec.min} ${spec.open ? 'and' : 'to'} ${spec.max}`;
    return { error: `${spec.label}: enter ${range}` };
  }
  return { value: spec.percent ? x / 100 : x };
}

/** A value as its field shows it: requests per second, or percent, to 4 significant digits. */
export function fieldText(field: PowerField, value: number): string {
  return String(Number((FIELD_SPECS[field].percent ? value * 100 : value).toPrecision(4)));
}

/** The value each field has when the user has not typed one: the scenario's (from the last report) or the default target. */
export function defaultOf(field: PowerField, report: PowerReport | null): number | null {
  if (field === 'maxFalseAbort' || field === 'minDetection') return DEFAULT_TARGETS[field];
  return report === null ? null : report.defaults[field];
}

/**
 * The session command for a sweep request, a configuration (null: the scenario's Canary as written) and the values
 * the user typed (the others are the scenario's).
 */
export function powerCommand(request: SweepRequest, configuration: number | null, values: Partial<Record<PowerField, number>>): PowerCommand {
  const { maxFalseAbort, minDetection, ...rest } = values;
  const targets = maxFalseAbort === undefined && minDetection === undefined ? {} : { targets: { ...(maxFalseAbort === undefined ? {} : { maxFalseAbort }), ...(minDetection === undefined ? {} : { minDetection }) } };
  return { kind: 'power', ...request, ...(configuration === null ? {} : { configuration }), ...rest, ...targets };
}

/** The runs done after each Monte Carlo block: about 20 blocks, at least 10 runs each, the last one all of them. */
export function monteCarloSteps(seeds: number): number[] {
  const block = Math.max(10, Math.ceil(seeds / 20));
  const out: number[] = [];
  for (let n = block; n < seeds; n += block) out.push(n);
  out.push(seeds);
  return out;
}

/** A probability as a percentage: 3 significant digits, "< 0.01 %" and "> 99.99 %" near the ends, which stay exact. */
export function probability(p: number | null): string {
  if (p === null) return '—';
  if (p <= 0) return '0 %';
  if (p >= 1) return '100 %';
  if (p < 1e-4) return '< 0.01 %';
  if (p > 0.9999) return '> 99.99 %';
  return `${Number((p * 100).toPrecision(3))} %`;
}

/** A simulated proportion with its Wilson interval: "3.5 % [1.7–7.05 %]" ("—" without runs). */
export function simulated(r: PlainRate): string {
  if (r.rate === null) return '—';
  const end = (x: number) => String(Number((x * 100).toPrecision(3)));
  return `${probability(r.rate)} [${end(r.low)}–${end(r.high)} %]`;
}

/** Requests per second: "67.0 req/s", "1.2e+5 req/s" beyond a million. */
export function perSecond(rate: number): string {
  return `${rate >= 1e6 ? rate.toExponential(1) : Number(rate.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 2 })} req/s`;
}

/** Seconds to a decision as m:ss ("—" when it cannot happen). */
export function decisionTime(seconds: number | null): string {
  return seconds === null ? '—' : clock(Math.round(seconds));
}

/** Ordinals for the checks of a stage: "1st", "2nd", …; the last "3rd+" stands for every later one. */
export function checkOrdinal(i: number, last: boolean): string {
  const n = i + 1;
  const suffix = n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th';
  return `${n}${suffix}${last ? '+' : ''}`;
}

/** Whether the targets hold at the chosen rate, and which does not. */
export function verdict(report: PowerReport): { ok: boolean; text: string } | null {
  if ('error' in report.analytic) return null;
  const { healthy, regressed } = report.analytic;
  const { maxFalseAbort, minDetection } = report.inputs;
  const misses: string[] = [];
  if (healthy.rollback > maxFalseAbort) misses.push(`false aborts ${probability(healthy.rollback)} > ${probability(maxFalseAbort)}`);
  if (regressed.rollback < minDetection) misses.push(`detection ${probability(regressed.rollback)} < ${probability(minDetection)}`);
  return misses.length === 0 ? { ok: true, text: 'both targets hold' } : { ok: false, text: `not trustworthy: ${misses.join(', ')}` };
}

/** Ticks of a log rate axis: 1, 2 and 5 times the powers of ten within [from, to] (only the powers when that is more than 10). */
export function rateTicks(from: number, to: number): number[] {
  const at = (mantissas: readonly number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(from)); e <= Math.ceil(Math.log10(to)); e++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(1));
        if (v >= from * (1 - 1e-9) && v <= to * (1 + 1e-9)) out.push(v);
      }
    }
    return out;
  };
  const fine = at([1, 2, 5]);
  return fine.length > 10 ? at([1]) : fine;
}

/** A rate tick's label: 0.05, 20, 5k, 1M. */
export function tickText(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}
