/**
 * The rollout decision engine's data model: a Canary and its MetricTemplates
 * as Flagger reads them (defaults applied, durations parsed), the status
 * Flagger keeps, and the ports through which the controller acts on the
 * simulated cluster (readiness, scaling, router, metrics provider,
 * webhooks). The controller (`controller.ts`) is pure logic over these ports,
 * so the conformance suite can drive it with scripted ports and the
 * simulation with the simulated system.
 *
 * Reference: ../shared/reference/flagger.md (Flagger v1.44.0).
 */

export type WebhookType =
  | 'confirm-rollout'
  | 'pre-rollout'
  | 'rollout'
  | 'confirm-traffic-increase'
  | 'confirm-promotion'
  | 'post-rollout'
  | 'rollback'
  | 'event';

export type Phase = '' | 'Initializing' | 'Initialized' | 'Waiting' | 'Progressing' | 'WaitingPromotion' | 'Promoting' | 'Finalising' | 'Succeeded' | 'Failed';

export type Strategy = 'canary' | 'blue-green' | 'ab-testing';

/** One entry of `analysis.metrics[]`, as written (Flagger defaults its interval per kind at use). */
export interface MetricSpec {
  name: string;
  /** The `interval` string as written; '' when unset (builtin and inline metrics then use "1m", templates render ''). */
  interval: string;
  /** `thresholdRange`; null when absent. A bound is null when unset. */
  thresholdRange: { min: number | null; max: number | null } | null;
  /** Deprecated `threshold` (0 when unset); used only when `thresholdRange` is null. */
  threshold: number;
  /** `templateRef`, namespace defaulted to the Canary's. */
  templateRef: { name: string; namespace: string } | null;
  templateVariables: Readonly<Record<string, string>>;
  /** Deprecated inline `query` ('' when unset), run against the metrics server. */
  query: string;
}

export interface WebhookSpec {
  name: string;
  /** `type`; '' is normalised to 'rollout'. */
  type: WebhookType;
  url: string;
  /** Per-attempt timeout in ms (Flagger: "10s" when the string has fewer than 2 characters). */
  timeoutMs: number;
  /** Extra attempts (0 = one attempt). */
  retries: number;
  metadata: Readonly<Record<string, string>>;
  muteAlert: boolean;
}

/** `spec.analysis` with Flagger's defaults and normalisations applied (flagger.md §1.2). */
export interface AnalysisSpec {
  /** Tick period in ms: 60 s when empty or unparsable, raised to 10 s when below. */
  intervalMs: number;
  /** ≥ 1 (0/absent ⇒ 1). */
  threshold: number;
  /** As written (0 ⇒ 100 is applied by the weight arithmetic, which also honours stepWeights). */
  maxWeight: number;
  stepWeight: number;
  stepWeights: readonly number[];
  stepWeightPromotion: number;
  iterations: number;
  mirror: boolean;
  mirrorWeight: number;
  /** `match` conditions as written (A/B testing when non-empty with iterations > 0). */
  match: readonly unknown[];
  primaryReadyThreshold: number;
  canaryReadyThreshold: number;
  metrics: readonly MetricSpec[];
  webhooks: readonly WebhookSpec[];
}

/** A Canary as Flagger reads it. */
export interface CanarySpec {
  name: string;
  namespace: string;
  /** `targetRef.kind` (Deployment). */
  targetKind: string;
  /** `targetRef.name`. */
  target: string;
  /** `service.name`, defaulting to the target: the apex service and TraefikService name. */
  apex: string;
  port: number;
  /** `spec.provider` (or the scenario's global mesh provider), e.g. "traefik". */
  provider: string;
  /** `ingressRef.name` or the target, for `{{ ingress }}`. */
  ingress: string;
  /** `routeRef.name` or the target, for `{{ route }}`. */
  route: string;
  progressDeadlineSeconds: number;
  skipAnalysis: boolean;
  suspend: boolean;
  analysis: AnalysisSpec;
}

export interface MetricTemplateSpec {
  name: string;
  namespace: string;
  /** `provider.type` (only "prometheus" is simulated). */
  providerType: string;
  providerAddress: string;
  query: string;
}

