import { describe, expect, it } from 'vitest';
import { harness, leaf, router, stream, ts } from '../support/proxy';

const canaryRoute = { canary: 'test/podinfo', label: 'test-podinfo@kubernetescrd', primary: leaf('podinfo-primary'), canaryLeaf: leaf('podinfo-canary') };
const flaggerPods = { 'test/podinfo-primary': { ready: [1] }, 'test/podinfo-canary': { ready: [2] } };
const flagger = (over: Partial<Parameters<typeof harness>[0]> = {}) =>
  harness({ routers: [router(ts('podinfo'))], canaryRoutes: [canaryRoute], pods: flaggerPods, ...over });

/** 1-based positions of dispatches to `pod`. */
const positions = (dispatched: number[], pod: number) => dispatched.flatMap((p, i) => (p === pod ? [i + 1] : []));

describe('Flagger-managed TraefikService through the proxy', () => {
  it('splits 90/10 exactly as the EDF reference: canary at requests 9 and 20 after the weights apply', () => {
    const h = flagger();
    h.proxy.setRoutes('test/podinfo', 90, 10);
    h.to(2); // the first apply was at 0; the next may not come before 2 s
    h.state.dispatched.length = 0;
    h.send(40);
    expect(positions(h.state.dispatched, 2)).toEqual([9, 20, 30, 39]);
  });

  it('leaves the canary out of the TraefikService at weight 0 (Flagger SetRoutes), so it gets nothing', () => {
    const h = flagger();
    h.send(50);
    expect(positions(h.state.dispatched, 2)).toEqual([]);
    expect(h.serviceCounts()).toEqual({ 'test-podinfo-primary-80@kubernetescrd 200': 50 });
  });

  it('throttles configuration applies to 2 s apart, the latest state winning, and skips unchanged configurations', () => {
    const h = flagger();
    h.to(0.5);
    h.proxy.setRoutes('test/podinfo', 90, 10);
    h.to(1);
    h.proxy.setRoutes('test/podinfo', 80, 20);
    h.to(1.5);
    expect(h.proxy.applies.map((a) => a.t)).toEqual([0]);
    h.to(2);
    expect(h.proxy.applies.map((a) => [a.t, a.applied])).toEqual([
      [0, true],
      [2, true],
    ]);
    h.state.dispatched.length = 0;
    h.send(10);
    expect(positions(h.state.dispatched, 2)).toEqual([4, 10]); // 80/20, as the reference's table
    // Back and forth within the throttle window: the applied state is unchanged, so nothing resets.
    h.proxy.setRoutes('test/podinfo', 50, 50);
    h.proxy.setRoutes('test/podinfo', 80, 20);
    h.to(h.kernel.now + 3);
    expect(h.proxy.applies.at(-1)?.applied).toBe(false);
  });

  it('rebuilds the schedule from scratch on every apply (the higher weight first again)', () => {
    const h = flagger();
    h.proxy.setRoutes('test/podinfo', 95, 5);
    h.to(2);
    h.state.dispatched.length = 0;
    h.send(15);
    expect(positions(h.state.dispatched, 2)).toEqual([]);
    // An endpoint change (a second primary pod) rebuilds everything: the canary's deadline restarts.
    h.state.pods['test/podinfo-primary'] = { ready: [1, 3] };
    h.proxy.configChanged();
    h.to(h.kernel.now + 2);
    h.state.dispatched.length = 0;
    h.send(40);
    expect(positions(h.state.dispatched, 2)).toEqual([19, 40]);
  });

  it('keeps one schedule per Traefik replica', () => {
    const h = flagger({ replicas: 3 });
    expect(h.proxy.replicas).toHaveLength(3);
    h.proxy.setRoutes('test/podinfo', 50, 50);
    h.to(2);
    h.send(600);
    const canary = h.state.dispatched.filter((p) => p === 2).length;
    // Each replica alternates; replicas are chosen at random, so the total is near, not exactly, half.
    expect(canary).toBeGreaterThan(260);
    expect(canary).toBeLessThan(340);
    expect(h.proxy.applies.filter((a) => a.applied)).toHaveLength(2);
  });

  it('fails the whole TraefikService when a child Service has no endpoints: 404 at the entrypoint, nothing in service metrics', () => {
    const h = flagger({ pods: { 'test/podinfo-primary': { ready: [1] }, 'test/podinfo-canary': { ready: [] } } });
    h.proxy.setRoutes('test/podinfo', 90, 10);
    h.to(2);
    h.send(10);
    expect(h.state.client).toEqual([...Array(10).fill(404)]);
    expect(h.entryPointCounts()).toEqual({ '404': 10 });
    expect(h.serviceCounts()).toEqual({});
    expect(h.proxy.applies.at(-1)?.errors[0]).toMatch(/no servers found for test\/podinfo-canary/);
  });

  it('with allowEmptyServices the empty child answers 503 for its share, outside service metrics', () => {
    const h = flagger({ allowEmptyServices: true, pods: { 'test/podinfo-primary': { ready: [1] }, 'test/podinfo-canary': { ready: [] } } });
    h.proxy.setRoutes('test/podinfo', 90, 10);
    h.to(2);
    h.send(20);
    expect(h.state.client.filter((c) => c === 503)).toHaveLength(2);
    expect(h.entryPointCounts()).toEqual({ '200': 18, '503': 2 });
    expect(h.serviceCounts()).toEqual({ 'test-podinfo-primary-80@kubernetescrd 200': 18 });
  });
});

