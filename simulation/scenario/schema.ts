import { z } from 'zod';
import { FAULT_TYPES } from '../faults/spec';
import { parseDuration } from '../util/duration';
import { suggest } from './issues';
import { parseRfc3339 } from '../util/time';
import { parseDuration as parsePromDuration } from '../promql/parse';

/**
 * The Scenario document's schema. One definition serves validation (with
 * the messages the loader turns into file:line:column errors) and the
 * published JSON Schema (docs/scenario.schema.json, for editor completion).
 */

export const SCENARIO_API_VERSION = 'gameday.dev/v1alpha1';

const GO_DURATION = /^[-+]?(0|([0-9]*\.?[0-9]+(ns|us|µs|μs|ms|s|m|h))+)$/;

/** A Go duration ("90s", "5m", "1h30m") parsed to seconds. */
export const duration = (what = 'a duration') =>
  z
    .string({ error: (iss) => `expected ${what} in Go syntax such as 90s, 5m or 1h30m, found ${found(iss.input)}` })
    .regex(GO_DURATION, { error: (iss) => `expected ${what} in Go syntax such as 90s, 5m or 1h30m (units ns, us, ms, s, m, h), found ${found(iss.input)}` })
    .transform((s) => parseDuration(s) as number)
    .meta({ description: `${what} in Go syntax (e.g. 90s, 5m, 1h30m)` });

const positiveDuration = (what: string) =>
  duration(what).refine((v) => v > 0, { error: `expected ${what} greater than zero` });
const nonNegativeDuration = (what: string) =>
  duration(what).refine((v) => v >= 0, { error: `expected ${what} of zero or more` });

const rate = (what = 'a request rate in requests per second') =>
  z.number({ error: (iss) => `expected ${what}, found ${found(iss.input)}` }).min(0, { error: `expected ${what} of zero or more` }).refine(Number.isFinite, { error: `expected a finite ${what}` });

const probability = (what: string) =>
  z.number({ error: (iss) => `expected ${what} as a probability between 0 and 1, found ${found(iss.input)}` }).min(0, { error: `expected ${what} between 0 and 1` }).max(1, { error: `expected ${what} between 0 and 1` });

const int = (what: string, min: number) =>
  z.number({ error: (iss) => `expected ${what} (a whole number), found ${found(iss.input)}` }).int({ error: `expected ${what} to be a whole number` }).min(min, { error: `expected ${what} of at least ${min}` });

/** How a message names a value that was not what was expected. */
export function found(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

// ---- traffic ----------------------------------------------------------------

const atRate = z.strictObject({ at: nonNegativeDuration('a time from the start of the run'), rate: rate() });

const constantProfile = z.strictObject({
  profile: z.literal('constant'),
  rate: rate(),
});
const rampProfile = z.strictObject({
  profile: z.literal('ramp'),
  from: rate(),
  to: rate(),
  start: nonNegativeDuration('the time the ramp starts').prefault('0s'),
  duration: positiveDuration('the ramp duration'),
});
const stepProfile = z.strictObject({
  profile: z.literal('step'),
  rate: rate('the initial rate in requests per second'),
  steps: z.array(atRate).min(1, { error: 'expected at least one step' }),
});
const diurnalProfile = z.strictObject({
  profile: z.literal('diurnal'),
  mean: rate('the mean rate in requests per second'),
  amplitude: probability('the relative amplitude'),
  period: positiveDuration('the period').prefault('24h'),
  peakAt: nonNegativeDuration('the time of the first peak').prefault('0s'),
});
const piecewiseProfile = z.strictObject({
  profile: z.literal('piecewise'),
  points: z.array(atRate).min(2, { error: 'expected at least two points' }),
  interpolation: z.enum(['linear', 'step']).prefault('linear'),
});

const PROFILES = ['constant', 'ramp', 'step', 'diurnal', 'piecewise'] as const;

export const rateProfileUnion = z.discriminatedUnion('profile', [constantProfile, rampProfile, stepProfile, diurnalProfile, piecewiseProfile]);

export const rateProfileSchema = z.preprocess(
  (v) => (typeof v === 'number' ? { profile: 'constant', rate: v } : v),
  z.discriminatedUnion('profile', [constantProfile, rampProfile, stepProfile, diurnalProfile, piecewiseProfile], {
    error: (iss) =>
      iss.input && typeof iss.input === 'object' && !Array.isArray(iss.input)
        ? `expected profile to be one of ${PROFILES.join(', ')}, found ${found((iss.input as Record<string, unknown>).profile)}`
        : `expected a number (requests per second) or a mapping with a profile (${PROFILES.join(', ')}), found ${found(iss.input)}`,
  }),
);

const burstSchema = z.strictObject({
  at: nonNegativeDuration('the burst start'),
  duration: positiveDuration('the burst duration'),
  multiplier: z.number({ error: 'expected the rate multiplier as a number' }).min(0, { error: 'expected a multiplier of zero or more' }),
});

const overdispersionSchema = z.strictObject({
  dispersion: z.number({ error: 'expected the dispersion (variance of the rate factor) as a number' }).min(0, { error: 'expected a dispersion of zero or more' }),
  window: positiveDuration('the window over which the rate factor holds').prefault('5s'),
});

// ---- noise (docs/noise.md) ----------------------------------------------------

/** A duration, or a range { min, max } of durations drawn uniformly. */
const durationRange = (what: string) =>
  z
    .union([positiveDuration(what), z.strictObject({ min: positiveDuration(`the shortest ${what}`), max: positiveDuration(`the longest ${what}`) })], {
      error: (iss) => `expected ${what} (e.g. 2m) or a range { min: 1m, max: 5m }, found ${found(iss.input)}`,
    })
    .transform((v) => (typeof v === 'number' ? { min: v, max: v } : v))
    .refine((r) => r.max >= r.min, { error: `expected the longest ${what} at least the shortest` })
    .meta({ description: `${what}: a duration, or { min, max } drawn uniformly` });

const positiveNumber = (what: string) =>
  z.number({ error: (iss) => `expected ${what} as a number, found ${found(iss.input)}` }).positive({ error: `expected ${what} greater than zero` }).refine(Number.isFinite, { error: `expected a finite ${what}` });

const factorRange = (what: string) =>
  z
    .union([positiveNumber(what), z.strictObject({ min: positiveNumber(`the smallest ${what}`), max: positiveNumber(`the largest ${what}`) })], {
      error: (iss) => `expected ${what} (e.g. 3) or a range { min: 2, max: 5 }, found ${found(iss.input)}`,
    })
    .transform((v) => (typeof v === 'number' ? { min: v, max: v } : v))
    .refine((r) => r.max >= r.min, { error: `expected the largest ${what} at least the smallest` })
    .meta({ description: `${what}: a number, or { min, max } drawn log-uniformly` });

const perHour = (what: string) =>
  z.number({ error: (iss) => `expected ${what} per hour as a number, found ${found(iss.input)}` }).min(0, { error: `expected ${what} per hour of zero or more` }).refine(Number.isFinite, { error: `expected a finite ${what} per hour` });

const weeklySchema = z
  .strictObject({
    weekdayFactor: positiveNumber('the weekday rate factor').default(1),
    weekendFactor: z.number({ error: 'expected the weekend rate factor as a number' }).min(0, { error: 'expected a weekend factor of zero or more' }),
  })
  .meta({ description: 'weekly cycle: the rate × weekendFactor from Saturday 00:00 to Monday 00:00 UTC (wall-clock time from telemetry.startTime), × weekdayFactor otherwise' });

const randomBurstsSchema = z
  .strictObject({
    ratePerHour: perHour('bursts'),
    duration: durationRange('burst duration').prefault('2m'),
    multiplier: factorRange('burst rate multiplier').prefault(3),
  })
  .meta({ description: 'bursts at random times (Poisson, ratePerHour), each multiplying the rate by multiplier for duration' });

export const tailSchema = z
  .strictObject({
    probability: probability('the tail probability'),
    alpha: z.number({ error: 'expected the Pareto shape alpha as a number' }).gt(1, { error: 'expected alpha above 1 (at or below 1 the mean latency is infinite)' }).default(2),
    scale: positiveDuration('the Pareto minimum (where the tail starts)').optional(),
    from: z.number({ error: 'expected from as a quantile of the body between 0 and 1' }).gt(0, { error: 'expected from between 0 and 1 (exclusive)' }).lt(1, { error: 'expected from between 0 and 1 (exclusive)' }).optional(),
  })
  .refine((t) => t.scale === undefined || t.from === undefined, { error: 'expected scale or from, not both', path: ['from'] })
  .meta({ description: 'a Pareto heavy tail: with probability a latency is drawn from Pareto(scale, alpha) instead; scale (a duration) or from (a quantile of the body, default 0.99)' });

const slowPodsSchema = z
  .strictObject({
    probability: probability('the probability that a new pod is slow'),
    factor: z.number({ error: 'expected the slow pods latency factor as a number' }).min(1, { error: 'expected a slow-pod factor of at least 1' }).default(3),
  })
  .meta({ description: 'a chance that a new pod is slow: all its latencies × factor' });

const errorDriftSchema = z
  .strictObject({
    sigma: z.number({ error: 'expected sigma (the stationary standard deviation of the log error factor) as a number' }).min(0, { error: 'expected a sigma of zero or more' }),
    phi: z.number({ error: 'expected phi (the AR(1) coefficient per interval) as a number' }).min(0, { error: 'expected phi from 0 to below 1' }).lt(1, { error: 'expected phi below 1' }).default(0.9),
    interval: positiveDuration('the drift update interval').prefault('1m'),
  })
  .meta({ description: 'the 5xx probability × exp(x − sigma²/2), x an AR(1) process (coefficient phi, stationary sd sigma) updated every interval' });

const errorBurstsSchema = z
  .strictObject({
    ratePerHour: perHour('error bursts'),
    duration: durationRange('error burst duration').prefault('1m'),
    probability: probability('the 5xx probability during a burst'),
  })
  .meta({ description: 'random windows (Poisson, ratePerHour) in which the 5xx probability is probability' });

const headerMap = (what: string) => z.record(z.string(), z.string({ error: `expected ${what} values as strings` }));

const streamSchema = z
  .strictObject({
    name: z.string({ error: 'expected the stream name as a string' }).min(1),
    target: z.string({ error: 'expected the target Kubernetes Service name (name or namespace/name)' }).min(1).optional(),
    entryPoint: z.string({ error: 'expected the name of a Traefik entrypoint (e.g. web or websecure)' }).min(1).optional(),
    host: z.string({ error: 'expected the Host header as a string' }).default('localhost'),
    path: z.string({ error: 'expected the URL path as a string' }).regex(/^\//, { error: 'expected a path starting with /' }).default('/'),
    method: z.string({ error: 'expected an HTTP method' }).regex(/^[A-Z]+$/, { error: 'expected an HTTP method in capitals (GET, POST, ...)' }).default('GET'),
    headers: headerMap('header').default({}),
    query: headerMap('query parameter').default({}),
    clientIP: z.string({ error: 'expected the client IP address' }).default('203.0.113.10'),
    clients: int('the number of distinct clients', 1).default(1000),
    requestBytes: int('the request body size in bytes', 0).default(0),
    rate: rateProfileSchema,
    bursts: z.array(burstSchema).default([]),
    overdispersion: overdispersionSchema.optional(),
    weekly: weeklySchema.optional(),
    randomBursts: randomBurstsSchema.optional(),
    timeout: positiveDuration('the proxy timeout').optional(),
  })
  .superRefine((s, ctx) => {
    if (s.target === undefined && s.entryPoint === undefined)
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'expected either target (a Kubernetes Service called in-cluster) or entryPoint (a Traefik entrypoint the requests come in through)' });
    if (s.target !== undefined && s.entryPoint !== undefined)
      ctx.addIssue({ code: 'custom', path: ['entryPoint'], message: 'expected target or entryPoint, not both: a stream either calls a Service in-cluster or comes in through Traefik' });
  });

