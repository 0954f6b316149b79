import { type KayentaCanaryConfig, type KayentaThresholds, NETFLIX_ACA_JUDGE } from './kayenta-config';
import { classifyKayentaMetric, describeSamples, type KayentaJudgeOptions, NETFLIX_JUDGE_OPTIONS } from './kayenta-classifier';
import { fetchKayentaMetricSetPairs, type KayentaMetricSetPair, type KayentaScopes, type KayentaWindow, type RangeQuery } from './kayenta-query';
import { type KayentaGroupScore, type KayentaMetricResult, type KayentaVerdict, scoreKayenta } from './kayenta-score';

/**
 * Kayenta — Spinnaker's automated canary analysis — as a shadow judge
 * (docs/judges.md, "Kayenta"): NetflixACAJudge-v1.0 over the simulator's
 * Prometheus. A judgement fetches every metric of a canary config for the
 * baseline and the canary over one window, classifies each with the
 * Mann-Whitney classifier and scores the canary; an analysis runs the
 * judgements of a Kayenta canary analysis execution (warm-up, one judgement
 * per interval over the lifetime, growing or sliding windows) and stops
 * early as Kayenta does. Pure: the samples come from the caller's range
 * query; nothing here acts on the rollout.
 */

export { DEFAULT_SCORE_THRESHOLDS, defaultMetricAnalysis, NETFLIX_ACA_JUDGE, parseKayentaConfig } from './kayenta-config';
export type { KayentaCanaryConfig, KayentaConfigLoad, KayentaDirection, KayentaEffectMeasure, KayentaMetricAnalysis, KayentaMetricConfig, KayentaNanStrategy, KayentaQuery, KayentaThresholds } from './kayenta-config';
export { classifyKayentaMetric, NETFLIX_JUDGE_OPTIONS } from './kayenta-classifier';
export type { KayentaClassification, KayentaJudgeOptions, KayentaMetricClassification, KayentaTestStatistics, SampleStatistics } from './kayenta-classifier';
export { buildKayentaQuery, expandTemplate, fetchKayentaMetricSetPairs, traefikScopes } from './kayenta-query';
export type { KayentaMetricSetPair, KayentaScope, KayentaScopes, KayentaWindow, RangeQuery } from './kayenta-query';
export { NODATA_THRESHOLD, scoreKayenta } from './kayenta-score';
export type { KayentaGroupScore, KayentaMetricResult, KayentaScore, KayentaVerdict } from './kayenta-score';

/** One judgement: Kayenta's CanaryJudgeResult. */
export interface KayentaJudgement {
  judge: typeof NETFLIX_ACA_JUDGE;
  /** The canary config's name. */
  config: string;
  /** The window judged (null when judging given pairs). */
  window: KayentaWindow | null;
  /** Summary score 0–100. */
  score: number;
  verdict: KayentaVerdict;
  /** Why: a critical failure, too many metrics without data, or the score against the thresholds. */
  reason: string;
  groups: KayentaGroupScore[];
  metrics: KayentaMetricResult[];
  thresholds: KayentaThresholds;
}

export interface KayentaJudgeSettings {
  /** Score thresholds (default: the config's scoreThresholds). */
  thresholds?: KayentaThresholds;
  /** The judge's constants (default NetflixACAJudge's: confidence 0.98, tolerance 0.25). */
  judge?: KayentaJudgeOptions;
}

/**
 * Judges metric-set pairs already fetched (what Kayenta's POST /judges/judge
 * does with a stored metric-set-pair list): classifies each pair with its
 * metric's configuration and scores the canary.
 */
export function judgeKayenta(config: KayentaCanaryConfig, pairs: readonly KayentaMetricSetPair[], settings: KayentaJudgeSettings = {}, window: KayentaWindow | null = null): KayentaJudgement {
  const thresholds = settings.thresholds ?? config.scoreThresholds;
  const options = settings.judge ?? NETFLIX_JUDGE_OPTIONS;
  const metrics: KayentaMetricResult[] = [];
  for (const pair of pairs) {
    const m = config.metrics.find((x) => x.name === pair.name);
    if (!m) continue; // Kayenta fails the judgement on a pair without a metric config; pairs come from the config here.
    const meta = { name: pair.name, tags: pair.tags, groups: m.groups, muted: m.analysis.muted, criticalMetric: m.analysis.critical, queries: pair.queries };
    if (pair.error !== null) {
      metrics.push({
        ...meta,
        classification: 'Error',
        reason: pair.error,
        critical: m.analysis.critical,
        effectSize: { measure: m.analysis.effectSize.measure, value: null },
        canary: describeSamples([]),
        baseline: describeSamples([]),
        removed: { canaryNaN: 0, baselineNaN: 0, canaryOutliers: 0, baselineOutliers: 0 },
        test: null,
      });
      continue;
    }
    const c = classifyKayentaMetric(pair.canary, pair.baseline, m.analysis, options);
    const reason = pair.note !== null && (c.classification === 'Nodata' || c.classification === 'NodataFailMetric') ? `${c.reason}; ${pair.note}` : c.reason;
    metrics.push({ ...c, ...meta, reason });
  }
  const s = scoreKayenta(metrics, config.groupWeights, thresholds);
  return { judge: NETFLIX_ACA_JUDGE, config: config.name, window, score: s.score, verdict: s.verdict, reason: s.reason, groups: s.groups, metrics, thresholds };
}