describe('servers load balancer', () => {
  it('serves every ready pod once per round and fences terminating pods', () => {
    const h = harness({ routers: [router(leaf('web'))], pods: { 'test/web': { ready: [1, 2, 3], terminating: [4] } } });
    h.send(9);
    const rounds = [h.state.dispatched.slice(0, 3), h.state.dispatched.slice(3, 6), h.state.dispatched.slice(6, 9)];
    for (const r of rounds) expect([...r].sort()).toEqual([1, 2, 3]);
  });

  it('sends to a pod that left since the last apply: connection refused gives 502 in service metrics', () => {
    const h = harness({ routers: [router(leaf('web'))], pods: { 'test/web': { ready: [1, 2] } } });
    h.state.refused.add(2);
    h.send(4);
    expect(h.state.client.sort()).toEqual([200, 200, 502, 502]);
    expect(h.serviceCounts()).toEqual({ 'test-web-80@kubernetescrd 200': 2, 'test-web-80@kubernetescrd 502': 2 });
  });
});

describe('routers', () => {
  it('matches by rule and priority; unmatched requests get 404 at the entrypoint only', () => {
    const h = harness({
      routers: [
        router(leaf('web'), { name: 'a', rule: 'Host(`app.example.com`)', priority: 24 }),
        router(leaf('api'), { name: 'b', rule: 'Host(`app.example.com`) && PathPrefix(`/api`)', priority: 47 }),
      ],
      pods: { 'test/web': { ready: [1] }, 'test/api': { ready: [2] } },
      streams: [stream({ request: { ...stream().request, path: '/api/x' } }), stream(), stream({ request: { ...stream().request, host: 'other.example.com' } })],
    });
    h.send(2, 0);
    h.send(3, 1);
    h.send(4, 2);
    expect(h.state.dispatched).toEqual([2, 2, 1, 1, 1]);
    expect(h.entryPointCounts()).toEqual({ '200': 5, '404': 4 });
  });
});

