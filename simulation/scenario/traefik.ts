import { qualified, type ServiceSpec } from '../model/spec';
import { parseBreakerExpression } from '../routing/middlewares/circuit-breaker';
import { CRD_PROVIDER, kubernetesServiceLabel, normalizeName, routeLabel, traefikServiceLabel } from '../routing/names';
import { parseRule } from '../routing/rule';
import { DEFAULT_BUCKETS, type LeafRef, type MiddlewareSpec, type RouterSpec, type ServiceRef, type TraefikServiceSpec, type TraefikSpec } from '../routing/spec';
import { suggest } from './issues';
import type { Manifest } from './manifests';
import type { ScenarioDocument } from './schema';
import type { SourceDocument } from './yaml-source';

/** Reports a problem at `path` (at its key rather than its value when `key` is set). */
type Report = (where: SourceDocument, path: Array<string | number>, message: string, key?: boolean) => void;

interface LoadBalancerDoc {
  name: string;
  kind: 'Service' | 'TraefikService';
  namespace?: string;
  port?: number | string;
  weight?: number;
  sticky?: { cookie?: { name?: string } };
}

/**
 * Middleware kinds the simulator accepts and passes requests through
 * unchanged. Some change nothing it models (paths, headers); for the others
 * the value says what Traefik would do that the simulator does not.
 */
const PASS_THROUGH: Readonly<Record<string, string | null>> = {
  addPrefix: null,
  stripPrefix: null,
  stripPrefixRegex: null,
  replacePath: null,
  replacePathRegex: null,
  headers: null,
  compress: null,
  contentType: null,
  passTLSClientCert: null,
  grpcWeb: null,
  redirectScheme: 'Traefik answers matching requests with a redirect itself',
  redirectRegex: 'Traefik answers matching requests with a redirect itself',
  basicAuth: 'Traefik answers requests without valid credentials with 401',
  digestAuth: 'Traefik answers requests without valid credentials with 401',
  forwardAuth: 'Traefik asks the auth server first and answers denied requests itself',
  ipWhiteList: 'Traefik answers requests from other addresses with 403',
  ipAllowList: 'Traefik answers requests from other addresses with 403',
  inFlightReq: 'Traefik answers requests beyond the limit with 429',
  errors: 'Traefik replaces error responses with pages from another service',
  chain: 'the middlewares it lists are not applied; list them on the route instead',
  plugin: 'plugins are not simulated',
};
const SIMULATED = ['retry', 'circuitBreaker', 'rateLimit', 'buffering'];

/** A Middleware's name as the CRD provider gives it (normalized like every CRD name). */
function middlewareLabel(namespace: string, name: string): string {
  return `${normalizeName(`${namespace}-${name}`)}@${CRD_PROVIDER}`;
}

/** A parser message located in the rule or expression text: "at column N of the rule". */
function inRule(message: string, column: number, what: string): string {
  const at = `at column ${column}`;
  return message.includes(at) ? message.replace(at, `${at} of the ${what}`) : `${message} (column ${column} of the ${what})`;
}

/** " (did you mean x?)" when a candidate is close to `word`. */
function didYouMean(word: string, candidates: readonly string[]): string {
  const hint = suggest(word, candidates);
  return hint ? ` (did you mean ${hint}?)` : '';
}

/** Parses a Traefik duration (seconds or Go string already converted by the schema). */
/** A value that counts only when above zero (Traefik skips the option otherwise). */
function positive(v: unknown, fallback: number): number {
  return typeof v === 'number' && v > 0 ? v : fallback;
}

const V37 = 'a Traefik v3.7 option (status-based retries) the simulator does not model; retries happen only when nothing reached the backend';
/** Per simulated middleware: the fields read, those ignored (and why), those refused (and why). */
const MIDDLEWARE_FIELDS: Record<string, { simulated: string[]; ignored: Record<string, string>; unsupported: Record<string, string> }> = {
  retry: {
    simulated: ['attempts', 'initialInterval'],
    ignored: {},
    unsupported: { timeout: V37, status: V37, maxRequestBodyBytes: V37, disableRetryOnNetworkError: V37, retryNonIdempotentMethod: V37 },
  },
  circuitBreaker: { simulated: ['expression', 'checkPeriod', 'fallbackDuration', 'recoveryDuration', 'responseCode'], ignored: {}, unsupported: {} },
  rateLimit: {
    simulated: ['average', 'period', 'burst'],
    ignored: {
      sourceCriterion: 'the simulator limits per simulated client (its remote address)',
      redis: 'Redis-backed limits shared between replicas are not simulated; each Traefik replica keeps its own buckets',
    },
    unsupported: {},
  },
  buffering: {
    simulated: ['maxRequestBodyBytes'],
    ignored: {
      memRequestBodyBytes: 'it only decides between memory and disk buffering',
      memResponseBodyBytes: 'it only decides between memory and disk buffering',
      maxResponseBodyBytes: 'response sizes are not simulated',
      retryExpression: 'buffering retries are not simulated; use the retry middleware',
    },
    unsupported: {},
  },
};

