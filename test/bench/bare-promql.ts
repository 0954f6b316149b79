import type { SeriesStore } from '../../simulation/telemetry/tsdb';

/**
 * The baseline for the PromQL benchmark: Flagger's two built-in Traefik checks
 * computed by hand straight from the store's columns — no parsing, no syntax
 * tree, no intermediate vectors, the regex compiled once. It deliberately
 * shares no code with `simulation/promql` (as `bare-mmc.ts` shares none with
 * the kernel), so the ratio shows what the general evaluator costs over the
 * least work that answers the same question. The benchmark checks that both
 * give the same numbers.
 */

const BUCKET = 'traefik_service_request_duration_seconds_bucket';

/** Prometheus 2.42's extrapolated rate of one counter over [start, end] (both included); NaN with fewer than 2 samples. */
function rateOf(store: SeriesStore, id: number, startMs: number, endMs: number): number {
  const { t, v, n } = store.samples(id);
  let i = store.lowerBound(id, startMs);
  let j = i;
  while (j < n && t[j] <= endMs) j++;
  const count = j - i;
  if (count < 2) return NaN;
  const firstV = v[i];
  const firstT = t[i];
  const lastT = t[j - 1];
  let increase = v[j - 1] - firstV;
  for (i = i + 1; i < j; i++) if (v[i] < v[i - 1]) increase += v[i - 1];
  const sampled = (lastT - firstT) / 1000;
  const avg = sampled / (count - 1);
  let toStart = (firstT - startMs) / 1000;
  const toEnd = (endMs - lastT) / 1000;
  if (increase > 0 && firstV >= 0) toStart = Math.min(toStart, sampled * (firstV / increase));
  const limit = avg * 1.1;
  const interval = sampled + (toStart < limit ? toStart : avg / 2) + (toEnd < limit ? toEnd : avg / 2);
  return (increase * (interval / sampled)) / ((endMs - startMs) / 1000);
}

export interface BareChecks {
  /** sum(rate(bucket{service=~re, code!~"5..", le="+Inf"}[w])) / sum(rate(bucket{service=~re, le="+Inf"}[w])) * 100 */
  successRate(tMs: number): number;
  /** histogram_quantile(0.99, sum(rate(bucket{service=~re}[w])) by (le)) * 1000 */
  p99Ms(tMs: number): number;
}

export function bareChecks(store: SeriesStore, serviceRegex: string, windowMs: number): BareChecks {
  const re = new RegExp(`^(?:${serviceRegex})$`);
  const serverError = /^5..$/;
  const leOf = (id: number) => {
    const le = store.labels(id).le ?? '';
    return le === '+Inf' ? Infinity : Number(le);
  };
  // Series are selected at every evaluation, as the evaluator must (the store grows).
  const select = () => store.postings('__name__', BUCKET).filter((id) => re.test(store.labels(id).service ?? ''));

  const sumRates = (list: number[], tMs: number) => {
    let sum = 0;
    let any = false;
    for (const id of list) {
      const r = rateOf(store, id, tMs - windowMs, tMs);
      if (!Number.isNaN(r)) {
        sum += r;
        any = true;
      }
    }
    return any ? sum : NaN;
  };

  return {
    successRate(tMs) {
      const inf = select().filter((id) => store.labels(id).le === '+Inf');
      const ok = inf.filter((id) => !serverError.test(store.labels(id).code ?? ''));
      return (sumRates(ok, tMs) / sumRates(inf, tMs)) * 100;
    },
    p99Ms(tMs) {
      const perLe = new Map<number, number>();
      for (const id of select()) {
        const r = rateOf(store, id, tMs - windowMs, tMs);
        if (Number.isNaN(r)) continue;
        const le = leOf(id);
        perLe.set(le, (perLe.get(le) ?? 0) + r);
      }
      const les = [...perLe.keys()].sort((a, b) => a - b);
      const counts: number[] = [];
      for (const le of les) counts.push(Math.max(counts.at(-1) ?? 0, perLe.get(le) as number));
      const n = les.length;
      if (n < 2 || les[n - 1] !== Infinity) return NaN;
      const total = counts[n - 1];
      if (total === 0) return NaN;
      const rank = 0.99 * total;
      let b = 0;
      while (b < n - 1 && counts[b] < rank) b++;
      if (b === n - 1) return les[n - 2] * 1000;
      if (b === 0 && les[0] <= 0) return les[0] * 1000;
      const lower = b === 0 ? 0 : les[b - 1];
      const below = b === 0 ? 0 : counts[b - 1];
      return (lower + (les[b] - lower) * ((rank - below) / (counts[b] - below))) * 1000;
    },
  };
}