// ---- services ---------------------------------------------------------------

const DISTRIBUTIONS = ['lognormal', 'fixed', 'exponential', 'empirical'] as const;

export const lognormalSchema = z
  .strictObject({
    distribution: z.literal('lognormal'),
    p50: positiveDuration('the median latency'),
    p99: positiveDuration('the 99th percentile latency'),
    tail: tailSchema.optional(),
  })
  .refine((d) => d.p99 >= d.p50, { error: 'expected p99 to be at least p50', path: ['p99'] });
const fixed = z.strictObject({ distribution: z.literal('fixed'), value: nonNegativeDuration('the fixed latency'), tail: tailSchema.optional() });
const exponential = z.strictObject({ distribution: z.literal('exponential'), mean: positiveDuration('the mean latency'), tail: tailSchema.optional() });
const empirical = z
  .strictObject({
    distribution: z.literal('empirical'),
    quantiles: z
      .array(z.strictObject({ q: probability('the quantile'), value: nonNegativeDuration('the latency at that quantile') }))
      .min(2, { error: 'expected at least two quantile points, from q: 0 to q: 1' }),
    tail: tailSchema.optional(),
  })
  .superRefine((d, ctx) => {
    const qs = d.quantiles;
    if (qs[0].q !== 0) ctx.addIssue({ code: 'custom', path: ['quantiles', 0, 'q'], message: `expected the first point at q: 0 (the minimum), found q: ${qs[0].q}` });
    if (qs[qs.length - 1].q !== 1)
      ctx.addIssue({ code: 'custom', path: ['quantiles', qs.length - 1, 'q'], message: `expected the last point at q: 1 (the maximum), found q: ${qs[qs.length - 1].q}` });
    for (let i = 1; i < qs.length; i++) {
      if (qs[i].q <= qs[i - 1].q) ctx.addIssue({ code: 'custom', path: ['quantiles', i, 'q'], message: 'expected quantiles in increasing order' });
      if (qs[i].value < qs[i - 1].value) ctx.addIssue({ code: 'custom', path: ['quantiles', i, 'value'], message: 'expected latencies that do not decrease as the quantile grows' });
    }
  });

export const latencySchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('distribution' in v) ? { distribution: 'lognormal', ...v } : v),
  z.discriminatedUnion('distribution', [lognormalSchema, fixed, exponential, empirical], {
    error: (iss) =>
      iss.input && typeof iss.input === 'object' && !Array.isArray(iss.input)
        ? `expected distribution to be one of ${DISTRIBUTIONS.join(', ')}, found ${found((iss.input as Record<string, unknown>).distribution)}`
        : `expected a latency distribution mapping (e.g. { p50: 20ms, p99: 200ms }), found ${found(iss.input)}`,
  }),
);

const statusCodesSchema = z
  .record(
    z.string().regex(/^[1-5][0-9][0-9]$/, { error: (iss) => `expected an HTTP status code from 100 to 599 as the key, found ${found(iss.input)}` }),
    probability('the probability of this status'),
  )
  .refine((m) => Object.values(m).reduce((a, b) => a + b, 0) <= 1 + 1e-12, { error: 'expected status probabilities that add up to at most 1 (the remainder is 200)' });

const dependencySchema = z.strictObject({
  service: z.string({ error: 'expected the Kubernetes Service called (name or namespace/name)' }).min(1),
  calls: int('the number of calls per request', 1).default(1),
  timeout: positiveDuration('the client timeout').optional(),
  failurePropagation: probability('the failure propagation').default(1),
  failureStatus: int('the status returned when a failure propagates', 500).max(599, { error: 'expected a 5xx status' }).default(500),
});

const noiseFields = {
  podVariation: z
    .number({ error: 'expected podVariation (the sigma of each pod\'s lognormal speed factor) as a number' })
    .min(0, { error: 'expected a podVariation of zero or more' })
    .optional()
    .meta({ description: "sigma of each pod's lognormal latency factor (median 1), drawn when the pod is created" }),
  slowPods: slowPodsSchema.optional(),
  errorDrift: errorDriftSchema.optional(),
  errorBursts: errorBurstsSchema.optional(),
};

const behaviourFields = {
  latency: latencySchema,
  statusCodes: statusCodesSchema.default({}),
  dependencies: z.array(dependencySchema).default([]),
  ...noiseFields,
};

const canaryOverrides = z.strictObject({
  latency: latencySchema.optional(),
  statusCodes: statusCodesSchema.optional(),
  dependencies: z.array(dependencySchema).optional(),
  ...noiseFields,
});

export const appSchema = z.strictObject({
  ...behaviourFields,
  concurrency: int('the concurrency per pod', 1).default(16),
  queueTimeout: positiveDuration('the queue timeout').optional(),
  startupTime: nonNegativeDuration('the startup time').prefault('10s'),
  terminationGracePeriod: nonNegativeDuration('the termination grace period').prefault('30s'),
  restartDelay: nonNegativeDuration('the restart delay').prefault('10s'),
  canary: canaryOverrides.optional(),
  metrics: z
    .strictObject({
      requests: z
        .string({ error: 'expected the request counter name, e.g. http_requests_total' })
        .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*_total$/, { error: (iss) => `expected a Prometheus counter name ending in _total, found ${found(iss.input)}` })
        .default('http_requests_total'),
      duration: z
        .string({ error: 'expected the duration histogram name, e.g. http_request_duration_seconds' })
        .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: (iss) => `expected a Prometheus metric name, found ${found(iss.input)}` })
        .refine((n) => !/_(bucket|count|sum|total)$/.test(n), { error: 'expected the histogram family name without _bucket, _count, _sum or _total' })
        .default('http_request_duration_seconds'),
      buckets: z
        .array(z.number({ error: 'expected bucket bounds in seconds' }).positive({ error: 'expected positive bucket bounds in seconds' }))
        .min(1, { error: 'expected at least one bucket bound' })
        .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]), { error: 'expected bucket bounds in increasing order' })
        .optional(),
    })
    .optional()
    .meta({ description: "the application's own Prometheus metrics, scraped from every pod (requests by code and their durations)" }),
});

