import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { routeLabel } from '../../simulation/routing/names';
import type { TraefikSpec } from '../../simulation/routing/spec';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { loadScenario, validateManifestFile } from '../../simulation/scenario/loader';
import { canary, deployment, loadFromFiles, mustLoad, repoHost, repoRoot, scenarioFile } from '../support/scenario';

/**
 * compileTraefik: IngressRoute, TraefikService and Middleware manifests
 * compiled into the Traefik configuration the simulator runs, with the names
 * Traefik's CRD provider gives (reference §4.3, §5, §6).
 */

const SPEC = (traffic = '[{ name: t, entryPoint: web, host: app.example.com, rate: 1 }]') => `duration: 1m
traffic: ${traffic}
services:
  api: { latency: { p50: 1ms, p99: 5ms } }
  web2: { latency: { p50: 1ms, p99: 5ms } }`;

/** An IngressRoute in `default` on entrypoint web; `routes` is the YAML list, indented by 4. */
const ingressRoute = (name: string, routes: string, entryPoints = '[web]') => `apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: ${name}, namespace: default }
spec:
  entryPoints: ${entryPoints}
  routes:
${routes}`;

const traefikService = (name: string, spec: string) => `apiVersion: traefik.io/v1alpha1
kind: TraefikService
metadata: { name: ${name}, namespace: default }
spec:
${spec}`;

const middleware = (name: string, spec: string) => `apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: { name: ${name}, namespace: default }
spec:
${spec}`;

const HOST = 'Host(`app.example.com`)';
const API_80 = { kind: 'service', service: 'default/api', label: 'default-api-80@kubernetescrd' } as const;

/** Loads scenario.yaml made of SPEC, Deployments api and web2, and the given manifests. */
function compile(manifests: string[], spec = SPEC()): { traefik: TraefikSpec; warnings: string[] } {
  const s = mustLoad(scenarioFile(spec, deployment('api'), deployment('web2'), ...manifests));
  if (!s.world.traefik) throw new Error('no Traefik configuration');
  return { traefik: s.world.traefik, warnings: s.warnings.map(formatDiagnostic) };
}

/** Every diagnostic of a scenario that must fail to load, formatted. */
function failures(files: Record<string, string>): string[] {
  const r = loadFromFiles(files);
  expect(r.ok).toBe(false);
  return r.diagnostics.map(formatDiagnostic);
}

