/** Formatting shared by the views. */

/** Simulated seconds as m:ss (h:mm:ss past an hour). */
export function clock(t: number): string {
  const s = Math.max(0, Math.floor(t));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
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
