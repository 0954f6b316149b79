import { qualified } from '../model/spec';
import { type MetricTemplateModel, renderQuery } from '../rollout/template';
import type { AnalysisSpec, CanarySpec, MetricSpec, MetricTemplateSpec, WebhookSpec, WebhookType } from '../rollout/types';
import { parseDuration } from '../util/duration';
import { type Diagnostic, formatPath } from './diagnostics';
import { suggest } from './issues';
import type { Manifest } from './manifests';
import type { CanaryAnalysisDocument, CanaryDocument, MetricTemplateDocument, ScenarioDocument } from './schema';
import type { SourceDocument } from './yaml-source';

/**
 * Compiles the team's Flagger manifests (flagger.app/v1beta1 Canary and
 * MetricTemplate, already validated by their schemas in schema.ts) into the
 * decision engine's model (simulation/rollout/types.ts), the way Flagger
 * v1.44 reads them: the CRD's cross-field rules, Flagger's defaults and
 * normalisations, and a located warning for everything Flagger has that the
 * simulator cannot honour, saying what Flagger itself would do.
 *
 * Also compiles the scenario's `spec.webhooks`: how each Canary webhook
 * answers in the simulation, where the real endpoints do not exist.
 *
 * Reference: ../shared/reference/flagger.md (§ numbers in messages refer to it).
 */

/** Reports a problem at `path` (at its key rather than its value when `key` is set). */
export type Report = (where: SourceDocument, path: Array<string | number>, message: string, key?: boolean) => void;

export interface FlaggerOptions {
  /** Flagger's `-mesh-provider` flag: the provider of Canaries without `spec.provider`. */
  meshProvider: string;
  /** Prometheus' scrape interval (ms), to warn about metric windows too short for rate(). */
  scrapeIntervalMs?: number;
  /**
   * The manifests are one file of several (`gameday validate` on a Canary
   * file): a MetricTemplate it does not hold may be in another, so a missing
   * one is a warning.
   */
  partial?: boolean;
}

/** err/warn callbacks that push located diagnostics (honouring `key`), as the loader's do. */
export function reporters(diagnostics: Diagnostic[]): { err: Report; warn: Report } {
  const make =
    (severity: Diagnostic['severity']): Report =>
    (where, path, message, key = false) =>
      diagnostics.push({ severity, file: where.file, ...where.locate(path, key), path: formatPath(path), message });
  return { err: make('error'), warn: make('warning') };
}

/** " (did you mean x?)" when a candidate is close to `word`. */
function didYouMean(word: string, candidates: readonly string[]): string {
  const hint = suggest(word, candidates);
  return hint ? ` (did you mean ${hint}?)` : '';
}

function list(names: readonly string[]): string {
  return names.length > 0 ? names.join(', ') : 'none';
}

const BUILTIN_METRICS = ['request-success-rate', 'request-duration'];
/** Providers whose routing the simulator implements. */
const SIMULATED_PROVIDERS = ['traefik', 'kubernetes'];
const ANALYSIS_INTERVAL_MS = 60_000;
const MIN_ANALYSIS_INTERVAL_MS = 10_000;

/** Fields of the Canary CRD (v1.44) and, for those the simulator ignores, why. */
const SPEC_FIELDS = [
  'provider',
  'metricsServer',
  'targetRef',
  'autoscalerRef',
  'ingressRef',
  'routeRef',
  'upstreamRef',
  'service',
  'analysis',
  'canaryAnalysis',
  'progressDeadlineSeconds',
  'skipAnalysis',
  'revertOnDeletion',
  'suspend',
];
const ANALYSIS_FIELDS = [
  'interval',
  'threshold',
  'maxWeight',
  'stepWeight',
  'stepWeights',
  'stepWeightPromotion',
  'iterations',
  'mirror',
  'mirrorWeight',
  'match',
  'primaryReadyThreshold',
  'canaryReadyThreshold',
  'metrics',
  'webhooks',
  'alerts',
  'sessionAffinity',
];
const METRIC_FIELDS = ['name', 'interval', 'threshold', 'thresholdRange', 'query', 'templateRef', 'templateVariables'];
const WEBHOOK_FIELDS = ['name', 'type', 'url', 'timeout', 'retries', 'metadata', 'muteAlert', 'disableTLS'];
const ALERT_FIELDS = ['name', 'severity', 'providerRef'];
/** `spec.service` fields that shape the generated Services: no effect on what is simulated, no warning. */
const SERVICE_FIELDS = ['name', 'port', 'portName', 'targetPort', 'portDiscovery', 'appProtocol'];
const MESH = "Flagger's Traefik router does not use it (it configures service meshes and other routers)";
const SERVICE_MESH_FIELDS: Readonly<Record<string, string>> = {
  timeout: MESH,
  gateways: MESH,
  gatewayRefs: MESH,
  hosts: MESH,
  delegation: MESH,
  trafficPolicy: MESH,
  match: MESH,
  rewrite: MESH,
  retries: MESH,
  headers: MESH,
  corsPolicy: MESH,
  meshName: MESH,
  backends: MESH,
  apex: 'it only adds labels and annotations to the objects Flagger generates, which nothing simulated reads',
  primary: 'it only adds labels and annotations to the objects Flagger generates, which nothing simulated reads',
  canary: 'it only adds labels and annotations to the objects Flagger generates, which nothing simulated reads',
};