describe('compileTraefik: routers', () => {
  it('names a router after its IngressRoute and rule, and points a single Service at its leaf', () => {
    const { traefik, warnings } = compile([ingressRoute('front', `    - match: ${HOST}\n      kind: Rule\n      services: [{ name: api, port: 80 }]`)]);
    expect(warnings).toEqual([]);
    expect(traefik.entryPoints).toEqual(['web']);
    expect(traefik.routers).toEqual([
      {
        name: 'default-front-ead48400e2fed159e4c5@kubernetescrd',
        entryPoints: ['web'],
        rule: HOST,
        syntax: 'v3',
        priority: 23,
        middlewares: [],
        service: API_80,
        origin: 'scenario.yaml: IngressRoute front routes[0]',
      },
    ]);
    expect(traefik.routers[0].name).toBe(routeLabel('default', 'front', HOST));
    expect(traefik.services).toEqual([]);
    expect(traefik.middlewares).toEqual([]);
    expect(traefik.canaryRoutes).toEqual([]);
  });

  it('defaults the priority to the rule length, and keeps an explicit one (0 means the default)', () => {
    const rule = 'Host(`app.example.com`) && PathPrefix(`/api`)';
    const { traefik } = compile([
      ingressRoute(
        'r',
        `    - match: ${rule}\n      services: [{ name: api, port: 80 }]
    - match: ${HOST}\n      priority: 7\n      services: [{ name: api, port: http }]
    - match: PathPrefix(\`/\`)\n      priority: 0\n      services: [{ name: web2, port: 8080 }]`,
      ),
    ]);
    expect(traefik.routers.map((r) => [r.name, r.priority, r.service.label])).toEqual([
      [routeLabel('default', 'r', rule), 45, 'default-api-80@kubernetescrd'],
      [routeLabel('default', 'r', HOST), 7, 'default-api-http@kubernetescrd'],
      [routeLabel('default', 'r', 'PathPrefix(`/`)'), 15, 'default-web2-8080@kubernetescrd'],
    ]);
  });

  it('turns a route with two or more services into a weighted service named after the router (weight 1 by default, 0 kept)', () => {
    const { traefik } = compile([
      ingressRoute('split', `    - match: ${HOST}\n      services:\n        - { name: api, port: 80, weight: 3 }\n        - { name: web2, port: 8080 }\n        - { name: api, port: 81, weight: 0 }`),
    ]);
    const name = routeLabel('default', 'split', HOST);
    expect(traefik.routers.map((r) => [r.name, r.service])).toEqual([[name, { kind: 'traefik', label: name }]]);
    expect(traefik.services).toEqual([
      {
        type: 'weighted',
        label: name,
        children: [
          { ref: API_80, weight: 3 },
          { ref: { kind: 'service', service: 'default/web2', label: 'default-web2-8080@kubernetescrd' }, weight: 1 },
          { ref: { kind: 'service', service: 'default/api', label: 'default-api-81@kubernetescrd' }, weight: 0 },
        ],
        sticky: null,
      },
    ]);
  });

  it('collects the entrypoints of the IngressRoutes, and lets a route without entryPoints take any stream', () => {
    const spec = SPEC('[{ name: a, entryPoint: web, rate: 1 }, { name: b, entryPoint: internal, rate: 1 }]');
    const noEntryPoints = `apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: all }
spec:
  routes:
    - match: PathPrefix(\`/\`)
      services: [{ name: web2, port: 80 }]`;
    const { traefik } = compile([ingressRoute('front', `    - match: ${HOST}\n      services: [{ name: api, port: 80 }]`, '[web, websecure]'), noEntryPoints], spec);
    expect(traefik.entryPoints).toEqual(['internal', 'web', 'websecure']);
    expect(traefik.routers.map((r) => r.entryPoints)).toEqual([['web', 'websecure'], []]);
  });
});