/** Fetches the config's metrics for both scopes over the window and judges them (one judgement, at the window's end). */
export function runKayentaJudgement(config: KayentaCanaryConfig, scopes: KayentaScopes, window: KayentaWindow, rangeQuery: RangeQuery, settings: KayentaJudgeSettings = {}): KayentaJudgement {
  return judgeKayenta(config, fetchKayentaMetricSetPairs(config, scopes, window, rangeQuery), settings, window);
}

/**
 * A canary analysis execution (Kayenta's standalone canary analysis; the
 * Spinnaker canary stage has the same knobs), in milliseconds where Kayenta
 * counts minutes.
 */
export interface KayentaAnalysisRequest {
  /** When the analysis starts (Unix ms), e.g. when the canary takes traffic. */
  startMs: number;
  /** How long the analysis lasts after the warm-up (lifetimeDurationMins). */
  lifetimeMs: number;
  /** One judgement per interval (analysisIntervalMins); default, zero or longer than the lifetime: the lifetime (one judgement). */
  intervalMs?: number;
  /** Warm-up before the first interval (beginAfterMins); default 0. */
  beginAfterMs?: number;
  /** Sliding windows of this length (lookbackMins); default 0: each judgement covers everything since the warm-up ended. */
  lookbackMs?: number;
  /** Step between samples (the scope's step; Kayenta's default is 60 s). */
  stepMs: number;
  /** Score thresholds (default: the config's). */
  thresholds?: KayentaThresholds;
  judge?: KayentaJudgeOptions;
}

/** The windows the judgements of an analysis cover, in order; the i-th judgement happens at its window's end. */
export function kayentaJudgementWindows(request: KayentaAnalysisRequest): KayentaWindow[] {
  const lifetime = request.lifetimeMs;
  if (!(lifetime > 0) || !(request.stepMs > 0)) return [];
  const interval = request.intervalMs !== undefined && request.intervalMs > 0 && request.intervalMs <= lifetime ? request.intervalMs : lifetime;
  const begin = request.startMs + Math.max(0, request.beginAfterMs ?? 0);
  const lookback = Math.max(0, request.lookbackMs ?? 0);
  const count = Math.floor(lifetime / interval);
  const windows: KayentaWindow[] = [];
  for (let i = 1; i <= count; i++) {
    const endMs = begin + i * interval;
    windows.push({ startMs: lookback > 0 ? endMs - lookback : begin, endMs, stepMs: request.stepMs });
  }
  return windows;
}

/** The outcome of an analysis: every judgement made and the overall result. */
export interface KayentaAnalysis {
  /** Pass when the last judgement reached the pass threshold and no earlier one fell to the marginal threshold. */
  verdict: 'Pass' | 'Fail';
  reason: string;
  judgements: KayentaJudgement[];
  /** How many judgements the lifetime allows. */
  planned: number;
  /** A judgement at or below the marginal threshold ended the analysis before its last judgement. */
  stoppedEarly: boolean;
  thresholds: KayentaThresholds;
}

/**
 * Runs an analysis: judgement i covers its window (growing from the end of
 * the warm-up, or the last lookback) and is made at the window's end. A
 * judgement scoring at or below the marginal threshold stops the analysis
 * (failed); the last judgement must score at least the pass threshold.
 */
export function runKayentaAnalysis(config: KayentaCanaryConfig, scopes: KayentaScopes, request: KayentaAnalysisRequest, rangeQuery: RangeQuery): KayentaAnalysis {
  const thresholds = request.thresholds ?? config.scoreThresholds;
  const windows = kayentaJudgementWindows(request);
  const judgements: KayentaJudgement[] = [];
  if (windows.length === 0) {
    return { verdict: 'Fail', reason: `no judgement: the lifetime (${request.lifetimeMs} ms) and step (${request.stepMs} ms) must be greater than zero`, judgements, planned: 0, stoppedEarly: false, thresholds };
  }
  for (const [i, w] of windows.entries()) {
    const j = runKayentaJudgement(config, scopes, w, rangeQuery, { thresholds, judge: request.judge });
    judgements.push(j);
    const last = i === windows.length - 1;
    if (!last && j.score <= thresholds.marginal) {
      return { verdict: 'Fail', reason: `judgement ${i + 1} of ${windows.length} scored ${j.score}, at or below the marginal threshold ${thresholds.marginal}: the analysis stops (${j.reason})`, judgements, planned: windows.length, stoppedEarly: true, thresholds };
    }
    if (last) {
      const pass = j.score >= thresholds.pass;
      const what = pass ? `at least the pass threshold ${thresholds.pass}` : `below the pass threshold ${thresholds.pass}`;
      return { verdict: pass ? 'Pass' : 'Fail', reason: `the last judgement (${i + 1} of ${windows.length}) scored ${j.score}, ${what} (${j.reason})`, judgements, planned: windows.length, stoppedEarly: false, thresholds };
    }
  }
  /* c8 ignore next */
  return { verdict: 'Fail', reason: 'no judgement', judgements, planned: windows.length, stoppedEarly: false, thresholds };
}