type MetricDoc = NonNullable<CanaryAnalysisDocument['metrics']>[number];
type WebhookDoc = NonNullable<CanaryAnalysisDocument['webhooks']>[number];

interface TemplateInfo {
  m: Manifest;
  spec: MetricTemplateSpec;
  /** Canary metrics using it, for messages. */
  usedBy: string[];
}

/**
 * Compiles every Canary and MetricTemplate among `manifests`. Problems are
 * reported through `err` (the scenario cannot run as written) and `warn`
 * (it runs, but something is ignored or Flagger behaves surprisingly); the
 * results are complete even when errors were reported.
 */
export function compileFlagger(manifests: readonly Manifest[], err: Report, warn: Report, opts: FlaggerOptions): { canaries: CanarySpec[]; templates: MetricTemplateSpec[] } {
  const templates = new Map<string, TemplateInfo>();
  for (const m of manifests.filter((x) => x.kind === 'MetricTemplate')) templates.set(qualified(m.namespace, m.name), compileTemplate(m, warn));
  const alertProviders = new Set(manifests.filter((x) => x.kind === 'AlertProvider').map((x) => qualified(x.namespace, x.name)));
  /** Templates whose query does not parse, reported once. */
  const brokenTemplates = new Set<string>();

  const canaries: CanarySpec[] = [];
  for (const c of manifests.filter((x) => x.kind === 'Canary')) {
    const spec = c.value.spec as CanaryDocument['spec'] & Record<string, unknown>;
    const doc = c.doc;
    unknownFields(doc, ['spec'], spec, SPEC_FIELDS, 'spec', warn);

    // Provider and target.
    const provider = spec.provider || opts.meshProvider;
    if (!SIMULATED_PROVIDERS.includes(provider)) {
      const given = spec.provider ? '' : ` (Flagger's mesh provider, as the Canary sets no spec.provider)`;
      err(doc, ['spec', 'provider'], `provider ${provider}${given} is not simulated: only the Traefik router (provider traefik) and the kubernetes provider are`);
    }
    if (spec.targetRef.kind !== 'Deployment') {
      err(doc, ['spec', 'targetRef', 'kind'], `targetRef.kind ${spec.targetRef.kind} is not simulated: only Deployment targets are (Flagger also takes DaemonSets and Services)`);
    }
    const target = spec.targetRef.name;
    const apex = spec.service.name ?? target;

    // Fields the simulator does not honour.
    if (spec.autoscalerRef) {
      warn(
        doc,
        ['spec', 'autoscalerRef'],
        `autoscalerRef is ignored: HorizontalPodAutoscalers are not simulated, so the replica count stays the Deployment's spec.replicas (Flagger would create ${target}-primary's autoscaler and pause the canary's at scale-down)`,
        true,
      );
    }
    if (spec.metricsServer !== undefined) {
      warn(doc, ['spec', 'metricsServer'], `metricsServer ${spec.metricsServer} is not contacted: every Prometheus query goes to the simulated Prometheus (Flagger sends builtin and inline-query metrics there)`);
    }
    if (spec.revertOnDeletion) {
      warn(doc, ['spec', 'revertOnDeletion'], 'revertOnDeletion is ignored: the simulated Canary is never deleted (Flagger would restore the target and the Services when it is)');
    }
    if (spec.upstreamRef) warn(doc, ['spec', 'upstreamRef'], "upstreamRef is ignored: only Flagger's Gloo router uses it", true);
    unknownFields(doc, ['spec', 'service'], spec.service as Record<string, unknown>, [...SERVICE_FIELDS, ...Object.keys(SERVICE_MESH_FIELDS)], 'service', warn);
    for (const k of Object.keys(spec.service)) {
      if (Object.hasOwn(SERVICE_MESH_FIELDS, k)) warn(doc, ['spec', 'service', k], `service.${k} is ignored: ${SERVICE_MESH_FIELDS[k]}`, true);
    }

    // The analysis: spec.analysis, or the deprecated spec.canaryAnalysis (analysis wins).
    let key: 'analysis' | 'canaryAnalysis' = 'analysis';
    let a: (CanaryAnalysisDocument & Record<string, unknown>) | undefined = spec.analysis;
    if (!a && spec.canaryAnalysis) {
      key = 'canaryAnalysis';
      a = spec.canaryAnalysis;
      warn(doc, ['spec', 'canaryAnalysis'], 'canaryAnalysis is deprecated and read as analysis, as Flagger does; rename it to analysis (the v1beta1 CRD requires analysis)', true);
    } else if (a && spec.canaryAnalysis) {
      warn(doc, ['spec', 'canaryAnalysis'], 'canaryAnalysis is ignored: analysis is set, and Flagger reads analysis when both are', true);
    }
    const ap: Array<string | number> = ['spec', key];
    if (!a) {
      err(doc, ['spec'], 'missing required field "analysis": the Canary CRD requires spec.analysis with interval, threshold and one of iterations, stepWeight or stepWeights; the API server rejects this Canary', true);
      a = {};
    } else {
      checkOneOf(doc, ap, a, err);
      unknownFields(doc, ap, a, ANALYSIS_FIELDS, 'analysis', warn);
    }

    const analysis = normaliseAnalysis(doc, ap, a, c.namespace, warn);
    const canary: CanarySpec = {
      name: c.name,
      namespace: c.namespace,
      targetKind: spec.targetRef.kind,
      target,
      apex,
      port: spec.service.port,
      provider,
      ingress: spec.ingressRef?.name ?? target,
      route: spec.routeRef?.name ?? target,
      progressDeadlineSeconds: spec.progressDeadlineSeconds ?? 600,
      skipAnalysis: spec.skipAnalysis ?? false,
      suspend: spec.suspend ?? false,
      analysis,
    };
    routingWarnings(doc, ap, a, canary, warn);

    // Metrics.
    const metrics = a.metrics ?? [];
    metrics.forEach((m, i) => {
      const mp = [...ap, 'metrics', i];
      unknownFields(doc, mp, m as Record<string, unknown>, METRIC_FIELDS, 'the metric', warn);
      const spec = analysis.metrics[i];
      checkMetric(doc, mp, m, spec, canary, opts, templates, brokenTemplates, err, warn);
    });

    // Webhooks.
    (a.webhooks ?? []).forEach((w, i) => {
      const wp = [...ap, 'webhooks', i];
      unknownFields(doc, wp, w as Record<string, unknown>, WEBHOOK_FIELDS, 'the webhook', warn);
      if (w.timeout !== undefined && w.timeout.length >= 2 && typeof parseDuration(w.timeout) !== 'number') {
        const e = parseDuration(w.timeout) as { error: string };
        err(doc, [...wp, 'timeout'], `timeout ${JSON.stringify(w.timeout)} matches the CRD's pattern but is not a Go duration (${e.error}): Flagger fails every call of webhook ${w.name}; write e.g. 30s`);
      }
    });

    // Alerts: recorded, not delivered.
    (a.alerts ?? []).forEach((al, i) => {
      const alp = [...ap, 'alerts', i];
      unknownFields(doc, alp, al as Record<string, unknown>, ALERT_FIELDS, 'the alert', warn);
      const pns = al.providerRef.namespace ?? c.namespace;
      const missing = alertProviders.has(qualified(pns, al.providerRef.name))
        ? ''
        : `; there is no AlertProvider ${al.providerRef.name} in namespace ${pns} in this scenario (Flagger would log an error instead of sending)`;
      const severity = al.severity
        ? ` (severity ${al.severity})`
        : '; its severity is empty, so Flagger sends this entry nothing (the docs say the default is info, the code filters every alert out, §9.3)';
      warn(doc, alp, `alert ${al.name} is recorded in the run's alerts, not delivered to AlertProvider ${al.providerRef.name}${severity}${missing}`);
    });

    canaries.push(canary);
  }

  // Templates of providers other than Prometheus: an error when a Canary uses one.
  for (const t of templates.values()) {
    if (t.spec.providerType === 'prometheus') continue;
    if (t.usedBy.length > 0) {
      err(t.m.doc, ['spec', 'provider', 'type'], `provider type ${t.spec.providerType} is not simulated: only Prometheus is (used by ${t.usedBy.join(', ')})`);
    } else {
      warn(t.m.doc, ['spec', 'provider', 'type'], `provider type ${t.spec.providerType} is not simulated (only Prometheus is); no Canary uses this MetricTemplate, so it is ignored`);
    }
  }
  return { canaries, templates: [...templates.values()].map((t) => t.spec) };
}