/** Canary.status as Flagger keeps it (flagger.md §2). */
export interface CanaryStatus {
  phase: Phase;
  canaryWeight: number;
  failedChecks: number;
  iterations: number;
  lastAppliedSpec: string;
  lastPromotedSpec: string;
}

/** Readiness of the primary or canary workload (flagger.md §4.R). */
export type Readiness = { ready: true } | { ready: false; reason: string; retriable: boolean };

export interface Routes {
  primary: number;
  canary: number;
  mirrored: boolean;
}

/** The answer of a metrics provider to one query (flagger.md §8.2). */
export type ProviderResult = { ok: true; value: number } | { ok: false; noValues: boolean; error: string };

/** The answer of a webhook call, after retries (flagger.md §7.1): ok iff the final status ≤ 202. */
export type WebhookResult = { ok: true } | { ok: false; error: string };

/**
 * What the controller reads from and does to the cluster. Every call is
 * synchronous and happens at the tick's time.
 */
export interface CanaryPorts {
  /** Hash of the target Deployment's pod template now (changes when a new revision is deployed). */
  targetRevision(): string;
  primaryReadiness(threshold: number): Readiness;
  canaryReadiness(threshold: number): Readiness;
  /** Scale the target (canary) Deployment up from zero to its desired replicas. */
  scaleCanaryUp(): void;
  /** Scale the target (canary) Deployment to zero. */
  scaleCanaryToZero(): void;
  /** Copy the target's pod template to the primary (starts the primary's rolling update). */
  promotePrimary(): void;
  /** The router's weights (Traefik: canary = 100 − primary, never mirrored); an error text on failure. */
  getRoutes(): Routes | { error: string };
  /** Write weights; an error text on failure (e.g. both weights 0). */
  setRoutes(primary: number, canary: number, mirror: boolean): { error: string } | null;
  /** Run a query against the metrics server (builtin and inline metrics). */
  queryMetricsServer(query: string): ProviderResult;
  /** Look up a MetricTemplate; null when it does not exist. */
  template(name: string, namespace: string): MetricTemplateSpec | null;
  /** Run a rendered query against a template's provider. */
  queryTemplate(template: MetricTemplateSpec, query: string): ProviderResult;
  /**
   * Call a webhook with the payload phase; the result after retries. For `event` hooks `event` carries the
   * event the payload describes (flagger.md §7.3: `metadata.eventMessage` / `eventType`); their result is ignored.
   */
  callWebhook(hook: WebhookSpec, phase: Phase, event?: { message: string; type: 'Normal' | 'Warning' }): WebhookResult;
}

/** A Kubernetes event Flagger records (reason is always "Synced"). */
export interface CanaryEvent {
  /** Simulated seconds. */
  t: number;
  type: 'Normal' | 'Warning';
  reason: 'Synced';
  message: string;
  /** Flagger logs these at error level (Kubernetes type Warning). */
  error?: boolean;
  /** Why, structured for people (added by the simulation; not part of Flagger's event). */
  explanation?: import('./explain').DecisionExplanation;
}

export interface CanaryAlert {
  t: number;
  severity: 'info' | 'warn' | 'error';
  message: string;
}

/** One metric check as the analysis ran it. */
export interface MetricCheck {
  t: number;
  metric: string;
  /** 'builtin' (request-success-rate / request-duration), 'query' (inline), 'template'. */
  kind: 'builtin' | 'query' | 'template';
  /** The query text sent (after rendering and whitespace collapse); null when rendering failed. */
  query: string | null;
  /** The value compared with the thresholds (request-duration: whole milliseconds); null without a value. */
  value: number | null;
  min: number | null;
  max: number | null;
  ok: boolean;
  /** Why there is no value (no data, provider error, render error), in Flagger's words. */
  error?: string;
}

/** The state after one tick. */
export interface TickRecord {
  t: number;
  phase: Phase;
  canaryWeight: number;
  primaryWeight: number;
  failedChecks: number;
  iterations: number;
}
