/** Formatting shared by the views. */

import { clock as simulatedClock } from '../simulation/util/time';

/** Simulated seconds as m:ss (h:mm:ss past an hour). */
export function clock(t: number): string {
  return simulatedClock(Math.max(0, t), { tenths: false });
}

/** A fraction as a percentage with sensible digits. */
export function percent(x: number, digits = 2): string {
  return `${(x * 100).toFixed(Math.abs(x) < 0.001 && x !== 0 ? 4 : digits)}%`;
}

/** A duration in seconds as Flagger writes intervals (1m, 30s, 1m30s). */
export function duration(t: number): string {
  if (t % 60 === 0) return `${t / 60}m`;
  if (t < 60) return `${t}s`;
  return `${Math.floor(t / 60)}m${t % 60}s`;
}
