import type { Labels, SeriesStore } from '../../simulation/telemetry/tsdb';

/** [timestamp, value] pairs of a series; 'stale' for staleness markers. */
export function samplesOf(store: SeriesStore, labels: Labels): Array<[number, number | 'stale']> {
  const id = store.findSeries(labels);
  if (id < 0) throw new Error(`no series ${JSON.stringify(labels)}`);
  const { t, v, n } = store.samples(id);
  const out: Array<[number, number | 'stale']> = [];
  for (let i = 0; i < n; i++) out.push([t[i], store.isStale(id, i) ? 'stale' : v[i]]);
  return out;
}