function compileTemplate(m: Manifest, warn: Report): TemplateInfo {
  const spec = m.value.spec as MetricTemplateDocument['spec'] & { provider: Record<string, unknown> };
  const p = spec.provider;
  const ignored = (field: string, what: string) => {
    if (p[field] !== undefined) warn(m.doc, ['spec', 'provider', field], `provider.${field} is ignored: ${what}`, true);
  };
  if (p.address !== undefined) {
    warn(m.doc, ['spec', 'provider', 'address'], `provider.address ${String(p.address)} is not contacted: every query of this template goes to the simulated Prometheus`);
  }
  ignored('secretRef', 'the simulated Prometheus needs no credentials (every query goes to it)');
  ignored('headers', 'the simulated Prometheus reads no headers (every query goes to it)');
  ignored('insecureSkipVerify', 'the simulated Prometheus is not reached over TLS (every query goes to it)');
  ignored('region', 'only the CloudWatch provider uses it; every query goes to the simulated Prometheus');
  return {
    m,
    usedBy: [],
    spec: { name: m.name, namespace: m.namespace, providerType: spec.provider.type, providerAddress: spec.provider.address ?? '', query: spec.query },
  };
}

/** Warns about fields the CRD does not declare (the API server drops them). */
function unknownFields(doc: SourceDocument, path: Array<string | number>, obj: Record<string, unknown>, known: readonly string[], what: string, warn: Report): void {
  for (const k of Object.keys(obj)) {
    if (known.includes(k)) continue;
    warn(doc, [...path, k], `unknown field ${k} of ${what}${didYouMean(k, known)}: the Canary CRD does not declare it, so the API server drops it and Flagger never sees it`, true);
  }
}