describe('compileTraefik: TraefikServices', () => {
  it('compiles weighted and mirroring TraefikServices with their defaults, nested by reference', () => {
    const { traefik } = compile([
      traefikService('wrr', `  weighted:\n    services:\n      - { name: api, port: 80, weight: 9 }\n      - { name: mirror, kind: TraefikService }\n    sticky: { cookie: { name: lb } }`),
      traefikService('mirror', `  mirroring:\n    name: web2\n    port: 8080\n    mirrors:\n      - { name: api, port: 80, percent: 25 }\n      - { name: api, port: 81 }`),
      traefikService('mirror-small', `  mirroring:\n    name: wrr\n    kind: TraefikService\n    maxBodySize: 1024\n    mirrorBody: false\n    mirrors: [{ name: web2, port: 8080, percent: 100 }]`),
      ingressRoute('r', `    - match: ${HOST}\n      services: [{ name: mirror-small, kind: TraefikService, port: 80 }]`),
    ]);
    expect(traefik.routers.map((r) => r.service)).toEqual([{ kind: 'traefik', label: 'default-mirror-small@kubernetescrd' }]);
    const web2 = { kind: 'service', service: 'default/web2', label: 'default-web2-8080@kubernetescrd' };
    expect(traefik.services).toEqual([
      {
        type: 'weighted',
        label: 'default-wrr@kubernetescrd',
        children: [
          { ref: API_80, weight: 9 },
          { ref: { kind: 'traefik', label: 'default-mirror@kubernetescrd' }, weight: 1 },
        ],
        sticky: { cookie: 'lb' },
      },
      {
        type: 'mirroring',
        label: 'default-mirror@kubernetescrd',
        main: web2,
        mirrors: [
          { ref: API_80, percent: 25 },
          { ref: { kind: 'service', service: 'default/api', label: 'default-api-81@kubernetescrd' }, percent: 0 },
        ],
        maxBodySize: -1,
        mirrorBody: true,
      },
      {
        type: 'mirroring',
        label: 'default-mirror-small@kubernetescrd',
        main: { kind: 'traefik', label: 'default-wrr@kubernetescrd' },
        mirrors: [{ ref: web2, percent: 100 }],
        maxBodySize: 1024,
        mirrorBody: false,
      },
    ]);
  });

  it("adds Flagger's TraefikService <apex> for each Canary, honouring spec.service.name", () => {
    const named = canary('web2').replace('  service:\n    port: 80', '  service:\n    name: shop\n    port: 9898');
    const { traefik, warnings } = compile([
      canary('api'),
      named,
      ingressRoute('r', `    - match: ${HOST}\n      services: [{ name: api, kind: TraefikService }]\n    - match: Path(\`/shop\`)\n      services: [{ name: shop, kind: TraefikService }]`),
    ]);
    expect(warnings).toEqual([]);
    expect(traefik.routers.map((r) => r.service)).toEqual([
      { kind: 'traefik', label: 'default-api@kubernetescrd' },
      { kind: 'traefik', label: 'default-shop@kubernetescrd' },
    ]);
    const leaf = (svc: string, port: number) => ({ kind: 'service', service: `default/${svc}`, label: `default-${svc}-${port}@kubernetescrd` });
    expect(traefik.canaryRoutes).toEqual([
      { canary: 'default/api', label: 'default-api@kubernetescrd', primary: leaf('api-primary', 80), canaryLeaf: leaf('api-canary', 80) },
      { canary: 'default/web2', label: 'default-shop@kubernetescrd', primary: leaf('shop-primary', 9898), canaryLeaf: leaf('shop-canary', 9898) },
    ]);
    // Initialised: the primary alone, at weight 100.
    expect(traefik.services).toEqual([
      { type: 'weighted', label: 'default-api@kubernetescrd', children: [{ ref: leaf('api-primary', 80), weight: 100 }], sticky: null },
      { type: 'weighted', label: 'default-shop@kubernetescrd', children: [{ ref: leaf('shop-primary', 9898), weight: 100 }], sticky: null },
    ]);
  });

  it('warns about, and replaces, a TraefikService the team declares under the name Flagger manages', () => {
    const { traefik, warnings } = compile([
      canary('api'),
      traefikService('api', '  weighted:\n    services: [{ name: api-canary, port: 80, weight: 100 }]'),
      ingressRoute('r', `    - match: ${HOST}\n      services: [{ name: api, kind: TraefikService }]`),
    ]);
    expect(warnings).toEqual([
      'scenario.yaml:70:19: warning: metadata.name: TraefikService api is managed by Flagger for Canary api; this manifest is replaced, as Flagger would',
    ]);
    expect(traefik.services).toEqual([
      {
        type: 'weighted',
        label: 'default-api@kubernetescrd',
        children: [{ ref: { kind: 'service', service: 'default/api-primary', label: 'default-api-primary-80@kubernetescrd' }, weight: 100 }],
        sticky: null,
      },
    ]);
  });
});