// ---- webhook behaviour (what the Canary's webhook endpoints answer) ---------

const webhookResponseSchema = z
  .strictObject({
    status: z
      .number({ error: (iss) => `expected the HTTP status the webhook answers, e.g. 200 or 403, found ${found(iss.input)}` })
      .int({ error: 'expected the HTTP status as a whole number' })
      .min(100, { error: 'expected an HTTP status from 100 to 599' })
      .max(599, { error: 'expected an HTTP status from 100 to 599' })
      .optional(),
    hang: z.boolean({ error: 'expected hang: true (no answer: the call times out) or false' }).optional(),
    body: z.string({ error: (iss) => `expected the response body as a string, found ${found(iss.input)}` }).optional(),
    times: int('the number of calls answered this way', 1).optional(),
    until: nonNegativeDuration('the simulated time until which calls are answered this way').optional(),
  })
  .superRefine((r, ctx) => {
    if (r.status === undefined && r.hang !== true) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: 'missing required field "status": expected an HTTP status (e.g. 200, 403, 500) or hang: true for no answer (a timeout)' });
    }
    if (r.status !== undefined && r.hang === true) ctx.addIssue({ code: 'custom', path: ['hang'], message: 'expected status or hang: true, not both: a call that hangs gets no status' });
    if (r.hang === true && r.body !== undefined) ctx.addIssue({ code: 'custom', path: ['body'], message: 'a call that hangs gets no body: remove body or hang' });
  })
  .meta({ description: 'one answer: an HTTP status (with an optional body) or hang: true, for `times` calls or the calls made before `until`' });

export const webhookBehaviourSchema = z
  .strictObject({
    name: z.string({ error: (iss) => `expected the name of a webhook of a Canary (analysis.webhooks[].name), found ${found(iss.input)}` }).min(1),
    canary: z.string({ error: (iss) => `expected the name of the Canary (name or namespace/name), found ${found(iss.input)}` }).min(1).optional(),
    latency: nonNegativeDuration('the time each call takes').prefault('0s'),
    responses: z.array(webhookResponseSchema).min(1, { error: 'expected at least one response (omit responses for 200 every time)' }).optional(),
    errorBudget: z
      .string({ error: (iss) => `expected the name of an SLO of this scenario (spec.slos[].name), found ${found(iss.input)}` })
      .min(1)
      .optional()
      .meta({ description: "the webhook answers from this SLO's error budget policy (docs/slo.md) instead of scripted responses" }),
    human: z
      .boolean({ error: 'expected true or false' })
      .optional()
      .meta({ description: 'game-day mode: the participants answer this gate in the app (approve, hold, roll back), each decision with a justification' }),
  })
  .meta({ description: "how one of the Canary's webhooks answers in the simulation (webhooks without an entry answer 200 at once)" });

export type WebhookBehaviourDocument = z.output<typeof webhookBehaviourSchema>;

// ---- faults (docs/faults.md; compiled and resolved by faults.ts) -----------

export { FAULT_TYPES };


/** Chaos Mesh's selector modes. */
export const POD_MODES = ['one', 'all', 'fixed', 'fixed-percent', 'random-max-percent'] as const;
/** The Prometheus jobs of a scenario: Traefik's /metrics, and the apps' own metrics (pods annotated for scraping). */
export const PROMETHEUS_JOBS = ['traefik', 'kubernetes-pods'] as const;

export type FaultTargetKind = 'version' | 'pods' | 'edge' | 'stream' | 'provider' | 'scrape' | 'router';

/** The targets each fault type takes. */
export const FAULT_TARGET_KINDS: Readonly<Record<(typeof FAULT_TYPES)[number], readonly FaultTargetKind[]>> = {
  'http-abort': ['version', 'pods'],
  'http-delay': ['version', 'pods'],
  'latency-shift': ['version', 'pods'],
  'cpu-stress': ['version', 'pods'],
  'pod-kill': ['version', 'pods'],
  'pod-failure': ['version', 'pods'],
  'crash-loop': ['version', 'pods'],
  'oom-leak': ['version', 'pods'],
  'scale-down': ['version', 'pods'],
  'network-latency': ['edge'],
  'network-bandwidth': ['edge'],
  'network-timeout': ['edge'],
  'network-reset-peer': ['edge'],
  'network-slow-close': ['edge'],
  'network-loss': ['edge'],
  'network-partition': ['edge'],
  'dependency-failure': ['edge'],
  quota: ['edge'],
  'dns-failure': ['edge'],
  'traffic-spike': ['stream'],
  'metrics-outage': ['provider'],
  'scrape-failure': ['scrape'],
  'scrape-delay': ['scrape'],
  'counter-reset': ['version', 'pods', 'scrape'],
  'router-reject': ['router'],
  'reload-storm': ['router'],
};

const targetName = (what: string) =>
  z.string({ error: (iss) => `expected ${what}, found ${found(iss.input)}` }).min(1, { error: `expected ${what}, found an empty string` });

/** The shapes of fault targets (mappings), recognised by their keys; `provider`, `router` and `scrape` are plain strings. */
export const faultTargetSchemas = {
  version: z
    .strictObject({
      service: targetName('the app: a Deployment name, as under services'),
      version: z
        .enum(['primary', 'canary', 'all'], { error: (iss) => `expected version primary, canary or all, found ${found(iss.input)}` })
        .default('all'),
    })
    .meta({ description: "a revision of an app: every request its pods serve (version: primary, canary or all)" }),
  pods: z
    .strictObject({
      pods: targetName('the Deployment whose pods are hit, as it runs (e.g. backend-primary, or backend for the canary)'),
      mode: z.enum(POD_MODES, { error: (iss) => `expected mode ${POD_MODES.join(', ')}, found ${found(iss.input)}` }).default('all'),
      value: z.number({ error: (iss) => `expected value as a number (a count for fixed, a percentage for the percent modes), found ${found(iss.input)}` }).optional(),
    })
    .meta({ description: "pods of a Deployment, selected as Chaos Mesh selects them (mode one, all, fixed, fixed-percent, random-max-percent, with value)" }),
  edge: z
    .strictObject({
      from: targetName('the calling app (a Deployment name)').optional(),
      to: targetName('the called Kubernetes Service (name or namespace/name)'),
    })
    .meta({ description: 'calls to a Kubernetes Service, from one app (from) or from any caller' }),
  stream: z.strictObject({ stream: targetName('the name of a traffic stream') }).meta({ description: 'a traffic stream of spec.traffic' }),
  scrape: z
    .strictObject({
      job: z.enum(PROMETHEUS_JOBS, { error: (iss) => `expected job ${PROMETHEUS_JOBS.join(' or ')}, found ${found(iss.input)}` }),
    })
    .meta({ description: "one Prometheus job's scrapes (the string scrape: every job)" }),
} as const;

/** The target strings and the kind each names. */
export const FAULT_TARGET_WORDS = { provider: 'provider', router: 'router', scrape: 'scrape' } as const satisfies Record<string, FaultTargetKind>;

const targetJsonSchemas: Record<FaultTargetKind, Record<string, unknown>> = {
  version: z.toJSONSchema(faultTargetSchemas.version, { io: 'input' }),
  pods: z.toJSONSchema(faultTargetSchemas.pods, { io: 'input' }),
  edge: z.toJSONSchema(faultTargetSchemas.edge, { io: 'input' }),
  stream: z.toJSONSchema(faultTargetSchemas.stream, { io: 'input' }),
  provider: { const: 'provider', description: "the metrics provider Flagger queries" },
  scrape: { anyOf: [{ const: 'scrape', description: "every job's scrapes" }, z.toJSONSchema(faultTargetSchemas.scrape, { io: 'input' })] },
  router: { const: 'router', description: "Flagger's router: its updates of Traefik's weights" },
};
for (const js of Object.values(targetJsonSchemas)) delete js.$schema;

/** The target field: its shape is checked by compileFaults (faults.ts), which reports each problem at its own field. */
const faultTarget = (kinds: readonly FaultTargetKind[]) =>
  z
    .custom<unknown>((v) => v !== undefined, {
      error: 'missing required field "target": expected what the fault hits (e.g. { service: backend, version: canary }, { from: frontend, to: backend }, provider)',
    })
    .meta({ description: 'what the fault hits', anyOf: kinds.map((k) => targetJsonSchemas[k]) });