const has = (a: Record<string, unknown>, k: string) => a[k] !== undefined && a[k] !== null;

/** The analysis' `oneOf` of required sets: {interval, threshold} with exactly one of iterations, stepWeight, stepWeights. */
function checkOneOf(doc: SourceDocument, ap: Array<string | number>, a: Record<string, unknown>, err: Report): void {
  const missing = ['interval', 'threshold'].filter((k) => !has(a, k));
  if (missing.length > 0) {
    err(
      doc,
      ap,
      `missing ${missing.map((k) => `analysis.${k}`).join(' and ')}: the Canary CRD requires interval and threshold with one of iterations, stepWeight or stepWeights, so the API server rejects this Canary`,
      true,
    );
    return;
  }
  const modes = ['iterations', 'stepWeight', 'stepWeights'].filter((k) => has(a, k));
  if (modes.length === 0) {
    err(
      doc,
      ap,
      "expected one of analysis.iterations (Blue/Green or A/B testing), analysis.stepWeight or analysis.stepWeights (canary): the Canary CRD's oneOf rule makes the API server reject an analysis with none of them",
      true,
    );
  } else if (modes.length > 1) {
    err(
      doc,
      [...ap, modes[modes.length - 1]],
      `expected exactly one of analysis.iterations, stepWeight and stepWeights, found ${modes.join(' and ')}: the Canary CRD's oneOf rule makes the API server reject an analysis with more than one`,
      true,
    );
  }
}

