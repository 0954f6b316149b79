/**
 * What Flagger's analysis does over time, as the power model needs it
 * (docs/power.md): the stages of an analysis (the canary's traffic weight at
 * each, one passing check needed per stage) and, for each check, which
 * requests the success-rate query counts.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import { maxWeightOf, nextStepWeight, strategyOf } from '../rollout/controller';
import type { AnalysisSpec, Strategy } from '../rollout/types';

/**
 * An analysis as a sequence of stages. Flagger's tick (flagger.md §4): while
 * `failedChecks ≥ threshold` the tick rolls back; otherwise it runs the
 * checks; a failed check adds one to `failedChecks` and holds the stage (the
 * weight does not move, the iteration does not count), a passing check moves
 * to the next stage, and a passing check at the last stage promotes.
 */
export interface AnalysisSchedule {
  strategy: Strategy;
  /** Seconds between ticks (`analysis.interval` as Flagger normalises it). */
  interval: number;
  /** `analysis.threshold`: failed checks that roll back (cumulative over the analysis). */
  threshold: number;
  /** The canary's share of the apex's requests (percent) during each stage's checks. */
  stages: number[];
}

/**
 * The stages of a compiled Canary's analysis:
 * - canary: the weights the steps reach from 0 (`nextStepWeight`, not clamped to `maxWeight`), up to the first at or
 *   above `maxWeight` — stepWeight 10, maxWeight 50 ⇒ 10, 20, 30, 40, 50; the pass at 50 promotes;
 * - Blue/Green (`iterations` N): N checks with the canary at weight 0 (Traefik routes it nothing while iterating:
 *   every such check finds no values), then one at 100 after "Routing all traffic to canary" (§6.2);
 * - A/B testing: N checks at 100 (Traefik ignores `match`, routes 0/100 send it everything, §12.9).
 * An analysis that never advances (stepWeight 0 without stepWeights, `mirror` on Traefik, the kubernetes provider)
 * has no schedule.
 */
export function scheduleOf(analysis: AnalysisSpec, provider = 'traefik'): AnalysisSchedule | { error: string } {
  const interval = analysis.intervalMs / 1000;
  const threshold = Math.max(1, analysis.threshold);
  const strategy = strategyOf(analysis);
  if (provider === 'kubernetes') return { error: 'the kubernetes provider shifts no traffic: its checks read no canary requests through Traefik' };
  if (strategy === 'blue-green') return { strategy, interval, threshold, stages: [...Array<number>(analysis.iterations).fill(0), 100] };
  if (strategy === 'ab-testing') return { strategy, interval, threshold, stages: Array<number>(analysis.iterations).fill(100) };
  if (analysis.mirror) return { error: 'mirror: true on Traefik never leaves weight 0 (Traefik cannot mirror, flagger.md §10.4): the analysis never decides' };
  const max = maxWeightOf(analysis);
  const stages: number[] = [];
  let weight = 0;
  while (stages.length <= 100) {
    const step = nextStepWeight(analysis, weight);
    if (step <= 0) return { error: 'stepWeight is 0 and there are no stepWeights: the canary never advances (flagger.md §12.14)' };
    weight = Math.min(100, weight + step);
    stages.push(weight);
    if (weight >= max) return { strategy, interval, threshold, stages };
  }
  return { error: 'the step schedule does not reach maxWeight' };
}

/** How Traefik routes and Prometheus sees the canary's requests (docs/power.md, "What a check counts"). Seconds. */
export interface Observation {
  /** The success-rate query's range: the metric's `interval` (Flagger's default 1m). */
  window: number;
  /** How often Prometheus scrapes Traefik. */
  scrapeInterval: number;
  /** Traefik replicas (default 1): each gets an equal random share of the requests, has its own series and scrape. */
  replicas?: number;
  /**
   * Per replica, seconds from the newest sample a check reads to the check, in (0, scrapeInterval]. Default: replica
   * i of r is scraped i/r of an interval after the slot a tick falls on (Prometheus spreads its targets), and a
   * scrape at the tick's instant comes after it: s − i·s/r — as in the simulator when the analysis interval is a
   * multiple of the scrape interval.
   */
  sampleLags?: readonly number[];
  /** Seconds from a tick's weight change to the traffic following it (Traefik's configuration apply). Default 0. */
  routingDelay?: number;
}

/** Arrivals at one weight through one Traefik replica that a check counts. */
export interface Segment {
  /** The replica's share of the apex's requests (1/replicas). */
  share: number;
  /** The canary's weight meanwhile (percent). */
  weight: number;
  seconds: number;
}