describe('compileTraefik: middlewares', () => {
  it('applies the documented defaults and keeps the order of the route', () => {
    const { traefik, warnings } = compile([
      middleware('retry', '  retry: { attempts: 3 }'),
      middleware('cb', '  circuitBreaker: { expression: NetworkErrorRatio() > 0.5 }'),
      middleware('rl', '  rateLimit: { average: 100, burst: 0 }'),
      middleware('buf', '  buffering: {}'),
      ingressRoute('r', `    - match: ${HOST}\n      middlewares: [{ name: rl }, { name: cb }, { name: buf }, { name: retry, namespace: default }]\n      services: [{ name: api, port: 80 }]`),
    ]);
    expect(warnings).toEqual([]);
    expect(traefik.routers[0].middlewares).toEqual(['default-rl@kubernetescrd', 'default-cb@kubernetescrd', 'default-buf@kubernetescrd', 'default-retry@kubernetescrd']);
    expect(traefik.middlewares).toEqual([
      { type: 'retry', label: 'default-retry@kubernetescrd', attempts: 3, initialInterval: 0 },
      {
        type: 'circuitBreaker',
        label: 'default-cb@kubernetescrd',
        expression: 'NetworkErrorRatio() > 0.5',
        checkPeriod: 0.1,
        fallbackDuration: 10,
        recoveryDuration: 10,
        responseCode: 503,
      },
      { type: 'rateLimit', label: 'default-rl@kubernetescrd', average: 100, period: 1, burst: 1 },
      { type: 'buffering', label: 'default-buf@kubernetescrd', maxRequestBodyBytes: 0, maxResponseBodyBytes: 0 },
    ]);
  });

  it('reads durations as Go strings or whole seconds', () => {
    const { traefik } = compile([
      middleware('retry', '  retry: { attempts: 4, initialInterval: 100ms }'),
      middleware('cb', '  circuitBreaker:\n    expression: ResponseCodeRatio(500, 600, 0, 600) > 0.25\n    checkPeriod: 5\n    fallbackDuration: 1m\n    recoveryDuration: 1m30s\n    responseCode: 502'),
      middleware('rl', '  rateLimit: { average: 600, period: 1m, burst: 50 }'),
      middleware('buf', '  buffering: { maxRequestBodyBytes: 2048, maxResponseBodyBytes: 4096 }'),
      ingressRoute('r', `    - match: ${HOST}\n      middlewares: [{ name: retry }, { name: cb }, { name: rl }, { name: buf }]\n      services: [{ name: api, port: 80 }]`),
    ]);
    expect(traefik.middlewares).toEqual([
      { type: 'retry', label: 'default-retry@kubernetescrd', attempts: 4, initialInterval: 0.1 },
      {
        type: 'circuitBreaker',
        label: 'default-cb@kubernetescrd',
        expression: 'ResponseCodeRatio(500, 600, 0, 600) > 0.25',
        checkPeriod: 5,
        fallbackDuration: 60,
        recoveryDuration: 90,
        responseCode: 502,
      },
      { type: 'rateLimit', label: 'default-rl@kubernetescrd', average: 600, period: 60, burst: 50 },
      { type: 'buffering', label: 'default-buf@kubernetescrd', maxRequestBodyBytes: 2048, maxResponseBodyBytes: 4096 },
    ]);
  });

  it('normalizes Middleware names as the CRD provider does', () => {
    const { traefik } = compile([
      middleware('retry.twice', '  retry: { attempts: 2 }'),
      ingressRoute('r', `    - match: ${HOST}\n      middlewares: [{ name: retry.twice }]\n      services: [{ name: api, port: 80 }]`),
    ]);
    expect(traefik.routers[0].middlewares).toEqual(['default-retry-twice@kubernetescrd']);
    expect(traefik.middlewares.map((m) => m.label)).toEqual(['default-retry-twice@kubernetescrd']);
  });

  it('passes requests through a stripPrefix with a warning, and rejects an unknown type', () => {
    const strip = middleware('strip', '  stripPrefix: { prefixes: [/api] }');
    const route = ingressRoute('r', `    - match: ${HOST}\n      middlewares: [{ name: strip }]\n      services: [{ name: api, port: 80 }]`);
    const { traefik, warnings } = compile([strip, route]);
    expect(warnings).toEqual(['scenario.yaml:51:16: warning: spec.stripPrefix: stripPrefix does not change what the simulator models; requests pass through it unchanged']);
    expect(traefik.routers[0].middlewares).toEqual([]);
    expect(traefik.routers[0].service).toEqual(API_80);
    expect(traefik.middlewares).toEqual([]);

    const errors = failures(scenarioFile(SPEC(), deployment('api'), deployment('web2'), strip.replace('stripPrefix', 'stripPrefixes'), route));
    expect(errors).toEqual([
      'scenario.yaml:51:3: spec.stripPrefixes: unknown middleware type stripPrefixes (did you mean stripPrefix?); expected one of retry, circuitBreaker, rateLimit, buffering, addPrefix, stripPrefix, stripPrefixRegex, replacePath, replacePathRegex, headers, compress, contentType, passTLSClientCert, grpcWeb, redirectScheme, redirectRegex, basicAuth, digestAuth, forwardAuth, ipWhiteList, ipAllowList, inFlightReq, errors, chain, plugin',
    ]);
  });

  it('reads only the fields it simulates: ignored fields warn, v3.7 retry options and unknown fields are errors', () => {
    const route = (name: string) => ingressRoute('r', `    - match: ${HOST}\n      middlewares: [{ name: ${name} }]\n      services: [{ name: api, port: 80 }]`);
    const rl = compile([middleware('rl', '  rateLimit: { average: 5, sourceCriterion: { requestHost: true } }'), route('rl')]);
    expect(rl.warnings).toEqual(['scenario.yaml:51:45: warning: spec.rateLimit.sourceCriterion: sourceCriterion is ignored: the simulator limits per simulated client (its remote address)']);
    expect(rl.traefik.middlewares).toEqual([{ type: 'rateLimit', label: 'default-rl@kubernetescrd', average: 5, period: 1, burst: 1 }]);
    const errors = failures(scenarioFile(SPEC(), deployment('api'), deployment('web2'), middleware('rt', '  retry: { attempts: 3, status: ["500-599"] }'), route('rt')));
    expect(errors).toEqual([
      "scenario.yaml:51:25: spec.retry.status: status is not simulated: a Traefik v3.7 option (status-based retries) the simulator does not model; retries happen only when nothing reached the backend",
    ]);
    const typo = failures(scenarioFile(SPEC(), deployment('api'), deployment('web2'), middleware('cb', '  circuitBreaker: { expression: "NetworkErrorRatio() > 0.5", fallbackDurations: 5s }'), route('cb')));
    expect(typo).toEqual([
      'scenario.yaml:51:62: spec.circuitBreaker.fallbackDurations: unknown field fallbackDurations of circuitBreaker (did you mean fallbackDuration?); the simulator reads expression, checkPeriod, fallbackDuration, recoveryDuration, responseCode',
    ]);
  });

  it('keeps oxy defaults for breaker durations and code written as 0, as Traefik passes only positive values', () => {
    const { traefik } = compile([
      middleware('cb', '  circuitBreaker: { expression: "NetworkErrorRatio() > 0.5", checkPeriod: 0, fallbackDuration: 0s, recoveryDuration: 3s, responseCode: 0 }'),
      ingressRoute('r', `    - match: ${HOST}\n      middlewares: [{ name: cb }]\n      services: [{ name: api, port: 80 }]`),
    ]);
    expect(traefik.middlewares[0]).toMatchObject({ checkPeriod: 0.1, fallbackDuration: 10, recoveryDuration: 3, responseCode: 503 });
  });

  it('says what Traefik would do for a middleware type that changes responses but is not simulated', () => {
    const { warnings } = compile([
      middleware('limit', '  inFlightReq: { amount: 10 }'),
      ingressRoute('r', `    - match: ${HOST}\n      middlewares: [{ name: limit }]\n      services: [{ name: api, port: 80 }]`),
    ]);
    expect(warnings).toEqual(['scenario.yaml:51:16: warning: spec.inFlightReq: inFlightReq is not simulated: requests pass through it unchanged (Traefik answers requests beyond the limit with 429)']);
  });
});