/** Flagger's defaults and normalisations of the analysis (§1.2). */
function normaliseAnalysis(doc: SourceDocument, ap: Array<string | number>, a: CanaryAnalysisDocument, namespace: string, warn: Report): AnalysisSpec {
  let intervalMs = ANALYSIS_INTERVAL_MS;
  if (a.interval) {
    const s = parseDuration(a.interval);
    if (typeof s !== 'number') {
      warn(doc, [...ap, 'interval'], `interval ${JSON.stringify(a.interval)} is not a Go duration (${s.error}): Flagger falls back to 60s`);
    } else if (s * 1000 < MIN_ANALYSIS_INTERVAL_MS) {
      intervalMs = MIN_ANALYSIS_INTERVAL_MS;
      warn(doc, [...ap, 'interval'], `interval ${a.interval} is below Flagger's minimum: Flagger runs the analysis every 10s`);
    } else intervalMs = Math.round(s * 1000);
  }
  return {
    intervalMs,
    threshold: a.threshold !== undefined && a.threshold > 0 ? a.threshold : 1,
    maxWeight: a.maxWeight ?? 0,
    stepWeight: a.stepWeight ?? 0,
    stepWeights: a.stepWeights ?? [],
    stepWeightPromotion: a.stepWeightPromotion ?? 0,
    iterations: a.iterations ?? 0,
    mirror: a.mirror ?? false,
    mirrorWeight: a.mirrorWeight ?? 0,
    match: a.match ?? [],
    primaryReadyThreshold: a.primaryReadyThreshold ?? 100,
    canaryReadyThreshold: a.canaryReadyThreshold ?? 100,
    metrics: (a.metrics ?? []).map(normaliseMetric),
    webhooks: (a.webhooks ?? []).map(normaliseWebhook),
  };

  function normaliseMetric(m: MetricDoc): MetricSpec {
    return {
      name: m.name,
      interval: m.interval ?? '',
      thresholdRange: m.thresholdRange ? { min: m.thresholdRange.min ?? null, max: m.thresholdRange.max ?? null } : null,
      threshold: m.threshold ?? 0,
      templateRef: m.templateRef ? { name: m.templateRef.name, namespace: m.templateRef.namespace ?? namespace } : null,
      templateVariables: m.templateVariables ?? {},
      query: m.query ?? '',
    };
  }
}

function normaliseWebhook(w: WebhookDoc): WebhookSpec {
  const timeout = w.timeout === undefined || w.timeout.length < 2 ? '10s' : w.timeout;
  const s = parseDuration(timeout);
  return {
    name: w.name,
    type: (w.type || 'rollout') as WebhookType,
    url: w.url,
    timeoutMs: typeof s === 'number' ? Math.round(s * 1000) : 0,
    retries: w.retries ?? 0,
    metadata: w.metadata ?? {},
    muteAlert: w.muteAlert ?? false,
  };
}

/** What the Traefik router (and the kubernetes provider) make of match, mirror, session affinity and the step settings. */
function routingWarnings(doc: SourceDocument, ap: Array<string | number>, a: CanaryAnalysisDocument, c: CanarySpec, warn: Report): void {
  const an = c.analysis;
  const traefik = c.provider === 'traefik';
  const kubernetes = c.provider === 'kubernetes';
  if (an.match.length > 0) {
    if (traefik && an.iterations > 0) {
      warn(
        doc,
        [...ap, 'match'],
        "match is ignored by Flagger's Traefik router: this A/B analysis sends ALL traffic to the canary on every iteration (routes 0/100), not only the matching requests (§6.3, §12.9)",
        true,
      );
    } else if (traefik) {
      warn(doc, [...ap, 'match'], "match is ignored: it only selects A/B testing together with iterations, and Flagger's Traefik router ignores it anyway (§12.9)", true);
    } else if (kubernetes) {
      warn(doc, [...ap, 'match'], 'match is ignored: with the kubernetes provider Flagger drops it, warning "A/B testing is not supported when using the kubernetes provider" every tick', true);
    }
  }
  if (an.mirror) {
    if (traefik && an.iterations <= 0) {
      warn(
        doc,
        [...ap, 'mirror'],
        'mirror: true with the Traefik router, which cannot mirror: Flagger never leaves weight 0 — every tick repeats "Starting canary analysis", the pre-rollout hooks and "Advance … canary weight 0", without progressing or failing (§10.4)',
      );
    } else if (traefik) {
      warn(doc, [...ap, 'mirror'], 'mirror: true is ignored by the Traefik router, which cannot mirror: Flagger runs a plain Blue/Green analysis, with no mirrored traffic (§10.4)');
    } else if (kubernetes) {
      warn(doc, [...ap, 'mirror'], 'mirror: true is ignored: the kubernetes provider never changes routes');
    }
  }
  if (a.mirrorWeight !== undefined) warn(doc, [...ap, 'mirrorWeight'], "mirrorWeight is ignored: only Flagger's Istio router reads it (§10.4)");
  if (a.sessionAffinity !== undefined) warn(doc, [...ap, 'sessionAffinity'], "sessionAffinity is ignored: only Flagger's Istio and Gateway API routers use it", true);
  if (kubernetes && an.iterations < 1) {
    warn(
      doc,
      ap,
      'the kubernetes provider does not shift traffic: Flagger warns "Progressive traffic is not supported when using the kubernetes provider" on every analysed tick and runs 10 iterations (Blue/Green) without changing routes',
      true,
    );
  } else if (!kubernetes && an.iterations <= 0 && an.stepWeight <= 0 && an.stepWeights.length === 0 && (has(a, 'stepWeight') || has(a, 'stepWeights'))) {
    warn(
      doc,
      [...ap, has(a, 'stepWeight') ? 'stepWeight' : 'stepWeights'],
      'the canary never advances: with stepWeight 0, no stepWeights and no iterations, Flagger repeats "Starting canary analysis" every tick and never shifts traffic (§12.14)',
    );
  }
}

