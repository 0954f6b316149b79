import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadedScenario, type LoadResult, loadScenario, type ScenarioHost } from '../../simulation/scenario/loader';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Reads files relative to the repository root (as the CLI does from a checkout). */
export const repoHost: ScenarioHost = {
  readFile(p) {
    try {
      return readFileSync(resolve(repoRoot, p), 'utf8');
    } catch {
      return null;
    }
  },
};

/** Loads a scenario from in-memory files (path → text). */
export function loadFromFiles(files: Record<string, string>, entry = 'scenario.yaml'): LoadResult {
  return loadScenario(entry, { readFile: (p) => files[p] ?? null });
}

/** Loads or throws with every diagnostic formatted. */
export function mustLoad(files: Record<string, string>, entry = 'scenario.yaml'): LoadedScenario {
  const r = loadFromFiles(files, entry);
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.scenario;
}

export const deployment = (name: string, replicas = 1, namespace = 'default') => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
`;

export const canary = (name: string, namespace = 'default') => `
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  provider: traefik
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${name}
  service:
    port: 80
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
`;

/** A scenario document followed by manifests, joined as one multi-document file. */
export function scenarioFile(spec: string, ...manifests: string[]): Record<string, string> {
  const doc = `apiVersion: gameday.dev/v1alpha1
kind: Scenario
metadata:
  name: test
spec:
${spec
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;
  return { 'scenario.yaml': [doc, ...manifests].join('\n---\n') };
}

/** A Traefik Canary `name` (namespace default) on Deployment `name`, with the given analysis (YAML lines under `analysis:`, indented 4). */
export const traefikCanary = (name: string, analysis: string, service = '') => `apiVersion: flagger.app/v1beta1
kind: Canary
metadata: { name: ${name}, namespace: default }
spec:
  provider: traefik
  targetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  service: { port: 80${service ? `, name: ${service}` : ''} }
  analysis:
${analysis}`;

/** An IngressRoute on entrypoint web sending Host(`host`) to Flagger's TraefikService `service`. */
export const ingressToTraefikService = (name: string, host: string, service: string) => `apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: ${name}, namespace: default }
spec:
  entryPoints: [web]
  routes:
    - match: Host(\`${host}\`)
      kind: Rule
      services: [{ name: ${service}, kind: TraefikService, port: 80 }]`;

/**
 * The rollout most tests need: Deployment `api` with `replicas`, a Traefik Canary on it with the given analysis,
 * and an IngressRoute sending Host(`api.example.com`) on entrypoint web to Flagger's TraefikService.
 */
export const apiCanaryScenario = (spec: string, analysis: string, replicas = 2) =>
  mustLoad(scenarioFile(spec, deployment('api', replicas), traefikCanary('api', analysis), ingressToTraefikService('api', 'api.example.com', 'api')));

/**
 * Deployment `api` (two replicas) behind its Service and an IngressRoute: Host(`api.example.com`) on entrypoint
 * web straight to the Service (no Canary). `spec` is the Scenario's spec: traffic, services, faults, SLOs.
 */
export const apiBehindTraefikScenario = (spec: string) =>
  mustLoad(
    scenarioFile(
      spec,
      deployment('api', 2),
      `apiVersion: v1
kind: Service
metadata: { name: api, namespace: default }
spec:
  ports: [{ name: http, port: 80 }]
  selector: { app: api }`,
      `apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: api, namespace: default }
spec:
  entryPoints: [web]
  routes:
    - match: Host(\`api.example.com\`)
      kind: Rule
      services: [{ name: api, port: 80 }]`,
    ),
  );

/**
 * api behind Traefik at 20 requests/s with no errors of its own, an http-abort of its responses (`fault`: the
 * fault's schedule and parameters, e.g. "at: 6m\n    for: 2m\n    code: 500\n    percent: 100") and one
 * availability SLO on Traefik's counters (`slo`: its objective and other fields), rules evaluated every 30 s.
 */
export const apiAbortSloScenario = (duration: string, fault: string, slo: string) =>
  apiBehindTraefikScenario(`duration: ${duration}
telemetry: { scrapeInterval: 15s }
traffic:
  - { name: web, entryPoint: web, host: api.example.com, rate: 20 }
services:
  api:
    concurrency: 64
    latency: { p50: 10ms, p99: 40ms }
faults:
  - name: aborts
    type: http-abort
    target: { service: api, version: primary }
    ${fault}
slos:
  - name: availability
    service: api
    ${slo}
    alerting: { evaluationInterval: 30s }
    indicator:
      ratio:
        bad: traefik_service_requests_total{code=~"5.."}
        total: traefik_service_requests_total`);
