/**
 * Builders of the rollout controller's compiled Canary (`CanarySpec`), shared by the conformance suite and the
 * manifest compiler's tests: a Canary `podinfo` in namespace `test` (target, apex, ingress and route `podinfo`,
 * port 80, provider traefik) with the values Flagger v1.44 gives every field a manifest leaves out (flagger.md
 * §1.2), which are what `compileFlagger` produces; callers override what their case is about.
 */

import type { AnalysisSpec, CanarySpec } from '../../simulation/rollout/types';

/** An analysis with Flagger's defaults: interval 1m, threshold 1, no steps, ready thresholds 100, no metrics or webhooks. */
export function analysisSpec(a: Partial<AnalysisSpec> = {}): AnalysisSpec {
  return {
    intervalMs: 60_000,
    threshold: 1,
    maxWeight: 0,
    stepWeight: 0,
    stepWeights: [],
    stepWeightPromotion: 0,
    iterations: 0,
    mirror: false,
    mirrorWeight: 0,
    match: [],
    primaryReadyThreshold: 100,
    canaryReadyThreshold: 100,
    metrics: [],
    webhooks: [],
    ...a,
  };
}

/** The Canary podinfo.test with `analysisSpec(a)`, fields overridden by `s`. */
export function canarySpec(a: Partial<AnalysisSpec> = {}, s: Partial<CanarySpec> = {}): CanarySpec {
  return {
    name: 'podinfo',
    namespace: 'test',
    targetKind: 'Deployment',
    target: 'podinfo',
    apex: 'podinfo',
    port: 80,
    provider: 'traefik',
    ingress: 'podinfo',
    route: 'podinfo',
    progressDeadlineSeconds: 600,
    skipAnalysis: false,
    suspend: false,
    analysis: analysisSpec(a),
    ...s,
  };
}