function checkMetric(
  doc: SourceDocument,
  mp: Array<string | number>,
  m: MetricDoc,
  spec: MetricSpec,
  c: CanarySpec,
  opts: FlaggerOptions,
  templates: Map<string, TemplateInfo>,
  brokenTemplates: Set<string>,
  err: Report,
  warn: Report,
): void {
  const builtin = BUILTIN_METRICS.includes(m.name);
  const inline = spec.query !== '';
  if (!spec.templateRef && !inline && !builtin) {
    warn(
      doc,
      [...mp, 'name'],
      `metric ${m.name} has neither templateRef nor query and is not a builtin (${BUILTIN_METRICS.join(', ')}): Flagger fails this check every tick with "Metric query failed for no usable metrics template and query were configured"`,
    );
  }
  if (spec.templateRef && (builtin || inline)) {
    warn(doc, [...mp, 'templateRef'], `metric ${m.name} is evaluated twice: Flagger runs its ${builtin ? 'builtin' : 'inline'} query and then the template (§4.A, §12.11)`, true);
  }

  // Thresholds (§8.4, §12.12).
  if (spec.thresholdRange === null && spec.threshold === 0) {
    const at = [...mp, 'name'];
    if (m.name === 'request-duration') {
      warn(doc, at, 'request-duration has no thresholdRange: Flagger compares the P99 with 0 and fails the check whenever it is above 0ms, i.e. always (§12.12); set thresholdRange.max in milliseconds');
    } else if (m.name === 'request-success-rate') {
      warn(doc, at, 'request-success-rate has no thresholdRange: Flagger compares with 0 and the check never fails (§8.4); set thresholdRange.min, e.g. 99');
    } else if (spec.templateRef || inline) {
      warn(doc, at, `metric ${m.name} has no thresholdRange: Flagger fails the check whenever the value is above 0 (§12.12); set thresholdRange`);
    }
  }

  // The template and its rendering.
  let template: TemplateInfo | undefined;
  if (spec.templateRef) {
    const { name, namespace } = spec.templateRef;
    template = templates.get(qualified(namespace, name));
    if (!template) {
      const there = [...templates.values()].filter((t) => t.spec.namespace === namespace).map((t) => t.spec.name);
      const report = opts.partial ? warn : err;
      report(
        doc,
        [...mp, 'templateRef', 'name'],
        `no MetricTemplate ${name} in namespace ${namespace}${opts.partial ? ' in this file' : ''}${didYouMean(name, there)}; MetricTemplates there: ${list(there)} (Flagger would fail this check every tick with "Metric template ${name}.${namespace} error: …")`,
      );
    } else {
      template.usedBy.push(`Canary ${c.name} metric ${m.name}`);
      checkRender(doc, mp, m, spec, c, template, brokenTemplates, err, warn);
    }
  }

  // The metric's window against the scrape interval.
  const interval = spec.interval || (builtin || inline ? '1m' : '');
  if (opts.scrapeIntervalMs !== undefined && interval !== '') {
    const s = parseDuration(interval);
    if (typeof s === 'number' && s * 1000 < 2 * opts.scrapeIntervalMs) {
      warn(
        doc,
        [...mp, spec.interval ? 'interval' : 'name'],
        `the metric interval ${interval}${spec.interval ? '' : ' (Flagger\'s default)'} is shorter than twice the scrape interval (${opts.scrapeIntervalMs / 1000}s): rate() over it often has fewer than two samples, and Flagger then halts with "no values found"`,
      );
    }
  }
}