describe('the shared example manifests (reference §7)', () => {
  const dir = 'test/fixtures/examples';
  const files = readdirSync(resolve(repoRoot, dir)).filter((f) => f.endsWith('.yaml'));
  const read = (name: string) => readFileSync(resolve(repoRoot, dir, name), 'utf8');

  /** Pods labelled as the fixtures' Services select them (app: traefiklabs, task: <name>). */
  const whoami = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: default }
spec:
  selector: { matchLabels: { app: traefiklabs, task: ${name} } }
  template: { metadata: { labels: { app: traefiklabs, task: ${name} } } }`;
  const behaviour = (names: string[]) => names.map((n) => `  ${n}: { latency: { p50: 1ms, p99: 5ms } }`).join('\n');
  /** A scenario including the example, with Deployments `names` (whoami-labelled unless given) and a stream to foo.com/foo. */
  const around = (example: string, names: string[], deployments = names.map(whoami)) => {
    const spec = `duration: 1m
include: [examples/${example}]
traffic: [{ name: foo, entryPoint: web, host: foo.com, path: /foo/bar, rate: 1 }]
services:
${behaviour(names)}`;
    return { ...scenarioFile(spec, ...deployments), [`examples/${example}`]: read(example) };
  };
  const ROUTE = 'default-test-route-77c62dfe9517144aeeaa@kubernetescrd';
  const leaf = (name: string, port: number) => ({ kind: 'service', service: `default/${name}`, label: `default-${name}-${port}@kubernetescrd` });

  it('holds the four files', () => {
    expect(files).toEqual([
      '01-flagger-docs-traefik-tutorial.yaml',
      '03a-traefik-fixture-weighted-traefikservice.yaml',
      '03b-traefik-fixture-mirroring-traefikservice.yaml',
      '03c-traefik-fixture-ingressroute-weighted-services.yaml',
    ]);
  });

  it.each(files)('%s validates without errors', (name) => {
    const r = validateManifestFile(`${dir}/${name}`, repoHost);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual([]);
    expect(r.manifests).toBe({ '01': 3, '03a': 7, '03b': 4, '03c': 1 }[name.slice(0, 3).replace('-', '')]);
  });

  it('03a: a route over two weighted TraefikServices (a nested WRR)', () => {
    const s = mustLoad(around('03a-traefik-fixture-weighted-traefikservice.yaml', ['whoami4', 'whoami5', 'whoami6', 'whoami7']));
    const t = s.world.traefik as TraefikSpec;
    expect(t.routers.map((r) => [r.name, r.priority, r.entryPoints, r.service])).toEqual([[ROUTE, 12, ['web'], { kind: 'traefik', label: ROUTE }]]);
    expect(t.services).toEqual([
      { type: 'weighted', label: 'default-wrr1@kubernetescrd', children: [{ ref: leaf('whoami4', 80), weight: 1 }, { ref: leaf('whoami5', 8080), weight: 1 }], sticky: null },
      { type: 'weighted', label: 'default-wrr2@kubernetescrd', children: [{ ref: leaf('whoami6', 80), weight: 1 }, { ref: leaf('whoami7', 8080), weight: 1 }], sticky: null },
      {
        type: 'weighted',
        label: ROUTE,
        children: [
          { ref: { kind: 'traefik', label: 'default-wrr1@kubernetescrd' }, weight: 1 },
          { ref: { kind: 'traefik', label: 'default-wrr2@kubernetescrd' }, weight: 1 },
        ],
        sticky: null,
      },
    ]);
  });

  it('03b: a route to a mirroring TraefikService (mirror at 50%)', () => {
    const s = mustLoad(around('03b-traefik-fixture-mirroring-traefikservice.yaml', ['whoami4', 'whoami5']));
    const t = s.world.traefik as TraefikSpec;
    expect(t.routers.map((r) => [r.name, r.priority, r.service])).toEqual([[ROUTE, 12, { kind: 'traefik', label: 'default-mirror1@kubernetescrd' }]]);
    expect(t.services).toEqual([
      { type: 'mirroring', label: 'default-mirror1@kubernetescrd', main: leaf('whoami5', 8080), mirrors: [{ ref: leaf('whoami4', 8080), percent: 50 }], maxBodySize: -1, mirrorBody: true },
    ]);
  });

  it('03c: a route with two weighted Services (10 and 0) becomes an implicit WRR', () => {
    const s = mustLoad(around('03c-traefik-fixture-ingressroute-weighted-services.yaml', ['whoami', 'whoami2'], [deployment('whoami'), deployment('whoami2')]));
    const t = s.world.traefik as TraefikSpec;
    expect(t.routers.map((r) => [r.name, r.priority, r.service])).toEqual([[ROUTE, 12, { kind: 'traefik', label: ROUTE }]]);
    expect(t.services).toEqual([
      { type: 'weighted', label: ROUTE, children: [{ ref: leaf('whoami', 80), weight: 10 }, { ref: leaf('whoami2', 8080), weight: 0 }], sticky: null },
    ]);
  });

  it("01: the Flagger tutorial routes to Flagger's TraefikService test-podinfo", () => {
    const spec = `duration: 1m
include: [examples/01.yaml]
traffic: [{ name: web, entryPoint: web, host: app.example.com, rate: 1 }]
services:
  podinfo: { latency: { p50: 1ms, p99: 5ms } }`;
    const s = mustLoad({ ...scenarioFile(spec, deployment('podinfo', 2, 'test')), 'examples/01.yaml': read('01-flagger-docs-traefik-tutorial.yaml') });
    const t = s.world.traefik as TraefikSpec;
    expect(t.routers.map((r) => [r.name, r.priority, r.service])).toEqual([
      ['test-podinfo-ead48400e2fed159e4c5@kubernetescrd', 23, { kind: 'traefik', label: 'test-podinfo@kubernetescrd' }],
    ]);
    const leafT = (name: string) => ({ kind: 'service', service: `test/${name}`, label: `test-${name}-80@kubernetescrd` });
    expect(t.canaryRoutes).toEqual([{ canary: 'test/podinfo', label: 'test-podinfo@kubernetescrd', primary: leafT('podinfo-primary'), canaryLeaf: leafT('podinfo-canary') }]);
    expect(t.services).toEqual([{ type: 'weighted', label: 'test-podinfo@kubernetescrd', children: [{ ref: leafT('podinfo-primary'), weight: 100 }], sticky: null }]);
    // Nothing about routing; Flagger's compiler says what of the tutorial it cannot honour.
    expect(s.warnings.map((d) => `${d.path}: ${d.message.split(':')[0]}`)).toEqual([
      'spec.provider.address: provider.address http',
      'spec.autoscalerRef: autoscalerRef is ignored',
      'spec.analysis.webhooks[1].metadata.cmd: traefik.traefik is not a Service of this scenario',
    ]);
    // The tutorial's load test (hey -z 10m -q 10 -c 2 -host app.example.com http://traefik.traefik) comes in through Traefik.
    const load = s.world.streams.find((x) => x.loadTest);
    expect(load?.ingress).toMatchObject({ entryPoint: 'web', request: { host: 'app.example.com', path: '/', method: 'GET' } });
    expect(s.flagger?.loadTests).toEqual([{ canary: 'test/podinfo', hook: 'load-test', stream: 1, rate: 20, duration: 600 }]);
  });
});

describe('the default scenario', () => {
  it('compiles its Traefik configuration without warnings', () => {
    const r = loadScenario('scenarios/default.yaml', repoHost);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.scenario.world.traefik?.routers.length).toBe(2);
  });
});

describe('compileTraefik: errors, located in their manifest', () => {
  /** The diagnostics of scenario.yaml with Deployments api and web2 and these manifests (the first one starts at line 47). */
  const diagnose = (manifests: string[], spec = SPEC()) => failures(scenarioFile(spec, deployment('api'), deployment('web2'), ...manifests));
  const route = (services: string, more = '') => ingressRoute('r', `    - match: ${HOST}${more}\n      services: ${services}`);

  it('reports a rule with an unknown matcher, with its column in the rule', () => {
    expect(diagnose([ingressRoute('r', '    - match: Host(`a.example.com`) && Paht(`/x`)\n      services: [{ name: api, port: 80 }]')])).toEqual([
      'scenario.yaml:53:14: spec.routes[0].match: unknown matcher "Paht" at column 26 of the rule; expected one of Host, HostRegexp, Method, Path, PathPrefix, PathRegexp, Header, HeaderRegexp, Query, QueryRegexp, ClientIP; did you mean "Path"?',
    ]);
  });

  it('reports a route to a missing Service', () => {
    expect(diagnose([route('[{ name: apii, port: 80 }]')])).toEqual([
      'scenario.yaml:54:26: spec.routes[0].services[0].name: no Kubernetes Service apii in namespace default (did you mean api?); known: default/api, default/web2',
    ]);
  });

  it('reports a Service reference without a port', () => {
    expect(diagnose([route('[{ name: api }]')])).toEqual([
      'scenario.yaml:54:18: spec.routes[0].services[0].port: expected the port of Service api: Traefik needs it to find the endpoints',
    ]);
  });

  it('reports a missing TraefikService', () => {
    expect(diagnose([canary('api'), route('[{ name: ap, kind: TraefikService }]')])).toEqual([
      'scenario.yaml:75:26: spec.routes[0].services[0].name: no TraefikService ap in namespace default (did you mean api?); TraefikServices there: api (Flagger creates one named after each Canary\'s service)',
    ]);
  });

  it('reports a missing Middleware', () => {
    expect(diagnose([middleware('retry', '  retry: { attempts: 2 }'), route('[{ name: api, port: 80 }]', '\n      middlewares: [{ name: retyr }]')])).toEqual([
      'scenario.yaml:60:29: spec.routes[0].middlewares[0].name: no Middleware retyr in namespace default (did you mean retry?); Middlewares there: retry',
    ]);
  });

  it('reports a reference to a Middleware of another provider', () => {
    expect(diagnose([route('[{ name: api, port: 80 }]', '\n      middlewares: [{ name: compress@file }]')])).toEqual([
      'scenario.yaml:54:29: spec.routes[0].middlewares[0].name: references to other providers (compress@file) are not simulated; reference a Middleware of this scenario',
    ]);
  });

  it('warns about a cross-namespace Middleware reference', () => {
    const other = middleware('retry', '  retry: { attempts: 2 }').replace('namespace: default', 'namespace: ops');
    const { traefik, warnings } = compile([other, route('[{ name: api, port: 80 }]', '\n      middlewares: [{ name: retry, namespace: ops }]')]);
    expect(warnings).toEqual([
      "scenario.yaml:60:47: warning: spec.routes[0].middlewares[0].namespace: a cross-namespace reference needs Traefik's allowCrossNamespace option; the simulator assumes it is enabled",
    ]);
    expect(traefik.routers[0].middlewares).toEqual(['ops-retry@kubernetescrd']);
  });

  it('reports a breaker expression using RequestThreshold(), once', () => {
    expect(diagnose([middleware('cb', '  circuitBreaker:\n    expression: RequestThreshold() > 10 && NetworkErrorRatio() > 0.5'), route('[{ name: api, port: 80 }]', '\n      middlewares: [{ name: cb }]')])).toEqual([
      'scenario.yaml:52:17: spec.circuitBreaker.expression: unsupported function: RequestThreshold() (only in Traefik master / oxy v2.2.0, not in Traefik <= v3.7.9); supported functions: NetworkErrorRatio(), ResponseCodeRatio(from, to, dividedByFrom, dividedByTo), LatencyAtQuantileMS(quantile) (column 1 of the expression)',
    ]);
  });

  it('reports a failover TraefikService as not simulated', () => {
    expect(diagnose([traefikService('fo', '  failover:\n    service: { name: api, port: 80 }\n    fallback: { name: web2, port: 80 }'), route('[{ name: fo, kind: TraefikService }]')])).toEqual([
      'scenario.yaml:51:3: spec.failover: failover TraefikServices are not simulated (weighted and mirroring are)',
    ]);
  });

  it('reports a Middleware with two types, once', () => {
    expect(diagnose([middleware('two', '  retry: { attempts: 2 }\n  rateLimit: { average: 10 }'), route('[{ name: api, port: 80 }]', '\n      middlewares: [{ name: two }]')])).toEqual([
      'scenario.yaml:51:3: spec: expected exactly one middleware type per Middleware, found retry and rateLimit: declare one Middleware for each',
    ]);
  });

  it('reports a stream entryPoint no IngressRoute listens on', () => {
    expect(diagnose([route('[{ name: api, port: 80 }]')], SPEC('[{ name: t, entryPoint: websecure, rate: 1 }]'))).toEqual([
      'scenario.yaml:7:36: spec.traffic[0].entryPoint: no IngressRoute listens on entrypoint websecure (their entryPoints: web)',
    ]);
  });

  it('reports a stream with both target and entryPoint, and one with neither', () => {
    expect(diagnose([route('[{ name: api, port: 80 }]')], SPEC('[{ name: a, target: api, entryPoint: web, rate: 1 }, { name: b, rate: 1 }]'))).toEqual([
      'scenario.yaml:7:49: spec.traffic[0].entryPoint: expected target or entryPoint, not both: a stream either calls a Service in-cluster or comes in through Traefik',
      'scenario.yaml:7:65: spec.traffic[1].target: expected either target (a Kubernetes Service called in-cluster) or entryPoint (a Traefik entrypoint the requests come in through)',
    ]);
  });

  it('reports a mirror percent above 100', () => {
    expect(diagnose([traefikService('m', '  mirroring:\n    name: api\n    port: 80\n    mirrors: [{ name: web2, port: 80, percent: 150 }]'), route('[{ name: m, kind: TraefikService }]')])).toEqual([
      'scenario.yaml:54:48: spec.mirroring.mirrors[0].percent: expected the mirror percent between 0 and 100',
    ]);
  });

  it('reports a duration in fractional seconds (the CRD field is int-or-string)', () => {
    expect(diagnose([middleware('cb', '  circuitBreaker: { expression: NetworkErrorRatio() > 0.5, checkPeriod: 1.5 }'), route('[{ name: api, port: 80 }]')])).toEqual([
      'scenario.yaml:51:73: spec.circuitBreaker.checkPeriod: expected the check period as a Go duration (e.g. 10s) or a whole number of seconds, found number 1.5',
    ]);
  });
});