const percent = (what: string) =>
  z
    .number({ error: (iss) => `expected ${what} as a percentage from 0 to 100, found ${found(iss.input)}` })
    .min(0, { error: `expected ${what} from 0 to 100` })
    .max(100, { error: `expected ${what} from 0 to 100` });
const httpStatus = (what: string) =>
  z
    .number({ error: (iss) => `expected ${what} as an HTTP status from 100 to 599, found ${found(iss.input)}` })
    .int({ error: `expected ${what} as a whole number` })
    .min(100, { error: `expected ${what} from 100 to 599` })
    .max(599, { error: `expected ${what} from 100 to 599` });
const factorAtLeast = (what: string, min: number, exclusive = false) =>
  z
    .number({ error: (iss) => `expected ${what} as a number, found ${found(iss.input)}` })
    .refine((v) => Number.isFinite(v) && (exclusive ? v > min : v >= min), { error: `expected ${what} ${exclusive ? 'greater than' : 'of at least'} ${min}` });
const toxicity = () => percent('the toxicity (the percentage of calls the toxic applies to)').default(100);

const faultCommon = {
  name: z
    .string({ error: (iss) => `expected the fault's name as a string, found ${found(iss.input)}` })
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: (iss) => `expected a lowercase name (a-z, 0-9, '-', '.'), found ${found(iss.input)}` })
    .optional()
    .meta({ description: 'unique name (default: <type>-<index>)' }),
  at: nonNegativeDuration('the time the fault starts').prefault('0s'),
  for: positiveDuration('how long the fault lasts').optional().meta({ description: 'how long each occurrence lasts (default: until the end of the run)' }),
  rampIn: nonNegativeDuration('the ramp-in time').prefault('0s'),
  rampOut: nonNegativeDuration('the ramp-out time').prefault('0s'),
  repeat: z
    .strictObject(
      { every: positiveDuration('the repeat period (start to start)'), times: int('the number of occurrences', 1) },
      { error: (iss) => `expected repeat as a mapping { every, times }, found ${found(iss.input)}` },
    )
    .optional(),
};

const fault = <T extends (typeof FAULT_TYPES)[number], S extends z.ZodRawShape>(type: T, description: string, params: S) =>
  z.strictObject({ type: z.literal(type), target: faultTarget(FAULT_TARGET_KINDS[type]), ...faultCommon, ...params }).meta({ description });

const faultTypeSchemas = [
  fault('http-abort', 'answer code to percent of requests (Istio abort, Chaos Mesh HTTPChaos abort/replace.code, Litmus pod-http-status-code)', {
    code: httpStatus('the status answered').default(500),
    percent: percent('the share of requests aborted').default(100),
  }),
  fault('http-delay', 'add delay ± jitter to percent of requests (Istio delay, Chaos Mesh HTTPChaos delay, Litmus pod-http-latency)', {
    delay: positiveDuration('the added delay'),
    jitter: nonNegativeDuration('the jitter').prefault('0s'),
    percent: percent('the share of requests delayed').default(100),
    tailOnly: z.boolean({ error: (iss) => `expected tailOnly as true or false, found ${found(iss.input)}` }).default(false),
    tailQuantile: z
      .number({ error: (iss) => `expected tailQuantile as a number between 0 and 1, found ${found(iss.input)}` })
      .refine((v) => v > 0 && v < 1, { error: 'expected tailQuantile strictly between 0 and 1' })
      .default(0.95),
  }),
  fault('latency-shift', 'every service time multiplied by factor', { factor: factorAtLeast('the latency factor', 0, true) }),
  fault('cpu-stress', 'service times multiplied by slowdown (Chaos Mesh StressChaos cpu, Litmus pod-cpu-hog)', { slowdown: factorAtLeast('the slowdown', 1).default(2) }),
  fault('pod-kill', 'pods deleted; the Deployment replaces them (Chaos Mesh PodChaos pod-kill, Litmus pod-delete)', {
    gracePeriod: nonNegativeDuration('the grace period').prefault('0s'),
  }),
  fault('pod-failure', 'pods stop serving for the fault, then recover (Chaos Mesh PodChaos pod-failure)', {}),
  fault('crash-loop', 'containers crash runFor after each start; kubelet restarts them with back-off', { runFor: positiveDuration('the time a container runs before it crashes').prefault('30s') }),
  fault('oom-leak', 'a memory leak: service time creeps up to maxSlowdown × over timeToOom, then the container is OOM-killed', {
    timeToOom: positiveDuration('the time to the OOM kill').prefault('10m'),
    maxSlowdown: factorAtLeast('the slowdown just before the OOM kill', 1).default(3),
  }),
  fault('scale-down', 'the Deployment runs replicas pods', { replicas: int('the replicas', 0) }),
  fault('network-latency', 'each call latency ± jitter (Toxiproxy latency, Chaos Mesh NetworkChaos delay)', {
    latency: positiveDuration('the added latency'),
    jitter: nonNegativeDuration('the jitter').prefault('0s'),
    toxicity: toxicity(),
  }),
  fault('network-bandwidth', 'responses limited to rate KB/s (Toxiproxy bandwidth, Chaos Mesh NetworkChaos bandwidth)', {
    rate: factorAtLeast('the bandwidth in KB/s', 0, true),
    responseBytes: int('the response body size in bytes', 0).default(10240),
    toxicity: toxicity(),
  }),
  fault('network-timeout', 'the connection hangs; with timeout, closed after that long (Toxiproxy timeout)', {
    timeout: nonNegativeDuration('the time before the connection is closed (0: hang)').prefault('0s'),
    toxicity: toxicity(),
  }),
  fault('network-reset-peer', 'the connection is reset after timeout (Toxiproxy reset_peer)', {
    timeout: nonNegativeDuration('the time before the reset').prefault('0s'),
    toxicity: toxicity(),
  }),
  fault('network-slow-close', "the callee's side closes delay late (Toxiproxy slow_close)", { delay: positiveDuration('the close delay'), toxicity: toxicity() }),
  fault('network-loss', 'loss % of packets lost; each lost round trip costs a retransmission timeout (Chaos Mesh NetworkChaos loss)', {
    loss: percent('the packet loss'),
    rto: positiveDuration('the retransmission timeout').prefault('200ms'),
  }),
  fault('network-partition', 'calls cannot connect (Chaos Mesh NetworkChaos partition)', {}),
  fault('dependency-failure', 'the called Service answers code to percent of calls, or hangs', {
    code: httpStatus('the status answered').default(503),
    percent: percent('the share of calls failed').default(100),
    hang: z.boolean({ error: (iss) => `expected hang as true or false, found ${found(iss.input)}` }).default(false),
  }),
  fault('quota', 'above rate calls per second the called Service answers code', {
    rate: factorAtLeast('the quota in calls per second', 0, true),
    code: httpStatus('the status answered above the quota').default(429),
  }),
  fault('dns-failure', 'the name does not resolve: calls fail at once (Chaos Mesh DNSChaos error, Litmus pod-dns-error)', {}),
  fault('traffic-spike', "the stream's rate multiplied by multiplier", { multiplier: factorAtLeast('the rate multiplier', 0) }),
  fault('metrics-outage', 'the metrics provider answers errors or empty results', {
    mode: z.enum(['error', 'no-data'], { error: (iss) => `expected mode error or no-data, found ${found(iss.input)}` }).default('error'),
  }),
  fault('scrape-failure', 'scrapes fail (up 0, series go stale) with probability percent', { percent: percent('the share of scrapes failing').default(100) }),
  fault('scrape-delay', 'scrapes happen delay late', { delay: positiveDuration('the scrape delay') }),
  fault('counter-reset', "counters reset: the pods' containers restart, or Traefik restarts ({ job: traefik })", {}),
  fault('router-reject', "Flagger's router updates are rejected (weights cannot change)", {
    message: z.string({ error: (iss) => `expected the rejection message as a string, found ${found(iss.input)}` }).default('the server is currently unable to handle the request'),
  }),
  fault('reload-storm', 'Traefik reloads its configuration every interval', { interval: positiveDuration('the reload interval').prefault('5s') }),
] as const;

export const faultSchema = z.discriminatedUnion('type', faultTypeSchemas, {
  error: (iss) => {
    const v = iss.input;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return `expected a fault as a mapping with a type and a target, found ${found(v)}`;
    const t = (v as Record<string, unknown>).type;
    if (t === undefined) return `missing required field "type": expected one of ${FAULT_TYPES.join(', ')}`;
    const hint = typeof t === 'string' ? suggest(t, FAULT_TYPES) : null;
    return `unknown fault type ${found(t)}${hint ? ` (did you mean ${hint}?)` : ''}; known types: ${FAULT_TYPES.join(', ')}`;
  },
});