function checkRender(
  doc: SourceDocument,
  mp: Array<string | number>,
  m: MetricDoc,
  spec: MetricSpec,
  c: CanarySpec,
  t: TemplateInfo,
  brokenTemplates: Set<string>,
  err: Report,
  warn: Report,
): void {
  const tname = `${t.spec.name}.${t.spec.namespace}`;
  const model = (interval: string): MetricTemplateModel => ({
    name: c.name,
    namespace: c.namespace,
    target: c.target,
    service: c.apex,
    ingress: c.ingress,
    route: c.route,
    interval,
    variables: spec.templateVariables,
  });
  const r = renderQuery(t.spec.query, model(spec.interval));
  if (!r.ok) {
    if (r.error.startsWith('template parsing failed')) {
      const key = qualified(t.spec.namespace, t.spec.name);
      if (!brokenTemplates.has(key)) {
        brokenTemplates.add(key);
        const at = r.line !== undefined ? ` (line ${r.line} of the query)` : '';
        err(t.m.doc, ['spec', 'query'], `the query does not parse as a Go template${at}: ${r.error}; Flagger fails every check using it with "Metric template ${tname} query render error: …"`);
      }
      return;
    }
    const missing = /map has no entry for key "([^"]*)"/.exec(r.error);
    if (missing) {
      const v = missing[1];
      const known = Object.keys(spec.templateVariables);
      err(
        doc,
        [...mp, m.templateVariables ? 'templateVariables' : 'templateRef'],
        `templateVariables has no ${v}, which MetricTemplate ${t.spec.name} uses as {{ variables.${v} }}${didYouMean(v, known)}: Flagger fails this check every tick with "Metric template ${tname} query render error: ${r.error}"`,
        true,
      );
    } else {
      err(doc, [...mp, 'templateRef'], `MetricTemplate ${t.spec.name}'s query fails to render for this metric: Flagger fails this check every tick with "Metric template ${tname} query render error: ${r.error}"`, true);
    }
    return;
  }
  // {{ interval }} renders empty for templateRef metrics without an interval (§8.5, §12.10).
  if (spec.interval === '') {
    const other = renderQuery(t.spec.query, model('1m'));
    if (other.ok && other.query !== r.query) {
      warn(
        doc,
        [...mp, 'name'],
        `metric ${m.name} sets no interval but MetricTemplate ${t.spec.name} uses {{ interval }}: Flagger renders it as an empty string for templateRef metrics (only builtin and query metrics default to 1m), so the query is likely invalid; set interval, e.g. 1m`,
      );
    }
  }
}

// ---- webhook behaviour ---------------------------------------------------------

/** How one Canary webhook answers in the simulation (scenario `spec.webhooks[]`). */
export interface WebhookBehaviourSpec {
  /** The webhook's `name` in the Canary's `analysis.webhooks`. */
  name: string;
  /** The Canary as namespace/name, or null for every Canary with a webhook of that name. */
  canary: string | null;
  /** Time each call takes; at or above the webhook's timeout the call times out. */
  latencyMs: number;
  /**
   * Answers in order. An entry answers `times` calls, or (`untilMs`) the calls made before
   * that simulated time; the last entry (times and untilMs null) answers every later call.
   * `status` null: no answer (the call hangs until its timeout).
   */
  responses: Array<{ status: number | null; body: string; times: number | null; untilMs: number | null }>;
  /** The SLO whose error budget policy answers instead of `responses` (docs/slo.md); null: scripted. */
  errorBudget: string | null;
  /** The participants answer it (game-day mode, run/gates.ts). */
  human: boolean;
}

/**
 * Compiles `spec.webhooks`: each entry must name a webhook of a Canary of the
 * scenario (optionally narrowed with `canary`), and no webhook may get two
 * behaviours. Webhooks without an entry answer 200 at once.
 */
