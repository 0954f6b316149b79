/**
 * What an error budget chart draws guides for: each SLO's burn-rate alert
 * windows with their thresholds, and its policy tiers' bounds, as the run
 * record carries them (SloResult.alerting, SloResult.policy.tiers). Pure.
 */
import type { SloResult } from '../../simulation/slo/runtime';
import type { TierDef } from './series';

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

/**
 * The guides of one SLO from the run record: its alert rules (each window
 * pair and factor, fired or not), any alert the run recorded besides, and
 * its policy's tiers.
 */
export function sloGuides(slo: SloResult): SloGuides {
  const rows: AlertRow[] = [];
  const add = (r: AlertRow) => {
    if (!rows.some((x) => x.long === r.long && x.short === r.short && x.burnRate === r.burnRate)) rows.push(r);
  };
  for (const w of slo.alerting.windows) add({ severity: w.severity, burnRate: w.burnRate, long: w.longWindow, short: w.shortWindow });
  for (const a of slo.alerts) add({ severity: a.severity, burnRate: a.burnRate, long: a.longWindow, short: a.shortWindow });
  const tiers: TierDef[] | null = slo.policy ? slo.policy.tiers.map((t) => ({ name: t.name, above: t.above })) : null;
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