export type FaultDocument = z.output<typeof faultSchema>;

// ---- SLOs (docs/slo.md; compiled by slo.ts) ---------------------------------

/** A Prometheus duration ("30s", "5m", "1h", "3d"), parsed to seconds. */
const promDuration = (what: string) =>
  z
    .string({ error: (iss) => `expected ${what} as a Prometheus duration such as 30s, 5m, 1h or 30d, found ${found(iss.input)}` })
    .transform((text, ctx) => {
      const d = parsePromDuration(text);
      if (d.ok) return d.ms / 1000;
      ctx.addIssue({ code: 'custom', message: `expected ${what} as a Prometheus duration such as 30s, 5m, 1h or 30d (units ms, s, m, h, d, w, y): ${d.message}` });
      return z.NEVER;
    })
    .meta({ description: `${what} as a Prometheus duration (e.g. 30s, 5m, 1h, 30d)` });

const sloTierSchema = z.strictObject({
  name: z.string({ error: (iss) => `expected the tier name, e.g. feature-freeze, found ${found(iss.input)}` }).min(1),
  above: percent('the budget remaining above which the tier applies').optional(),
  holdRollouts: z.boolean({ error: 'expected true or false' }).default(false),
  haltPromotion: z.boolean({ error: 'expected true or false' }).default(false),
  rollback: z.boolean({ error: 'expected true or false' }).default(false),
});

export const sloSchema = z.strictObject({
  name: z.string({ error: (iss) => `expected the SLO name, found ${found(iss.input)}` }).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: (iss) => `expected the SLO name in lowercase letters, digits and '-', found ${found(iss.input)}` }),
  service: z.string({ error: (iss) => `expected the name of a service of this scenario, found ${found(iss.input)}` }).optional(),
  description: z.string().optional(),
  objective: z
    .number({ error: (iss) => `expected the objective as a percentage such as 99.9, found ${found(iss.input)}` })
    .gt(0, { error: 'expected the objective as a percentage between 0 and 100, e.g. 99.9' })
    .lt(100, { error: 'expected the objective below 100: a 100% objective leaves no error budget' }),
  window: z.string({ error: (iss) => `expected the SLO window: a rolling duration such as 30d or 28d, or month (the calendar month), found ${found(iss.input)}` }).default('30d'),
  indicator: z.strictObject({
    ratio: z
      .strictObject({
        bad: z.string({ error: 'expected a PromQL query (or counter selector) of bad events' }).min(1).optional(),
        good: z.string({ error: 'expected a PromQL query (or counter selector) of good events' }).min(1).optional(),
        total: z.string({ error: 'expected a PromQL query (or counter selector) of all events' }).min(1),
      })
      .optional()
      .meta({ description: 'bad (or good) and total events: counter selectors, or queries with [{{ .window }}] (Sloth style)' }),
    latency: z
      .strictObject({
        histogram: z.string({ error: 'expected the histogram family, e.g. traefik_service_request_duration_seconds' }).regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: (iss) => `expected a Prometheus metric name, found ${found(iss.input)}` }),
        selector: z.string({ error: 'expected label matchers such as service=~"shop-backend-.*"' }).default(''),
        threshold: duration('the latency threshold'),
      })
      .optional()
      .meta({ description: 'the share of requests at or under threshold, from histogram buckets' }),
  }),
  budget: z
    .strictObject({
      consumedAtStart: percent('the share of the error budget consumed before the run').default(0),
      requestRate: rate('the request rate the SLO window carries, in requests per second').optional(),
    })
    .prefault({}),
  alerting: z
    .strictObject({
      name: z.string({ error: 'expected the alert name' }).regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: (iss) => `expected an alert name of letters, digits and _, found ${found(iss.input)}` }).default('ErrorBudgetBurn'),
      evaluationInterval: promDuration('the rule evaluation interval').prefault('1m'),
      windows: z
        .array(
          z.strictObject({
            severity: z.string({ error: 'expected the severity, e.g. page or ticket' }).min(1),
            long: promDuration('the long window'),
            short: promDuration('the short window').optional(),
            burnRate: z.number({ error: (iss) => `expected the burn rate factor, e.g. 14.4, found ${found(iss.input)}` }).positive({ error: 'expected a burn rate above 0' }).optional(),
            budgetConsumed: percent('the share of the budget consumed before the alert fires').optional(),
            for: promDuration('the alert for duration').optional(),
          }),
        )
        .min(1, { error: 'expected at least one window (omit windows for the SRE workbook defaults)' })
        .optional(),
    })
    .prefault({}),
  policy: z
    .strictObject({
      tiers: z.array(sloTierSchema).min(1, { error: 'expected at least one tier (omit tiers for the default five)' }).optional(),
    })
    .optional(),
  labels: z.record(z.string(), z.string({ error: 'expected label values as strings' })).default({}),
});

export type SloDocument = z.output<typeof sloSchema>;

// ---- shadow judges (docs/judges.md, "In a run"; compiled by shadow.ts) ----------

const SOURCE_FORMS = 'a file path relative to the scenario, the text itself (several lines), or the document itself (a mapping)';

/** An AnalysisTemplate (or several): a file, its text, a mapping or a list of mappings. */
const argoTemplateSource = z
  .union([z.string().min(1, { error: 'expected the AnalysisTemplate file, not an empty text' }), z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown())).min(1, { error: 'expected at least one AnalysisTemplate' })], {
    error: (iss) => `expected the AnalysisTemplate: ${SOURCE_FORMS}, or a list of templates, found ${found(iss.input)}`,
  })
  .meta({ description: `Argo Rollouts AnalysisTemplate or ClusterAnalysisTemplate YAML (several documents allowed): ${SOURCE_FORMS}, or a list of them` });

/** A Kayenta canary config: a file, its text (JSON or YAML) or a mapping. */
const kayentaConfigSource = z
  .union([z.string().min(1, { error: 'expected the canary config file, not an empty text' }), z.record(z.string(), z.unknown())], {
    error: (iss) => `expected the Kayenta canary config: ${SOURCE_FORMS}, found ${found(iss.input)}`,
  })
  .meta({ description: `Kayenta canary-config JSON (or the same in YAML): ${SOURCE_FORMS}` });

const kayentaScore = (what: string) =>
  z
    .number({ error: (iss) => `expected ${what} as a score from 0 to 100, found ${found(iss.input)}` })
    .min(0, { error: `expected ${what} from 0 to 100` })
    .max(100, { error: `expected ${what} from 0 to 100` });

export const shadowJudgeSchema = z.strictObject({
  name: z
    .string({ error: (iss) => `expected the judge's name, found ${found(iss.input)}` })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: (iss) => `expected the judge's name in lowercase letters, digits and '-', found ${found(iss.input)}` }),
  canary: z
    .string({ error: (iss) => `expected the Canary it shadows as namespace/name, found ${found(iss.input)}` })
    .min(1, { error: 'expected the Canary it shadows as namespace/name' })
    .optional()
    .meta({ description: 'the Canary whose analysis the judge shadows, namespace/name (or its name when unique); optional when the scenario has one Canary' }),
  argo: z
    .strictObject({
      template: argoTemplateSource,
      args: z
        .record(
          z.string(),
          z.union([z.string(), z.number(), z.boolean()], { error: (iss) => `expected the argument's value as a string, found ${found(iss.input)}` }).transform((v) => String(v)),
          { error: (iss) => `expected args as a mapping of argument name to value, found ${found(iss.input)}` },
        )
        .default({})
        .meta({ description: "the run's argument values, by name (Argo's analysis args)" }),
    })
    .optional()
    .meta({ description: "an Argo Rollouts AnalysisRun of the template, started when Flagger's analysis starts and measured alongside it" }),
  kayenta: z
    .strictObject({
      config: kayentaConfigSource,
      lifetime: positiveDuration('the analysis lifetime (Kayenta lifetimeDurationMins)'),
      interval: positiveDuration('the analysis interval (Kayenta analysisIntervalMins)').optional().meta({ description: 'one judgement per interval (default: one judgement over the lifetime)' }),
      beginAfter: nonNegativeDuration('the warm-up before the first interval (Kayenta beginAfterMins)').prefault('0s'),
      lookback: positiveDuration('the lookback (Kayenta lookbackMins)').optional().meta({ description: 'sliding windows of this length (default: each judgement covers everything since the warm-up)' }),
      step: positiveDuration('the step between samples').prefault('1m').meta({ description: "the scopes' step between samples (default 1m, Kayenta's)" }),
      scoreThresholds: z
        .strictObject({ pass: kayentaScore('the pass threshold'), marginal: kayentaScore('the marginal threshold') })
        .optional()
        .meta({ description: "score thresholds (default: the config's scoreThresholds, else pass 95, marginal 75)" }),
    })
    .optional()
    .meta({ description: "a Kayenta canary analysis (NetflixACAJudge-v1.0) of the canary against the primary, judged at its windows' ends" }),
  consecutive: z
    .preprocess((v) => (v === null ? {} : v), z.strictObject({ threshold: int('the threshold (failed checks in a row)', 1).optional().meta({ description: "default: the Canary's analysis.threshold" }) }))
    .optional()
    .meta({ description: "Flagger's threshold counted as failed checks in a row instead of cumulatively" }),
});

