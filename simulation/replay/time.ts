/**
 * Unix milliseconds to UTC text without the host's Date (the simulation layer
 * reads no clocks or time zones): the civil date from days since the epoch
 * (the inverse of util/time.ts daysFromCivil).
 *
 * @module
 */

import { civilFromDays } from '../util/time';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function parts(ms: number): { date: string; clock: string; millis: number } {
  const days = Math.floor(ms / 86_400_000);
  const rest = ms - days * 86_400_000;
  const { y, m, d } = civilFromDays(days);
  const s = Math.floor(rest / 1000);
  return { date: `${pad(y, 4)}-${pad(m)}-${pad(d)}`, clock: `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`, millis: rest % 1000 };
}

/** RFC 3339 in UTC: `2026-01-01T00:04:30Z`, with milliseconds when there are any (`…30.250Z`). */
export function formatRfc3339(ms: number): string {
  const p = parts(Math.round(ms));
  return `${p.date}T${p.clock}${p.millis === 0 ? '' : `.${pad(p.millis, 3)}`}Z`;
}

/** The UTC time of day, `00:04:30` (with `.250` when not a whole second). */
export function formatClock(ms: number): string {
  const p = parts(Math.round(ms));
  return `${p.clock}${p.millis === 0 ? '' : `.${pad(p.millis, 3)}`}`;
}

/** The UTC date, `2026-01-01`. */
export function formatDate(ms: number): string {
  return parts(Math.round(ms)).date;
}

/** A span as a Canary writes one, zero parts left out: `1m`, `1m30s`, `45s`, `2h5m`, `2.5s`, `250ms`. */
export function formatSpan(ms: number): string {
  const neg = ms < 0;
  let a = Math.round(Math.abs(ms));
  if (a < 1000) return `${neg ? '-' : ''}${a}ms`;
  const h = Math.floor(a / 3_600_000);
  a -= h * 3_600_000;
  const m = Math.floor(a / 60_000);
  a -= m * 60_000;
  const s = a / 1000;
  const parts = `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s` : ''}`;
  return `${neg ? '-' : ''}${parts}`;
}
