import { describe, expect, it } from 'vitest';
import { parseHey } from '../../simulation/rollout/loadtest';
import { Simulation } from '../../simulation/run/simulation';
import { deployment, mustLoad, scenarioFile, traefikCanary } from '../support/scenario';

describe('reading hey command lines', () => {
  it('takes the rate from -q × -c, the duration from -z, the Service from the URL', () => {
    expect(parseHey('hey -z 1m -q 10 -c 2 http://backend-canary.shop/')).toMatchObject({
      rate: 20,
      duration: 60,
      method: 'GET',
      timeout: 20,
      service: { name: 'backend-canary', namespace: 'shop' },
      path: '/',
      host: null,
      unlimited: false,
    });
    expect(parseHey('/usr/local/bin/hey -n 600 -q 5 -c 4 -m POST -t 0 http://api-canary.prod.svc.cluster.local:8080/v1/orders?x=1')).toMatchObject({
      rate: 20,
      duration: 30,
      method: 'POST',
      timeout: Infinity,
      service: { name: 'api-canary', namespace: 'prod' },
      path: '/v1/orders?x=1',
    });
    expect(parseHey('hey -z 10m -q 10 -c 2 -host app.example.com http://traefik.traefik')).toMatchObject({ host: 'app.example.com', path: '/', service: { name: 'traefik', namespace: 'traefik' } });
    expect(parseHey('hey -z 30s -H "Host: app.example.com" http://gateway')).toMatchObject({ host: 'app.example.com', service: { name: 'gateway', namespace: null }, unlimited: true, rate: 500 });
  });
  it('is not about other commands, and says what is wrong with a hey it cannot read', () => {
    expect(parseHey("curl -sd 'test' http://podinfo-canary.test/token | grep token")).toBeNull();
    expect(parseHey('hey -z soon http://x.y/')).toBe('hey -z expects a duration such as 1m or 30s, found "soon"');
    expect(parseHey('hey -q ten http://x.y/')).toBe('hey -q expects a number, found "ten"');
    expect(parseHey('hey -z 1m')).toBe('hey needs the URL to load, as its last argument');
  });
});

const canaryWithLoadTest = (cmd: string) =>
  traefikCanary(
    'api',
    `    interval: 1m
    threshold: 5
    maxWeight: 30
    stepWeight: 10
    webhooks:
      - name: load-test
        url: http://flagger-loadtester.test/
        timeout: 5s
        metadata:
          type: cmd
          cmd: "${cmd}"`,
  );

function run(cmd: string, mode: 'exact' | 'fast' = 'exact', extra = '') {
  const s = mustLoad(
    scenarioFile(
      `duration: 10m
rollout: { at: 1m }
traffic:
  - name: apex
    target: api
    rate: 5
services:
  api:
    startupTime: 10s
    latency: { distribution: fixed, value: 10ms }${extra}`,
      deployment('api', 2),
      canaryWithLoadTest(cmd),
    ),
  );
  const sim = new Simulation(s, { seed: 3, mode });
  return { s, sim, r: sim.runToEnd() };
}

describe("a Canary's load-test webhook sends hey's traffic", () => {
  it('starts a run at each analysis tick that calls the hook, never two at once, and only then', () => {
    const { r } = run('hey -z 1m -q 5 -c 2 http://api-canary.default/');
    const load = r.streams['load-test default/api load-test'];
    // Rollout hooks run at the analysis ticks after the first advance: 3m (w20), 4m (w30), 5m (promotion), one minute each at 10/s.
    const calls = r.events.filter((e) => e.message.startsWith('Advance') || e.message.startsWith('Copying'));
    expect(calls.map((e) => e.t)).toEqual([120, 180, 240, 300]);
    expect(load.requests).toBeGreaterThan(3 * 600 * 0.9);
    expect(load.requests).toBeLessThan(3 * 600 * 1.1);
    expect(r.services.api.canary?.requests).toBeGreaterThan(load.requests);
  });
  it('skips a call while the previous run still goes, as the load tester does', () => {
    const { r } = run('hey -z 150s -q 5 -c 2 http://api-canary.default/');
    const load = r.streams['load-test default/api load-test'];
    // The call at 3m starts a run to 5m30s; the calls at 4m and 5m find it running and start nothing: 1500 requests, not 3 × 1500.
    expect(load.requests).toBeGreaterThan(1500 * 0.9);
    expect(load.requests).toBeLessThan(1500 * 1.1);
  });
  it('draws the same load in fast mode', () => {
    const exact = run('hey -z 1m -q 5 -c 2 http://api-canary.default/').r.streams['load-test default/api load-test'].requests;
    const fast = run('hey -z 1m -q 5 -c 2 http://api-canary.default/', 'fast').r.streams['load-test default/api load-test'].requests;
    expect(Math.abs(fast - exact) / exact).toBeLessThan(0.1);
  });
  it('warns when the URL is not a Service it can send to', () => {
    const { s } = run('hey -z 1m -q 5 -c 2 http://elsewhere.example/');
    expect(s.warnings.map((w) => w.message)).toContainEqual(expect.stringContaining('http://elsewhere.example/ does not name a Service of this scenario'));
    expect(s.world.streams.some((x) => x.loadTest)).toBe(false);
  });
});
