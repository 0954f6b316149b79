/**
 * What an error budget chart draws guides for but the run record does not
 * carry: each SLO's burn-rate alert windows (with their thresholds) and its
 * policy tiers' bounds. They are read from the scenario's own text (the
 * `spec.slos` of its Scenario document) with the compiler's defaults — the
 * SRE workbook's windows scaled to the period, the five default tiers — and
 * completed with the alert rows the run recorded. Pure: no DOM.
 */
import { parseAllDocuments } from 'yaml';
import { burnRateFor, DEFAULT_TIERS, defaultWindows, formatPromDuration } from '../../simulation/slo/spec';
import type { SloResult } from '../../simulation/slo/runtime';
import { promSeconds, type TierDef } from './series';

/** One multiwindow burn-rate alert row: its windows as the recording rules name them, and its threshold. */
export interface AlertRow {
  severity: string;
  burnRate: number;
  long: string;
  short: string;
}

export interface SloGuides {
  rows: AlertRow[];
  /** Null: the SLO has no policy. */
  tiers: TierDef[] | null;
}

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The `spec.slos` entries of a scenario text, by name; empty when the text does not parse. */
export function sloDocuments(text: string): Map<string, Json> {
  const out = new Map<string, Json>();
  try {
    for (const doc of parseAllDocuments(text)) {
      if (!('toJS' in doc)) continue;
      const js: unknown = doc.toJS();
      if (!isObj(js) || js.kind !== 'Scenario' || !isObj(js.spec) || !Array.isArray(js.spec.slos)) continue;
      for (const s of js.spec.slos) if (isObj(s) && typeof s.name === 'string' && !out.has(s.name)) out.set(s.name, s);
    }
  } catch {
    // Not YAML: no guides from the text.
  }
  return out;
}

/**
 * The guides of one SLO: alert rows from its document (or the workbook's),
 * plus rows only the run knows (alerts it recorded); tiers from its policy.
 */
export function sloGuides(slo: SloResult, doc: Json | undefined): SloGuides {
  const period = promSeconds(slo.window) ?? 30 * 86400;
  const rows: AlertRow[] = [];
  const add = (r: AlertRow) => {
    if (!rows.some((x) => x.long === r.long && x.short === r.short && x.burnRate === r.burnRate)) rows.push(r);
  };
  const alerting = doc && isObj(doc.alerting) ? doc.alerting : undefined;
  if (alerting && Array.isArray(alerting.windows)) {
    for (const w of alerting.windows) {
      if (!isObj(w)) continue;
      const long = typeof w.long === 'string' ? promSeconds(w.long) : null;
      if (long === null || long <= 0) continue;
      const short = typeof w.short === 'string' ? promSeconds(w.short) : long / 12;
      const burnRate = typeof w.burnRate === 'number' ? w.burnRate : typeof w.budgetConsumed === 'number' ? burnRateFor(w.budgetConsumed / 100, period, long) : null;
      if (burnRate === null || short === null) continue;
      add({ severity: typeof w.severity === 'string' ? w.severity : '', burnRate, long: formatPromDuration(long), short: formatPromDuration(short) });
    }
  } else {
    const defaults = defaultWindows(period).map((w) => ({ severity: w.severity, burnRate: w.burnRate, long: formatPromDuration(w.long), short: formatPromDuration(w.short) }));
    // Without the SLO's document, the workbook's rows only when the run recorded exactly their windows.
    const recorded = recordedWindows(slo);
    const wanted = new Set(defaults.flatMap((r) => [r.long, r.short]));
    if (doc || (recorded.size === wanted.size && [...wanted].every((w) => recorded.has(w)))) defaults.forEach(add);
  }
  for (const a of slo.alerts) add({ severity: a.severity, burnRate: a.burnRate, long: a.longWindow, short: a.shortWindow });

  let tiers: TierDef[] | null = null;
  if (slo.policy) {
    const policy = doc && isObj(doc.policy) ? doc.policy : undefined;
    if (policy && Array.isArray(policy.tiers)) {
      const list = policy.tiers.filter(isObj);
      tiers = list.map((t, i) => ({ name: String(t.name ?? `tier ${i + 1}`), above: i === list.length - 1 ? null : typeof t.above === 'number' ? t.above / 100 : 0 }));
    } else tiers = DEFAULT_TIERS.map((t) => ({ name: t.name, above: t.above }));
  }
  return { rows, tiers };
}

/** The windows the recording rules recorded (every evaluation records the same ones: the first and last tell). */
function recordedWindows(slo: SloResult): Set<string> {
  const out = new Set<string>();
  for (const h of [slo.history[0], slo.history[slo.history.length - 1]]) if (h) for (const k of Object.keys(h.burnRates)) out.add(k);
  return out;
}

/** Recorded windows no alert row uses (shown on their own). */
export function unusedWindows(slo: SloResult, rows: readonly AlertRow[]): string[] {
  const used = new Set(rows.flatMap((r) => [r.long, r.short]));
  const seen = recordedWindows(slo);
  return [...seen].filter((w) => !used.has(w));
}