function seconds(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

/**
 * Compiles the Traefik configuration the CRD provider would build from the
 * scenario's IngressRoutes, TraefikServices and Middlewares, plus the
 * TraefikService `<apex>` Flagger creates for each Canary (primary at 100 until
 * the decision engine moves weights). Reports every reference that would not
 * build, located in its manifest. Returns null when there is no IngressRoute.
 */
export function compileTraefik(
  doc: ScenarioDocument,
  src: SourceDocument,
  manifests: readonly Manifest[],
  services: readonly ServiceSpec[],
  canaries: readonly Manifest[],
  err: Report,
  warn: Report,
): TraefikSpec | null {
  const routes = manifests.filter((m) => m.kind === 'IngressRoute');
  const usesEntryPoints = doc.spec.traffic.some((t) => t.entryPoint !== undefined);
  if (routes.length === 0) {
    doc.spec.traffic.forEach((t, i) => {
      if (t.entryPoint !== undefined) err(src, ['spec', 'traffic', i, 'entryPoint'], 'no IngressRoute in this scenario routes requests from a Traefik entrypoint: add one, or call a Service in-cluster with target');
    });
    return null;
  }
  const cfg = doc.spec.traefik;
  const serviceKeys = new Set(services.map((s) => qualified(s.namespace, s.name)));

  // Flagger's TraefikServices, one per Canary: <apex> in the Canary's namespace.
  const canaryRoutes: TraefikSpec['canaryRoutes'] = [];
  const flaggerOwned = new Map<string, string>();
  /** TraefikService names by namespace, for messages: the team's and Flagger's. */
  const tsNames = new Map<string, string[]>();
  const addTsName = (ns: string, name: string) => tsNames.set(ns, [...(tsNames.get(ns) ?? []), name]);
  for (const c of canaries) {
    const cs = c.value.spec as { provider?: string; targetRef: { name: string }; service: { name?: string; port: number } };
    const apex = cs.service.name ?? cs.targetRef.name;
    const leaf = (name: string): LeafRef => ({ kind: 'service', service: qualified(c.namespace, name), label: kubernetesServiceLabel(c.namespace, name, cs.service.port) });
    const label = traefikServiceLabel(c.namespace, apex);
    canaryRoutes.push({ canary: qualified(c.namespace, c.name), label, primary: leaf(`${apex}-primary`), canaryLeaf: leaf(`${apex}-canary`) });
    flaggerOwned.set(label, c.name);
    addTsName(c.namespace, apex);
  }

  // TraefikServices declared by the team.
  const tsManifests = new Map<string, Manifest>();
  for (const m of manifests.filter((x) => x.kind === 'TraefikService')) {
    const label = traefikServiceLabel(m.namespace, m.name);
    if (flaggerOwned.has(label)) {
      warn(m.doc, ['metadata', 'name'], `TraefikService ${m.name} is managed by Flagger for Canary ${flaggerOwned.get(label)}; this manifest is replaced, as Flagger would`);
      continue;
    }
    tsManifests.set(label, m);
    addTsName(m.namespace, m.name);
  }

  /** Resolves a LoadBalancerSpec written in `m` at `path`. */
  const resolveRef = (m: Manifest, path: Array<string | number>, lb: LoadBalancerDoc): ServiceRef | null => {
    const ns = lb.namespace ?? m.namespace;
    if (lb.namespace !== undefined && lb.namespace !== m.namespace) {
      warn(m.doc, [...path, 'namespace'], `a cross-namespace reference needs Traefik's allowCrossNamespace option; the simulator assumes it is enabled`);
    }
    if (lb.name.includes('@')) {
      err(m.doc, [...path, 'name'], `references to other providers (${lb.name}) are not simulated; reference a Kubernetes Service or a TraefikService of this scenario`);
      return null;
    }
    if (lb.kind === 'TraefikService') {
      const label = traefikServiceLabel(ns, lb.name);
      if (!tsManifests.has(label) && !flaggerOwned.has(label)) {
        const known = tsNames.get(ns) ?? [];
        err(m.doc, [...path, 'name'], `no TraefikService ${lb.name} in namespace ${ns}${didYouMean(lb.name, known)}; TraefikServices there: ${known.join(', ') || 'none'} (Flagger creates one named after each Canary's service)`);
        return null;
      }
      return { kind: 'traefik', label };
    }
    const key = qualified(ns, lb.name);
    if (!serviceKeys.has(key)) {
      const there = services.filter((s) => s.namespace === ns).map((s) => s.name);
      err(m.doc, [...path, 'name'], `no Kubernetes Service ${lb.name} in namespace ${ns}${didYouMean(lb.name, there)}; known: ${[...serviceKeys].join(', ')}`);
      return null;
    }
    if (lb.port === undefined) {
      err(m.doc, [...path, 'port'], `expected the port of Service ${lb.name}: Traefik needs it to find the endpoints`);
      return null;
    }
    return { kind: 'service', service: key, label: kubernetesServiceLabel(ns, lb.name, lb.port) };
  };

  const servicesOut: TraefikServiceSpec[] = [];
  for (const [label, m] of tsManifests) {
    const spec = m.value.spec as { weighted?: { services: LoadBalancerDoc[]; sticky?: { cookie?: { name?: string } } }; mirroring?: LoadBalancerDoc & { mirrors: Array<LoadBalancerDoc & { percent: number }>; maxBodySize: number; mirrorBody: boolean } } & Record<string, unknown>;
    const kinds = ['weighted', 'mirroring', 'failover', 'highestRandomWeight'].filter((k) => spec[k] !== undefined);
    if (kinds.length !== 1) {
      err(m.doc, ['spec'], kinds.length === 0 ? 'expected one of weighted or mirroring' : `expected exactly one of weighted or mirroring, found ${kinds.join(' and ')}`);
      continue;
    }
    if (kinds[0] === 'failover' || kinds[0] === 'highestRandomWeight') {
      err(m.doc, ['spec', kinds[0]], `${kinds[0]} TraefikServices are not simulated (weighted and mirroring are)`, true);
      continue;
    }
    if (spec.weighted) {
      const children = spec.weighted.services.map((lb, i) => ({ ref: resolveRef(m, ['spec', 'weighted', 'services', i], lb), weight: lb.weight ?? 1 }));
      if (children.some((c) => c.ref === null)) continue;
      servicesOut.push({
        type: 'weighted',
        label,
        children: children as Array<{ ref: ServiceRef; weight: number }>,
        sticky: spec.weighted.sticky?.cookie ? { cookie: spec.weighted.sticky.cookie.name ?? '' } : null,
      });
    } else if (spec.mirroring) {
      const mir = spec.mirroring;
      const main = resolveRef(m, ['spec', 'mirroring'], mir);
      const mirrors = mir.mirrors.map((lb, i) => ({ ref: resolveRef(m, ['spec', 'mirroring', 'mirrors', i], lb), percent: lb.percent }));
      if (!main || mirrors.some((x) => x.ref === null)) continue;
      if (mirrors.length > 30) {
        err(m.doc, ['spec', 'mirroring', 'mirrors'], 'the simulator supports at most 30 mirrors per service');
        continue;
      }
      servicesOut.push({ type: 'mirroring', label, main, mirrors: mirrors as Array<{ ref: ServiceRef; percent: number }>, maxBodySize: mir.maxBodySize, mirrorBody: mir.mirrorBody });
    }
  }
  for (const c of canaryRoutes) servicesOut.push({ type: 'weighted', label: c.label, children: [{ ref: c.primary, weight: 100 }], sticky: null });

  // Middlewares.
  const middlewares = new Map<string, MiddlewareSpec | null>();
  for (const m of manifests.filter((x) => x.kind === 'Middleware')) {
    const label = middlewareLabel(m.namespace, m.name);
    const spec = (m.value.spec ?? {}) as Record<string, Record<string, unknown>>;
    const kinds = Object.keys(spec);
    // A Middleware in error is still known, so routes using it get no second error.
    middlewares.set(label, null);
    if (kinds.length !== 1) {
      err(m.doc, ['spec'], kinds.length === 0 ? `expected one middleware type (${SIMULATED.join(', ')}, …)` : `expected exactly one middleware type per Middleware, found ${kinds.join(' and ')}: declare one Middleware for each`);
      continue;
    }
    const kind = kinds[0];
    const v = spec[kind];
    if (!SIMULATED.includes(kind)) {
      const reason = Object.hasOwn(PASS_THROUGH, kind) ? PASS_THROUGH[kind] : undefined;
      if (reason === null) warn(m.doc, ['spec', kind], `${kind} does not change what the simulator models; requests pass through it unchanged`);
      else if (reason !== undefined) warn(m.doc, ['spec', kind], `${kind} is not simulated: requests pass through it unchanged (${reason})`);
      else {
        const all = [...SIMULATED, ...Object.keys(PASS_THROUGH)];
        err(m.doc, ['spec', kind], `unknown middleware type ${kind}${didYouMean(kind, all)}; expected one of ${all.join(', ')}`, true);
      }
      continue;
    }
    // Fields: simulated, ignored with a warning saying why, or refused because ignoring them would mislead.
    const fields = MIDDLEWARE_FIELDS[kind];
    let refused = false;
    for (const field of Object.keys(v)) {
      if (fields.simulated.includes(field)) continue;
      if (fields.ignored[field]) warn(m.doc, ['spec', kind, field], `${field} is ignored: ${fields.ignored[field]}`);
      else {
        refused = true;
        err(
          m.doc,
          ['spec', kind, field],
          fields.unsupported[field]
            ? `${field} is not simulated: ${fields.unsupported[field]}`
            : `unknown field ${field} of ${kind}${didYouMean(field, [...fields.simulated, ...Object.keys(fields.ignored)])}; the simulator reads ${fields.simulated.join(', ')}`,
          true,
        );
      }
    }
    if (refused) {
      middlewares.set(label, null);
      continue;
    }
    if (kind === 'retry') middlewares.set(label, { type: 'retry', label, attempts: v.attempts as number, initialInterval: seconds(v.initialInterval, 0) });
    else if (kind === 'circuitBreaker') {
      const parsed = parseBreakerExpression(v.expression as string);
      if (!parsed.ok) {
        err(m.doc, ['spec', 'circuitBreaker', 'expression'], inRule(parsed.message, parsed.column, 'expression'));
        continue;
      }
      middlewares.set(label, {
        type: 'circuitBreaker',
        label,
        expression: v.expression as string,
        // Traefik passes these to oxy only when > 0; otherwise oxy's defaults hold.
        checkPeriod: positive(v.checkPeriod, 0.1),
        fallbackDuration: positive(v.fallbackDuration, 10),
        recoveryDuration: positive(v.recoveryDuration, 10),
        responseCode: positive(v.responseCode, 503),
      });
    } else if (kind === 'rateLimit') {
      middlewares.set(label, { type: 'rateLimit', label, average: (v.average as number | undefined) ?? 0, period: seconds(v.period, 1), burst: Math.max(1, (v.burst as number | undefined) ?? 1) });
    } else {
      middlewares.set(label, { type: 'buffering', label, maxRequestBodyBytes: (v.maxRequestBodyBytes as number | undefined) ?? 0, maxResponseBodyBytes: (v.maxResponseBodyBytes as number | undefined) ?? 0 });
    }
  }

  // Routers.
  const routers: RouterSpec[] = [];
  const entryPoints = new Set<string>(cfg.entryPoints ?? []);
  /** An IngressRoute without entryPoints listens on every entrypoint. */
  let routeOnAll = false;
  for (const m of routes) {
    const spec = m.value.spec as {
      entryPoints?: string[];
      routes: Array<{ match: string; priority?: number; syntax?: 'v3' | 'v2'; services?: LoadBalancerDoc[]; middlewares?: Array<{ name: string; namespace?: string }> }>;
    };
    if (cfg.entryPoints) {
      (spec.entryPoints ?? []).forEach((ep, i) => {
        if (!entryPoints.has(ep)) err(m.doc, ['spec', 'entryPoints', i], `no entrypoint ${ep} (traefik.entryPoints: ${[...entryPoints].join(', ')})`);
      });
    } else for (const ep of spec.entryPoints ?? []) entryPoints.add(ep);
    if ((spec.entryPoints ?? []).length === 0) routeOnAll = true;
    spec.routes.forEach((r, i) => {
      const path = ['spec', 'routes', i];
      const syntax = r.syntax ?? 'v3';
      const parsed = parseRule(r.match, syntax);
      if (!parsed.ok) {
        err(m.doc, [...path, 'match'], inRule(parsed.message, parsed.column, 'rule'));
        return;
      }
      const lbs = r.services ?? [];
      if (lbs.length === 0) {
        err(m.doc, [...path, 'services'], 'expected at least one service for the route');
        return;
      }
      const refs = lbs.map((lb, j) => resolveRef(m, [...path, 'services', j], lb));
      if (refs.some((x) => x === null)) return;
      const name = routeLabel(m.namespace, m.name, r.match);
      let service: ServiceRef;
      if (refs.length === 1) service = refs[0] as ServiceRef;
      else {
        servicesOut.push({ type: 'weighted', label: name, children: refs.map((ref, j) => ({ ref: ref as ServiceRef, weight: lbs[j].weight ?? 1 })), sticky: null });
        service = { kind: 'traefik', label: name };
      }
      const mws: string[] = [];
      let ok = true;
      (r.middlewares ?? []).forEach((ref, j) => {
        const ns = ref.namespace ?? m.namespace;
        if (ref.name.includes('@')) {
          err(m.doc, [...path, 'middlewares', j, 'name'], `references to other providers (${ref.name}) are not simulated; reference a Middleware of this scenario`);
          ok = false;
          return;
        }
        if (ref.namespace !== undefined && ref.namespace !== m.namespace) {
          warn(m.doc, [...path, 'middlewares', j, 'namespace'], `a cross-namespace reference needs Traefik's allowCrossNamespace option; the simulator assumes it is enabled`);
        }
        const label = middlewareLabel(ns, ref.name);
        if (!middlewares.has(label)) {
          const known = manifests.filter((x) => x.kind === 'Middleware' && x.namespace === ns).map((x) => x.name);
          err(m.doc, [...path, 'middlewares', j, 'name'], `no Middleware ${ref.name} in namespace ${ns}${didYouMean(ref.name, known)}; Middlewares there: ${known.join(', ') || 'none'}`);
          ok = false;
        } else if (middlewares.get(label)) mws.push(label);
      });
      if (mws.length > 30) err(m.doc, [...path, 'middlewares'], 'the simulator supports at most 30 middlewares per route');
      if (!ok) return;
      routers.push({
        name,
        entryPoints: spec.entryPoints ?? [],
        rule: r.match,
        syntax,
        priority: r.priority && r.priority > 0 ? r.priority : parsed.rule.defaultPriority,
        middlewares: mws,
        service,
        origin: `${m.doc.file}: IngressRoute ${m.name} routes[${i}]`,
      });
    });
  }
  doc.spec.traffic.forEach((t, i) => {
    if (t.entryPoint === undefined) return;
    if (entryPoints.has(t.entryPoint)) return;
    if (cfg.entryPoints) err(src, ['spec', 'traffic', i, 'entryPoint'], `no entrypoint ${t.entryPoint} in traefik.entryPoints (${[...entryPoints].join(', ')})`);
    else if (routeOnAll) entryPoints.add(t.entryPoint);
    else err(src, ['spec', 'traffic', i, 'entryPoint'], `no IngressRoute listens on entrypoint ${t.entryPoint} (their entryPoints: ${[...entryPoints].sort().join(', ')})`);
  });
  if (!usesEntryPoints) {
    warn(routes[0].doc, ['kind'], 'no traffic stream enters through Traefik (set entryPoint on a stream), so these routes carry no requests');
  }

  return {
    replicas: cfg.replicas,
    throttle: cfg.providersThrottleDuration,
    allowEmptyServices: cfg.allowEmptyServices,
    entryPoints: [...entryPoints].sort(),
    routers,
    services: servicesOut,
    middlewares: [...middlewares.values()].filter((x): x is MiddlewareSpec => x !== null),
    canaryRoutes,
    metrics: {
      buckets: cfg.metrics.buckets ? [...cfg.metrics.buckets].sort((a, b) => a - b) : DEFAULT_BUCKETS,
      addEntryPointsLabels: cfg.metrics.addEntryPointsLabels,
      addRoutersLabels: cfg.metrics.addRoutersLabels,
      addServicesLabels: cfg.metrics.addServicesLabels,
    },
  };
}