export type ShadowJudgeDocument = z.output<typeof shadowJudgeSchema>;

// ---- the document ------------------------------------------------------------

// ---- lessons (docs/lessons.md; compiled by lesson.ts) ------------------------

export const CHECKPOINT_TRIGGERS = ['weight', 'failed-check', 'halt', 'rollback', 'promotion', 'alert', 'end'] as const;

const text = (what: string) => z.string({ error: (iss) => `expected ${what} as text, found ${found(iss.input)}` }).min(1, { error: `expected ${what}, not an empty text` });

const checkpointSchema = z.strictObject({
  id: z
    .string({ error: (iss) => `expected the checkpoint's id, found ${found(iss.input)}` })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: (iss) => `expected a lowercase id (a-z, 0-9, '-'), found ${found(iss.input)}` })
    .optional()
    .meta({ description: 'stable id for progress tracking (default checkpoint-<n>)' }),
  at: nonNegativeDuration('the time the question appears').optional(),
  on: z
    .enum(CHECKPOINT_TRIGGERS, { error: (iss) => `expected on to be one of ${CHECKPOINT_TRIGGERS.join(', ')}, found ${found(iss.input)}` })
    .optional()
    .meta({ description: 'the moment the question appears: the canary weight reaching weight, the first failed check (of metric), a halt, the rollback, the promotion, an SLO alert firing (of severity), the end of the run' }),
  weight: z.number({ error: (iss) => `expected the canary weight in percent, found ${found(iss.input)}` }).int().min(1).max(100).optional(),
  metric: z.string({ error: (iss) => `expected the name of a metric of the Canary, found ${found(iss.input)}` }).optional(),
  severity: z.string({ error: (iss) => `expected an alert severity such as page or ticket, found ${found(iss.input)}` }).optional(),
  question: text('the question'),
  choices: z.array(text('a choice'), { error: (iss) => `expected the choices as a list, found ${found(iss.input)}` }).min(2, { error: 'expected at least two choices' }),
  answer: z.number({ error: (iss) => `expected the index of the right choice (0 for the first), found ${found(iss.input)}` }).int().min(0),
  explanation: text('the explanation shown after answering'),
});

export const lessonSchema = z.strictObject({
  title: text('the lesson title'),
  level: z.number({ error: (iss) => `expected the lesson's place in the path (1 = first), found ${found(iss.input)}` }).int().min(1).optional(),
  summary: z.string().optional(),
  hook: z.string().optional().meta({ description: 'the incident hook: the situation the learner steps into' }),
  firstSignal: z.string().optional().meta({ description: 'what the team sees first' }),
  watch: z.array(text('what to watch')).default([]),
  hypothesis: z.string().optional(),
  objectives: z.array(text('a learning objective')).default([]),
  checkpoints: z.array(checkpointSchema, { error: (iss) => `expected checkpoints as a list, found ${found(iss.input)}` }).default([]),
  /** Longer lesson text (Markdown), shown under the hook. */
  text: z.string().optional(),
});

export type LessonDocument = z.output<typeof lessonSchema>;

export const scenarioSpecSchema = z.strictObject({
  seed: int('the seed', 0).max(Number.MAX_SAFE_INTEGER).default(1),
  duration: positiveDuration('the run duration'),
  include: z.array(z.string({ error: 'expected a relative path to a manifest file' }).min(1)).default([]),
  rollout: z
    .strictObject({
      at: nonNegativeDuration('the time the new revision is deployed'),
      canary: z.string({ error: 'expected the name of a Canary in this scenario' }).optional(),
    })
    .optional(),
  webhooks: z.array(webhookBehaviourSchema).default([]),
  slos: z.array(sloSchema, { error: (iss) => `expected slos as a list, found ${found(iss.input)}` }).default([]).meta({ description: 'service level objectives, error budgets, burn-rate alerts and the error budget policy (docs/slo.md)' }),
  faults: z.array(faultSchema, { error: (iss) => `expected faults as a list, found ${found(iss.input)}` }).default([]).meta({ description: 'faults injected during the run (docs/faults.md)' }),
  shadowJudges: z
    .array(shadowJudgeSchema, { error: (iss) => `expected shadowJudges as a list, found ${found(iss.input)}` })
    .default([])
    .meta({ description: "other canary judges (Argo Rollouts analysis, Kayenta, Flagger's threshold counted consecutively) evaluating the run in dry run beside Flagger (docs/judges.md)" }),
  telemetry: z
    .strictObject({
      scrapeInterval: positiveDuration('the scrape interval').prefault('15s'),
      scrapeJitter: nonNegativeDuration('the scrape jitter').prefault('0s'),
      scrapeFailureProbability: probability('the scrape failure probability').default(0),
      missingSamples: probability('the probability that a scrape\'s samples are lost (up stays 1)').default(0),
      lateSamples: z
        .strictObject({
          probability: probability('the probability that a scrape lands late'),
          delay: positiveDuration('how late a late scrape lands'),
        })
        .optional()
        .meta({ description: 'with probability, a scrape lands delay late (its samples carry the later timestamp)' }),
      startTime: z
        .string({ error: 'expected the wall-clock time of the run start as RFC 3339, e.g. 2026-03-02T14:00:00Z' })
        .refine((v) => parseRfc3339(v) !== null, { error: (iss) => `expected an RFC 3339 time such as 2026-03-02T14:00:00Z, found ${found(iss.input)}` })
        .default('2026-01-01T00:00:00Z'),
    })
    .prefault({}),
  traefik: z
    .strictObject({
      replicas: int('the Traefik replicas', 1).default(1),
      providersThrottleDuration: nonNegativeDuration('the providers throttle duration').prefault('2s'),
      allowEmptyServices: z.boolean({ error: 'expected true or false' }).default(false),
      entryPoints: z.array(z.string()).optional(),
      metrics: z
        .strictObject({
          buckets: z.array(z.number().positive({ error: 'expected positive bucket bounds in seconds' })).min(1).optional(),
          addEntryPointsLabels: z.boolean().default(true),
          addRoutersLabels: z.boolean().default(false),
          addServicesLabels: z.boolean().default(true),
        })
        .prefault({}),
    })
    .prefault({}),
  traffic: z.array(streamSchema).min(1, { error: 'expected at least one traffic stream' }),
  services: z.record(z.string(), appSchema),
  expect: z
    .strictObject({
      outcome: z.enum(['promoted', 'rolled-back', 'held'], { error: (iss) => `expected outcome promoted, rolled-back or held (waiting at a gate when the run ends), found ${found(iss.input)}` }),
      decidedBetween: z
        .strictObject({ from: nonNegativeDuration('the earliest decision time'), to: nonNegativeDuration('the latest decision time') })
        .refine((w) => w.to >= w.from, { error: 'expected to at or after from', path: ['to'] })
        .optional(),
      decidedBy: z.string({ error: 'expected the name of the Canary metric whose check decides' }).min(1).optional(),
      seedsAgreeing: probability('the share of seeds expected to agree').default(0.95),
      seeds: int('the number of seeds gameday check runs', 1).default(100),
      mode: z
        .enum(['fast', 'exact'], { error: (iss) => `expected mode fast or exact, found ${found(iss.input)}` })
        .optional()
        .meta({ description: 'the mode gameday check runs the seeds in (default fast; exact when fast mode cannot run the scenario)' }),
    })
    .optional(),
  gameDay: z
    .strictObject({
      objective: z.string({ error: 'expected the objective of the exercise, in a sentence' }).min(1, { error: 'expected the objective of the exercise, in a sentence' }),
      participants: z
        .array(
          z.strictObject({
            name: z.string({ error: 'expected the participant\'s name' }).min(1),
            role: z.enum(['facilitator', 'incident-commander', 'operator', 'observer'], { error: (iss) => `expected the role facilitator, incident-commander, operator or observer, found ${found(iss.input)}` }),
          }),
        )
        .default([]),
      hypothesis: z.string({ error: 'expected the hypothesis the exercise tests' }).default(''),
      faults: z.array(z.string({ error: 'expected the name of a fault of spec.faults, or a fault type for the palette' }).min(1)).default([]),
      hideFaults: z.boolean({ error: 'expected true or false' }).default(false),
      blastRadius: z.string().default(''),
      abortTrigger: z.string().default(''),
      observe: z.array(z.string()).default([]),
    })
    .optional()
    .meta({ description: "game-day plan: objective, participants and roles, hypothesis, faults to inject, blast-radius controls, abort trigger, what to observe (docs/gameday.md)" }),
  lesson: lessonSchema.optional().meta({ description: 'onboarding lesson: the incident hook, what to watch, objectives and checkpoint questions (docs/lessons.md)' }),
});