export function compileWebhookBehaviours(doc: ScenarioDocument, src: SourceDocument, canaries: readonly CanarySpec[], err: Report, warn: Report): WebhookBehaviourSpec[] {
  const out: WebhookBehaviourSpec[] = [];
  /** "ns/canary webhook" → the entry that covers it. */
  const covered = new Map<string, number>();
  doc.spec.webhooks.forEach((e, i) => {
    const p = ['spec', 'webhooks', i];
    let pool: readonly CanarySpec[] = canaries;
    let canaryKey: string | null = null;
    if (e.canary !== undefined) {
      const hits = canaries.filter((c) => c.name === e.canary || qualified(c.namespace, c.name) === e.canary);
      if (hits.length === 0) {
        const names = canaries.map((c) => c.name);
        err(src, [...p, 'canary'], `no Canary named ${e.canary}${didYouMean(e.canary, names)}; Canaries in this scenario: ${list(names)}`);
        return;
      }
      if (hits.length > 1) {
        err(src, [...p, 'canary'], `several Canaries are named ${e.canary} (${hits.map((c) => qualified(c.namespace, c.name)).join(', ')}): write namespace/name`);
        return;
      }
      pool = hits;
      canaryKey = qualified(hits[0].namespace, hits[0].name);
    }
    const matches = pool.flatMap((c) => c.analysis.webhooks.filter((w) => w.name === e.name).map((w) => ({ c, w })));
    if (matches.length === 0) {
      const names = [...new Set(pool.flatMap((c) => c.analysis.webhooks.map((w) => w.name)))];
      const where = canaryKey ? `Canary ${e.canary}` : canaries.length === 1 ? `Canary ${canaries[0].name}` : 'any Canary of this scenario';
      err(src, [...p, 'name'], `no webhook named ${e.name} in ${where}${didYouMean(e.name, names)}; webhooks: ${list(names)}`);
      return;
    }
    let clash = false;
    for (const { c } of matches) {
      const k = `${qualified(c.namespace, c.name)} ${e.name}`;
      const prev = covered.get(k);
      if (prev !== undefined && prev !== i) {
        err(src, [...p, 'name'], `webhook ${e.name} of Canary ${c.name} already has its behaviour in spec.webhooks[${prev}]; give each webhook one entry (narrow with canary)`);
        clash = true;
        break;
      }
      covered.set(k, i);
    }
    if (clash) return;
    for (const { c, w } of matches) {
      if (w.type === 'event') warn(src, [...p, 'name'], `webhook ${e.name} of Canary ${c.name} is an event hook: Flagger only logs its answers, so they change nothing`);
    }

    const responses: WebhookBehaviourSpec['responses'] = [];
    const given = e.responses ?? [{ status: 200 }];
    let lastUntil = -Infinity;
    given.forEach((r, k) => {
      const rp = [...p, 'responses', k];
      const last = k === given.length - 1;
      if (r.times !== undefined && r.until !== undefined) {
        err(src, [...rp, 'until'], 'expected times or until, not both: a response answers a number of calls or the calls made before a time');
      }
      if (last && (r.times !== undefined || r.until !== undefined)) {
        warn(src, [...rp, r.times !== undefined ? 'times' : 'until'], `${r.times !== undefined ? 'times' : 'until'} is ignored: the last response answers every later call`, true);
      }
      if (!last && r.until !== undefined) {
        if (r.until <= lastUntil) warn(src, [...rp, 'until'], 'this response is never used: an earlier response already answers every call before this time');
        lastUntil = Math.max(lastUntil, r.until);
      }
      const status = r.status ?? null;
      responses.push({
        status,
        body: r.body ?? (status === null ? '' : statusText(status)),
        times: last ? null : (r.times ?? (r.until !== undefined ? null : 1)),
        untilMs: last || r.until === undefined || r.times !== undefined ? null : Math.round(r.until * 1000),
      });
    });
    if (e.human) {
      const answered = e.responses !== undefined ? 'responses' : e.errorBudget !== undefined ? 'errorBudget' : null;
      if (answered) err(src, [...p, answered], `expected human: true or ${answered}, not both: the participants answer a human gate`);
      for (const { c, w } of matches) {
        if (w.type === 'event') err(src, [...p, 'human'], `webhook ${e.name} of Canary ${c.name} is an event hook: Flagger does not wait for its answer, so it cannot be a human gate`);
      }
    }
    out.push({ name: e.name, canary: canaryKey, latencyMs: Math.round(e.latency * 1000), responses, errorBudget: e.errorBudget ?? null, human: e.human === true });
  });
  return out;
}

/** Go's http.StatusText ('' for codes it does not know). */
export function statusText(code: number): string {
  return STATUS_TEXT[code] ?? '';
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  102: 'Processing',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  208: 'Already Reported',
  226: 'IM Used',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  305: 'Use Proxy',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  414: 'Request URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  417: 'Expectation Failed',
  418: "I'm a teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Entity',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  510: 'Not Extended',
  511: 'Network Authentication Required',
};