describe('middlewares', () => {
  it('retries a refused connection on a fresh pick; each attempt shows in service metrics', () => {
    const h = harness({
      routers: [router(leaf('web'), { middlewares: ['test-retry@kubernetescrd'] })],
      middlewares: [{ type: 'retry', label: 'test-retry@kubernetescrd', attempts: 3, initialInterval: 0 }],
      pods: { 'test/web': { ready: [1, 2] } },
    });
    h.state.refused.add(2);
    h.send(10);
    expect(h.state.client).toEqual(Array(10).fill(200));
    const counts = h.serviceCounts();
    expect(counts['test-web-80@kubernetescrd 200']).toBe(10);
    expect(counts['test-web-80@kubernetescrd 502']).toBeGreaterThanOrEqual(4);
    expect(h.entryPointCounts()).toEqual({ '200': 10 });
  });

  it('does not retry once the backend got the request, whatever the status', () => {
    const h = harness({
      routers: [router(leaf('web'), { middlewares: ['test-retry@kubernetescrd'] })],
      middlewares: [{ type: 'retry', label: 'test-retry@kubernetescrd', attempts: 4, initialInterval: 0 }],
      pods: { 'test/web': { ready: [1] } },
    });
    h.state.statusOf = () => 500;
    h.send(5);
    expect(h.state.dispatched).toEqual([1, 1, 1, 1, 1]);
    expect(h.state.client).toEqual(Array(5).fill(500));
  });

  it('gives up after the attempts: the client gets the last 502', () => {
    const h = harness({
      routers: [router(leaf('web'), { middlewares: ['test-retry@kubernetescrd'] })],
      middlewares: [{ type: 'retry', label: 'test-retry@kubernetescrd', attempts: 3, initialInterval: 0 }],
      pods: { 'test/web': { ready: [1] } },
    });
    h.state.refused.add(1);
    h.send(1);
    expect(h.state.dispatched).toEqual([-2, -2, -2]);
    expect(h.state.client).toEqual([502]);
    expect(h.serviceCounts()).toEqual({ 'test-web-80@kubernetescrd 502': 3 });
  });

  it('trips a circuit breaker on errors: fallback 503s reach the entrypoint but not the service metrics', () => {
    const h = harness({
      routers: [router(leaf('web'), { middlewares: ['test-cb@kubernetescrd'] })],
      middlewares: [{ type: 'circuitBreaker', label: 'test-cb@kubernetescrd', expression: 'ResponseCodeRatio(500, 600, 0, 600) > 0.5', checkPeriod: 0.1, fallbackDuration: 10, recoveryDuration: 10, responseCode: 503 }],
      pods: { 'test/web': { ready: [1] } },
    });
    h.state.statusOf = () => 500;
    // One request every 0.2 s (each answered in 10 ms).
    for (let i = 0; i < 10; i++) {
      h.proxy.arrive(0, 0);
      h.to(h.kernel.now + 0.2);
    }
    // The first 500 is checked after checkPeriod has passed since the start: it trips at once.
    expect(h.state.client[0]).toBe(500);
    expect(h.state.client.slice(1)).toEqual(Array(9).fill(503));
    expect(h.serviceCounts()).toEqual({ 'test-web-80@kubernetescrd 500': 1 });
    expect(h.entryPointCounts()).toEqual({ '500': 1, '503': 9 });
  });

  it('rate-limits with 429s that service metrics do not see', () => {
    const h = harness({
      routers: [router(leaf('web'), { middlewares: ['test-rl@kubernetescrd'] })],
      middlewares: [{ type: 'rateLimit', label: 'test-rl@kubernetescrd', average: 1, period: 1, burst: 2 }],
      pods: { 'test/web': { ready: [1] } },
    });
    for (let i = 0; i < 5; i++) h.proxy.arrive(0, 0); // five at once from one client
    h.to(1);
    expect(h.state.client.filter((c) => c === 429).length).toBeGreaterThanOrEqual(2);
    expect(h.serviceCounts()['test-web-80@kubernetescrd 429']).toBeUndefined();
    expect(h.entryPointCounts()['429']).toBe(h.state.client.filter((c) => c === 429).length);
  });
});

describe('mirroring', () => {
  it('mirrors every other request after the main response; mirror responses are counted on the mirror service only', () => {
    const h = harness({
      routers: [router(ts('mirror1'))],
      services: [{ type: 'mirroring', label: 'test-mirror1@kubernetescrd', main: leaf('main'), mirrors: [{ ref: leaf('shadow'), percent: 50 }], maxBodySize: -1, mirrorBody: true }],
      pods: { 'test/main': { ready: [1] }, 'test/shadow': { ready: [2] } },
    });
    h.state.statusOf = (pod) => (pod === 2 ? 500 : 200);
    h.send(6);
    expect(h.state.dispatched).toEqual([1, 2, 1, 1, 2, 1, 1, 2, 1]);
    expect(h.state.client).toEqual(Array(6).fill(200));
    expect(h.serviceCounts()).toEqual({ 'test-main-80@kubernetescrd 200': 6, 'test-shadow-80@kubernetescrd 500': 3 });
  });
});

describe('sticky sessions', () => {
  it('pins each client to the child it first got, bypassing the schedule', () => {
    const h = harness({
      routers: [router(ts('wrr'))],
      services: [{ type: 'weighted', label: 'test-wrr@kubernetescrd', children: [{ ref: leaf('a'), weight: 1 }, { ref: leaf('b'), weight: 1 }], sticky: { cookie: 'lvl1' } }],
      pods: { 'test/a': { ready: [1] }, 'test/b': { ready: [2] } },
      streams: [stream({ clients: 4 })],
    });
    // Clients 0..3 (draws 0, 0.25, 0.5, 0.75) each send 5 requests.
    for (let c = 0; c < 4; c++) h.send(5, 0, c / 4);
    const perClient = [0, 1, 2, 3].map((c) => new Set(h.state.dispatched.slice(c * 5, c * 5 + 5)));
    for (const s of perClient) expect(s.size).toBe(1);
    // Only each client's first request consulted the 1:1 schedule: two clients on each child.
    expect(perClient.map((s) => [...s][0]).sort()).toEqual([1, 1, 2, 2]);
  });
});