export const scenarioDocumentSchema = z.strictObject({
  apiVersion: z.literal(SCENARIO_API_VERSION, { error: (iss) => `expected ${SCENARIO_API_VERSION}, found ${found(iss.input)}` }),
  kind: z.literal('Scenario'),
  metadata: z.strictObject({
    name: z.string({ error: 'expected the scenario name' }).min(1),
    description: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: scenarioSpecSchema,
});

export type ScenarioDocument = z.output<typeof scenarioDocumentSchema>;
export type AppDocument = z.output<typeof appSchema>;
export type StreamDocument = z.output<typeof streamSchema>;

// ---- manifests (the fields the simulator reads; everything else passes) -----

const dnsName = z.string({ error: 'expected a name' }).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
  error: (iss) => `expected a lowercase DNS name (a-z, 0-9, '-', '.'), found ${found(iss.input)}`,
});
const labels = z.record(z.string(), z.string({ error: 'expected label values as strings' }));
const metadata = z.looseObject({ name: dnsName, namespace: dnsName.optional(), labels: labels.optional() });

export const deploymentSchema = z.looseObject({
  metadata,
  spec: z.looseObject({
    replicas: int('the replicas', 0).default(1),
    selector: z.looseObject({ matchLabels: labels.optional() }),
    template: z.looseObject({ metadata: z.looseObject({ labels: labels.optional() }).optional() }),
  }),
});

export const serviceSchema = z.looseObject({
  metadata,
  spec: z.looseObject({ selector: labels.optional() }).optional(),
});

// ---- Flagger CRDs (flagger.app/v1beta1) ---------------------------------------
//
// Types as the Canary and MetricTemplate CRDs declare them (reference
// flagger.md §1, §8.5). Objects are loose: fields Flagger has but the
// simulator cannot honour are kept and warned about by compileFlagger
// (flagger.ts), which also applies the CRD's cross-field rules (analysis
// required, the analysis oneOf) and Flagger's defaults.

/** The CRD pattern of `analysis.interval`, metric `interval` and webhook `timeout` (not end-anchored, as in the CRD). */
export const CRD_DURATION = /^[0-9]+(m|s)/;

const crdDuration = (field: string) =>
  z
    .string({ error: (iss) => `expected ${field} as a Go duration such as 1m or 30s, found ${found(iss.input)}` })
    .regex(CRD_DURATION, { error: (iss) => `expected ${field} as a Go duration such as 1m or 30s (the Canary CRD's pattern ^[0-9]+(m|s)), found ${found(iss.input)}` });
const crdInt = (field: string) =>
  z.number({ error: (iss) => `expected ${field} as a whole number, found ${found(iss.input)}` }).int({ error: `expected ${field} as a whole number` });
const crdBool = (field: string) => z.boolean({ error: (iss) => `expected ${field} as true or false, found ${found(iss.input)}` });
const crdString = (field: string) => z.string({ error: (iss) => `expected ${field} as a string, found ${found(iss.input)}` });
const stringMap = (field: string) =>
  z.record(z.string(), z.string({ error: (iss) => `expected ${field} values as strings (quote numbers and booleans), found ${found(iss.input)}` }), {
    error: (iss) => `expected ${field} as a mapping of strings, found ${found(iss.input)}`,
  });
const objectRef = (field: string) =>
  z.looseObject(
    {
      apiVersion: crdString(`${field}.apiVersion`).optional(),
      kind: crdString(`${field}.kind`).optional(),
      name: z.string({ error: (iss) => `expected ${field}.name, the referenced object's name, found ${found(iss.input)}` }).min(1, { error: `expected ${field}.name to be non-empty` }),
      namespace: dnsName.optional(),
    },
    { error: (iss) => `expected ${field} as a mapping with a name, found ${found(iss.input)}` },
  );

export const WEBHOOK_TYPES = ['', 'confirm-rollout', 'pre-rollout', 'rollout', 'confirm-promotion', 'post-rollout', 'event', 'rollback', 'confirm-traffic-increase'] as const;
export const ALERT_SEVERITIES = ['', 'info', 'warn', 'error'] as const;
export const METRIC_PROVIDER_TYPES = ['prometheus', 'influxdb', 'datadog', 'externalmetrics', 'stackdriver', 'cloudwatch', 'newrelic', 'graphite', 'dynatrace', 'keptn', 'splunk'] as const;

const thresholdBound = (field: string) => z.number({ error: (iss) => `expected ${field} as a number, found ${found(iss.input)}` }).nullable().optional();

const canaryMetricSchema = z.looseObject(
  {
    name: z
      .string({ error: (iss) => `expected the metric name (request-success-rate, request-duration, or any name with templateRef or query), found ${found(iss.input)}` })
      .min(1, { error: 'expected a non-empty metric name' }),
    interval: crdDuration('the metric interval').optional(),
    threshold: z.number({ error: (iss) => `expected the (deprecated) metric threshold as a number, found ${found(iss.input)}` }).optional(),
    thresholdRange: z
      .looseObject({ min: thresholdBound('thresholdRange.min'), max: thresholdBound('thresholdRange.max') }, { error: (iss) => `expected thresholdRange as a mapping with min and/or max, found ${found(iss.input)}` })
      .optional(),
    templateRef: objectRef('templateRef').optional(),
    templateVariables: stringMap('templateVariables').optional(),
    query: crdString('the (deprecated) inline PromQL query').optional(),
  },
  { error: (iss) => `expected a metric as a mapping with a name, found ${found(iss.input)}` },
);

const canaryWebhookSchema = z.looseObject(
  {
    name: z.string({ error: (iss) => `expected the webhook name, found ${found(iss.input)}` }).min(1, { error: 'expected a non-empty webhook name' }),
    type: z
      .enum(WEBHOOK_TYPES, { error: (iss) => `expected the webhook type to be one of ${WEBHOOK_TYPES.filter((t) => t).join(', ')} (or empty for rollout), found ${found(iss.input)}` })
      .optional(),
    url: z.string({ error: (iss) => `expected the webhook url, found ${found(iss.input)}` }).min(1, { error: 'expected a non-empty webhook url' }),
    timeout: crdDuration('the webhook timeout').optional(),
    retries: crdInt('the webhook retries').optional(),
    metadata: stringMap('the webhook metadata').optional(),
    muteAlert: crdBool('muteAlert').optional(),
    disableTLS: crdBool('disableTLS').optional(),
  },
  { error: (iss) => `expected a webhook as a mapping with name and url, found ${found(iss.input)}` },
);

const canaryAlertSchema = z.looseObject(
  {
    name: z.string({ error: (iss) => `expected the alert name, found ${found(iss.input)}` }).min(1),
    severity: z.enum(ALERT_SEVERITIES, { error: (iss) => `expected the alert severity to be info, warn or error, found ${found(iss.input)}` }).optional(),
    providerRef: objectRef('providerRef'),
  },
  { error: (iss) => `expected an alert as a mapping with name and providerRef, found ${found(iss.input)}` },
);

const canaryAnalysisSchema = z.looseObject(
  {
    interval: crdDuration('analysis.interval').optional(),
    threshold: crdInt('analysis.threshold').optional(),
    maxWeight: crdInt('analysis.maxWeight').optional(),
    stepWeight: crdInt('analysis.stepWeight').optional(),
    stepWeights: z.array(crdInt('each of analysis.stepWeights'), { error: (iss) => `expected analysis.stepWeights as a list of whole numbers, found ${found(iss.input)}` }).optional(),
    stepWeightPromotion: crdInt('analysis.stepWeightPromotion').optional(),
    iterations: crdInt('analysis.iterations').optional(),
    mirror: crdBool('analysis.mirror').optional(),
    mirrorWeight: crdInt('analysis.mirrorWeight').optional(),
    match: z.array(z.unknown(), { error: (iss) => `expected analysis.match as a list of match conditions, found ${found(iss.input)}` }).optional(),
    primaryReadyThreshold: crdInt('analysis.primaryReadyThreshold').optional(),
    canaryReadyThreshold: crdInt('analysis.canaryReadyThreshold').optional(),
    metrics: z.array(canaryMetricSchema, { error: (iss) => `expected analysis.metrics as a list, found ${found(iss.input)}` }).optional(),
    webhooks: z.array(canaryWebhookSchema, { error: (iss) => `expected analysis.webhooks as a list, found ${found(iss.input)}` }).optional(),
    alerts: z.array(canaryAlertSchema, { error: (iss) => `expected analysis.alerts as a list, found ${found(iss.input)}` }).optional(),
    sessionAffinity: z.looseObject({}, { error: (iss) => `expected analysis.sessionAffinity as a mapping, found ${found(iss.input)}` }).optional(),
  },
  { error: (iss) => `expected analysis as a mapping (interval, threshold, stepWeight, metrics, …), found ${found(iss.input)}` },
);

