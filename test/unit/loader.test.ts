import { routeLabel } from '../../simulation/routing/names';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from '../../simulation/scenario/json-schema';
import { loadScenario } from '../../simulation/scenario/loader';
import { canary, deployment, loadFromFiles, mustLoad, repoHost, repoRoot, scenarioFile } from '../support/scenario';


describe('scenario loader', () => {
  it('builds the topology Flagger sets up for the default scenario', () => {
    const r = loadScenario('scenarios/default.yaml', repoHost);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { world, duration, seed } = r.scenario;
    expect({ duration, seed }).toEqual({ duration: 1800, seed: 42 });
    expect(world.workloads.map((w) => [w.name, w.version, w.replicas, w.labels.app])).toEqual([
      ['frontend', 'primary', 3, 'frontend'],
      ['backend-primary', 'primary', 2, 'backend-primary'],
      ['backend', 'canary', 0, 'backend'],
    ]);
    const svc = Object.fromEntries(world.services.map((s) => [`${s.namespace}/${s.name}`, [s.origin, s.selector.app]]));
    expect(svc).toEqual({
      'shop/backend': ['flagger', 'backend-primary'],
      'shop/backend-primary': ['flagger', 'backend-primary'],
      'shop/backend-canary': ['flagger', 'backend'],
      'shop/frontend': ['manifest', 'frontend'],
    });
    expect(world.scaleEvents).toEqual([{ at: 300, workload: 'backend', replicas: 2, reason: 'new revision deployed', deploy: true }]);
    expect(world.streams.map((s) => s.target)).toEqual([null, null, 'shop/backend-canary']);
    expect(world.streams[1].ingress).toEqual({
      entryPoint: 'websecure',
      request: { host: 'app.example.com', path: '/api/orders', method: 'GET', headers: {}, query: {}, clientIP: '203.0.113.10' },
      clients: 2000,
      requestBytes: 0,
    });
    // Traefik as the CRD provider builds it, with the TraefikService Flagger manages.
    const traefik = world.traefik;
    expect(traefik?.replicas).toBe(2);
    expect(traefik?.entryPoints).toEqual(['websecure']);
    expect(traefik?.routers.map((r) => [r.name, r.priority, r.service])).toEqual([
      [routeLabel('shop', 'shop', 'Host(`app.example.com`) && PathPrefix(`/api`)'), 45, { kind: 'traefik', label: 'shop-backend@kubernetescrd' }],
      [routeLabel('shop', 'shop', 'Host(`app.example.com`)'), 23, { kind: 'service', service: 'shop/frontend', label: 'shop-frontend-80@kubernetescrd' }],
    ]);
    expect(traefik?.canaryRoutes).toEqual([
      {
        canary: 'shop/backend',
        label: 'shop-backend@kubernetescrd',
        primary: { kind: 'service', service: 'shop/backend-primary', label: 'shop-backend-primary-80@kubernetescrd' },
        canaryLeaf: { kind: 'service', service: 'shop/backend-canary', label: 'shop-backend-canary-80@kubernetescrd' },
      },
    ]);
    expect(traefik?.metrics.buckets).toEqual([0.1, 0.3, 1.2, 5]);
    // A dependency by short name resolves in the caller's namespace.
    expect(world.apps.find((a) => a.name === 'frontend')?.primary.dependencies[0]).toMatchObject({ service: 'shop/backend', calls: 2, timeout: 2, failurePropagation: 0.8, failureStatus: 502 });
    // The canary overrides latency and errors, and inherits the rest.
    const backend = world.apps.find((a) => a.name === 'backend');
    expect(backend?.canary.latency).toEqual({ distribution: 'lognormal', p50: 0.028, p99: 0.24 });
    expect(backend?.canary.statusCodes).toEqual([{ code: 500, probability: 0.003 }]);
    expect(backend?.queueTimeout).toBe(3);
    expect(r.scenario.manifests.map((m) => m.kind)).toEqual(['Deployment', 'Service', 'Deployment', 'IngressRoute', 'Canary']);
  });

  it('reads manifests the same inline or included', () => {
    const spec = `duration: 1m
include: [k8s/app.yaml]
traffic: [{ name: t, target: api, rate: 5 }]
services:
  api: { latency: { p50: 1ms, p99: 5ms } }`;
    const included = { ...scenarioFile(spec), 'k8s/app.yaml': [deployment('api', 2), canary('api')].join('\n---\n') };
    const inline = scenarioFile(spec.replace('include: [k8s/app.yaml]\n', ''), deployment('api', 2), canary('api'));
    expect(mustLoad(included).world).toEqual(mustLoad(inline).world);
  });

  it('applies the documented defaults', () => {
    const s = mustLoad(scenarioFile(`duration: 1m
traffic: [{ name: t, target: api, rate: 5 }]
services:
  api: { latency: { p50: 1ms, p99: 5ms } }`, deployment('api')));
    expect(s.seed).toBe(1);
    expect(s.world.recordInterval).toBe(15);
    expect(s.world.streams[0]).toMatchObject({ timeout: Infinity, overdispersion: null, rate: { base: { profile: 'constant', rate: 5 }, bursts: [] } });
    expect(s.world.apps[0]).toMatchObject({ concurrency: 16, queueTimeout: Infinity, startupTime: 10, terminationGracePeriod: 30, restartDelay: 10 });
    // An implicit Service per Deployment without one.
    expect(s.world.services).toEqual([{ name: 'api', namespace: 'default', selector: { app: 'api' }, origin: 'implicit' }]);
  });

  it('replaces a manifest Service that Flagger generates, with a warning', () => {
    const svc = `apiVersion: v1
kind: Service
metadata: { name: api-canary }
spec: { selector: { app: something-else } }`;
    const r = loadFromFiles(scenarioFile(`duration: 1m
traffic: [{ name: t, target: api, rate: 5 }]
services:
  api: { latency: { p50: 1ms, p99: 5ms } }`, deployment('api'), canary('api'), svc));
    expect(r.ok).toBe(true);
    expect(r.diagnostics.map((d) => d.message)).toContainEqual(expect.stringMatching(/Service api-canary is generated by Flagger for Canary api/));
  });

  it('reports every error at once', () => {
    const r = loadFromFiles(scenarioFile(`duration: 0s
traffic: [{ name: t, target: api, rate: -1 }]
services:
  api: { concurrency: 1.5, latency: { p50: 1ms, p99: 5ms } }`));
    expect(r.ok).toBe(false);
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.path)).toEqual(['spec.duration', 'spec.traffic[0].rate.rate', 'spec.services.api.concurrency']);
  });

  it('publishes an up-to-date JSON Schema in docs/', () => {
    const published = JSON.parse(readFileSync(resolve(repoRoot, 'docs/scenario.schema.json'), 'utf8'));
    expect(published).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
    expect(published.properties.spec.required).toEqual(['duration', 'traffic', 'services']);
  });
});