/** What one check counts. */
export interface CheckSpan {
  /** ∫ canary weight dt over the counted arrivals, summed over the replicas by their share: the check counts rate × this canary requests on average. */
  weightSeconds: number;
  /** Seconds of arrivals counted (averaged over the replicas whose series have values). */
  seconds: number;
  /** No replica has two samples of the canary's series in the window: rate() has no value, the check fails whatever the traffic. */
  noValues: boolean;
  /** The counted arrivals, per replica and weight. */
  segments: Segment[];
  /** Some replica counts from the canary series' first request (rate() extrapolates that series to its zero). */
  extrapolated: boolean;
}

/**
 * For every stage, what its 1st, 2nd, … check counts (the last entry stands for every later check at the stage).
 *
 * A check at time t reads, per Traefik replica, the samples in [t − window, t]: the newest at t − lag, then every
 * scrape interval back, K + 1 of them with K = ⌊(window − lag)/scrape⌋. rate() takes the increase between the first
 * and the newest one, so the ratio counts the requests that arrived in (t − lag − K·scrape, t − lag] (extrapolation
 * scales every series of the replica by the same factor). The canary's series start with its first request: at the
 * first stage with traffic, a window that begins before it counts from there (rate()'s extrapolation to the
 * counter's zero), and needs two samples after it. Before a stage's tick + routingDelay the weight was the previous
 * stage's (0 before the first). A replica without values is left out of the sums; all of them without: no values.
 */
export function checkSpans(schedule: AnalysisSchedule, observation: Observation): CheckSpan[][] {
  const { interval } = schedule;
  const { window, scrapeInterval: s } = observation;
  const replicas = observation.replicas ?? 1;
  const lags = observation.sampleLags ?? Array.from({ length: replicas }, (_, i) => s - (i * s) / replicas);
  const delay = observation.routingDelay ?? 0;
  if (!(window > 0 && s > 0 && interval > 0)) throw new RangeError('window, scrape interval and analysis interval must be positive');
  if (!(Number.isInteger(replicas) && replicas >= 1) || lags.length !== replicas) throw new RangeError(`expected a whole number of replicas ≥ 1 and a sample lag for each, got ${replicas} and ${lags.length}`);
  for (const lag of lags) if (!(lag > 0 && lag <= s)) throw new RangeError(`a sample lag must be in (0, scrape interval], got ${lag}`);
  if (!(delay >= 0)) throw new RangeError(`the routing delay must be ≥ 0, got ${delay}`);
  const Ks = lags.map((lag) => Math.floor((window - lag) / s + 1e-9));
  // From this check on at a stage, every replica's counted span lies after the stage's weight change.
  const steady = Math.max(1, ...lags.map((lag, r) => Math.ceil((lag + Math.max(0, Ks[r]) * s + delay) / interval - 1e-9)));
  let born = false;
  return schedule.stages.map((weight, i) => {
    const before = i === 0 ? 0 : schedule.stages[i - 1];
    // The canary's series appear with its first request: at the first stage that gives it traffic.
    const birth = born ? -Infinity : weight > 0 ? delay : Infinity;
    if (weight > 0) born = true;
    const spans: CheckSpan[] = [];
    for (let j = 1; j <= steady; j++) {
      // Times relative to the stage's tick; the check runs j intervals later.
      const t = j * interval;
      const segments: Segment[] = [];
      let counted = 0;
      let seconds = 0;
      let extrapolated = false;
      lags.forEach((lag, r) => {
        const K = Ks[r];
        const newest = t - lag;
        const oldest = newest - K * s;
        if (K < 1 || countAfter(newest, s, K, birth) < 2) return;
        const from = birth >= t - window ? birth : oldest;
        if (from === birth) extrapolated = true;
        counted++;
        seconds += newest - from;
        const atBefore = Math.max(0, Math.min(newest, delay) - from);
        const atStage = Math.max(0, newest - Math.max(from, delay));
        if (atBefore > 0) segments.push({ share: 1 / replicas, weight: before, seconds: atBefore });
        if (atStage > 0) segments.push({ share: 1 / replicas, weight, seconds: atStage });
      });
      const weightSeconds = segments.reduce((a, g) => a + (g.share * g.weight * g.seconds) / 100, 0);
      spans.push({ weightSeconds, seconds: counted === 0 ? 0 : seconds / counted, noValues: counted === 0, segments, extrapolated });
    }
    return spans;
  });
}

/** How many of the samples newest, newest − s, …, newest − K·s are later than `birth`. */
function countAfter(newest: number, s: number, K: number, birth: number): number {
  if (birth === -Infinity) return K + 1;
  if (birth === Infinity) return 0;
  let n = 0;
  for (let k = 0; k <= K; k++) if (newest - k * s > birth + 1e-9) n++;
  return n;
}