export const canarySchema = z.looseObject({
  metadata,
  spec: z.looseObject(
    {
      provider: crdString('the provider').optional(),
      metricsServer: crdString('the metrics server URL').optional(),
      targetRef: z.looseObject(
        {
          apiVersion: crdString('targetRef.apiVersion').optional(),
          kind: z.string({ error: (iss) => `expected targetRef.kind (Deployment), found ${found(iss.input)}` }).min(1, { error: 'expected targetRef.kind (Deployment)' }),
          name: dnsName,
        },
        { error: (iss) => `expected targetRef as a mapping with kind and name, found ${found(iss.input)}` },
      ),
      autoscalerRef: objectRef('autoscalerRef').optional(),
      ingressRef: objectRef('ingressRef').optional(),
      routeRef: objectRef('routeRef').optional(),
      upstreamRef: objectRef('upstreamRef').optional(),
      service: z.looseObject(
        {
          name: dnsName.optional(),
          port: z.number({ error: 'expected the service port number' }).int({ error: 'expected the service port as a whole number' }),
          portName: crdString('service.portName').optional(),
          targetPort: z.union([z.number().int(), z.string()], { error: (iss) => `expected service.targetPort as a port number or name, found ${found(iss.input)}` }).optional(),
          portDiscovery: crdBool('service.portDiscovery').optional(),
          appProtocol: crdString('service.appProtocol').optional(),
        },
        { error: (iss) => `expected service as a mapping with a port, found ${found(iss.input)}` },
      ),
      analysis: canaryAnalysisSchema.optional(),
      canaryAnalysis: canaryAnalysisSchema.optional(),
      progressDeadlineSeconds: crdInt('progressDeadlineSeconds').optional(),
      skipAnalysis: crdBool('skipAnalysis').optional(),
      revertOnDeletion: crdBool('revertOnDeletion').optional(),
      suspend: crdBool('suspend').optional(),
    },
    { error: (iss) => `expected spec as a mapping, found ${found(iss.input)}` },
  ),
});

export type CanaryDocument = z.output<typeof canarySchema>;
export type CanaryAnalysisDocument = z.output<typeof canaryAnalysisSchema>;

export const metricTemplateSchema = z.looseObject({
  metadata,
  spec: z.looseObject(
    {
      provider: z
        .looseObject(
          {
            type: z.enum(METRIC_PROVIDER_TYPES, { error: (iss) => `expected provider.type to be one of ${METRIC_PROVIDER_TYPES.join(', ')}, found ${found(iss.input)}` }),
            address: crdString('provider.address').optional(),
            secretRef: z.looseObject({ name: z.string({ error: 'expected secretRef.name, the Secret holding the credentials' }).min(1) }).optional(),
            insecureSkipVerify: crdBool('provider.insecureSkipVerify').optional(),
          },
          { error: (iss) => `expected provider as a mapping with a type (e.g. prometheus) and an address, found ${found(iss.input)}` },
        )
        .superRefine((p, ctx) => {
          if (p.type === 'prometheus' && !p.address) {
            ctx.addIssue({ code: 'custom', path: ['address'], message: 'missing required field "address": expected the Prometheus URL, e.g. http://prometheus:9090 (Flagger needs it for type prometheus)' });
          }
        }),
      query: z.string({ error: (iss) => `expected query, the Go-templated query text, found ${found(iss.input)}` }).min(1, { error: 'expected a non-empty query' }),
    },
    { error: (iss) => `expected spec as a mapping with provider and query, found ${found(iss.input)}` },
  ),
});

export type MetricTemplateDocument = z.output<typeof metricTemplateSchema>;

export const namedSchema = z.looseObject({ metadata, spec: z.looseObject({}).optional() });

// ---- Traefik CRDs (traefik.io/v1alpha1, traefik.containo.us/v1alpha1) --------

/** Traefik durations (int-or-string in the CRD): a Go duration string, or a whole number of seconds. */
const traefikDuration = (what: string) =>
  z.union([z.number().int().min(0), duration(what).refine((v) => v >= 0)], {
    error: (iss) => `expected ${what} as a Go duration (e.g. 10s) or a whole number of seconds, found ${found(iss.input)}`,
  });

const stickySchema = z.looseObject({ cookie: z.looseObject({ name: z.string().optional() }).optional() });

export const loadBalancerSpecSchema = z.looseObject({
  name: z.string({ error: 'expected the name of a Kubernetes Service or TraefikService' }).min(1),
  kind: z.enum(['Service', 'TraefikService'], { error: (iss) => `expected kind Service or TraefikService, found ${found(iss.input)}` }).default('Service'),
  namespace: dnsName.optional(),
  port: z.union([z.number().int().min(1).max(65535), z.string().min(1)], { error: (iss) => `expected the port as a number or a port name, found ${found(iss.input)}` }).optional(),
  weight: int('the weight', 0).optional(),
  sticky: stickySchema.optional(),
});

const middlewareRefSchema = z.looseObject({ name: z.string({ error: 'expected the Middleware name' }).min(1), namespace: dnsName.optional() });

export const ingressRouteSchema = z.looseObject({
  metadata,
  spec: z.looseObject({
    entryPoints: z.array(z.string({ error: 'expected entrypoint names' })).optional(),
    routes: z
      .array(
        z.looseObject({
          match: z.string({ error: 'expected the router rule, e.g. Host(`app.example.com`)' }).min(1),
          kind: z.literal('Rule', { error: (iss) => `expected kind Rule, found ${found(iss.input)}` }).optional(),
          priority: int('the priority', 0).optional(),
          syntax: z.enum(['v3', 'v2'], { error: (iss) => `expected syntax v3 or v2, found ${found(iss.input)}` }).optional(),
          services: z.array(loadBalancerSpecSchema).optional(),
          middlewares: z.array(middlewareRefSchema).optional(),
        }),
      )
      .min(1, { error: 'expected at least one route' }),
  }),
});

export const traefikServiceSchema = z.looseObject({
  metadata,
  spec: z.looseObject({
    weighted: z.looseObject({ services: z.array(loadBalancerSpecSchema).min(1, { error: 'expected at least one service' }), sticky: stickySchema.optional() }).optional(),
    mirroring: loadBalancerSpecSchema
      .extend({
        mirrors: z.array(loadBalancerSpecSchema.extend({ percent: int('the mirror percent', 0).max(100, { error: 'expected the mirror percent between 0 and 100' }).default(0) })).default([]),
        maxBodySize: int('the maximum mirrored body size in bytes (-1: no limit)', -1).default(-1),
        mirrorBody: z.boolean({ error: 'expected true or false' }).default(true),
      })
      .optional(),
  }),
});

export const middlewareSchema = z.looseObject({
  metadata,
  spec: z.looseObject({
    retry: z.looseObject({ attempts: int('the attempts (including the first)', 1), initialInterval: traefikDuration('the initial interval').optional() }).optional(),
    circuitBreaker: z
      .looseObject({
        expression: z.string({ error: 'expected the breaker expression, e.g. NetworkErrorRatio() > 0.5' }).min(1),
        checkPeriod: traefikDuration('the check period').optional(),
        fallbackDuration: traefikDuration('the fallback duration').optional(),
        recoveryDuration: traefikDuration('the recovery duration').optional(),
        responseCode: int('the fallback response code', 0).refine((v) => v === 0 || (v >= 100 && v <= 599), { error: 'expected an HTTP status from 100 to 599 (or 0 for the default 503)' }).optional(),
      })
      .optional(),
    rateLimit: z
      .looseObject({
        average: z.number({ error: 'expected the average rate as a number' }).min(0).optional(),
        period: traefikDuration('the period').optional(),
        burst: z.number({ error: 'expected the burst as a number' }).min(0).optional(),
      })
      .optional(),
    buffering: z
      .looseObject({
        maxRequestBodyBytes: z.number().int().min(0).optional(),
        maxResponseBodyBytes: z.number().int().min(0).optional(),
        retryExpression: z.string().optional(),
      })
      .optional(),
  }),
});
