import { describe, expect, it } from 'vitest';
import { instantQuery } from '../../simulation/promql/engine';
import { Simulation } from '../../simulation/run/simulation';
import { fault } from '../support/faults';
import { apiCanaryScenario } from '../support/scenario';


/** api behind Traefik: 3 primary pods at 60 requests/s; no new revision (the canary stays at zero). */
function api(extra = '', seconds = '20m', concurrency = 8) {
  return apiCanaryScenario(`duration: ${seconds}
traffic:
  - { name: web, entryPoint: web, host: api.example.com, rate: 60 }
services:
  api:
    startupTime: 15s
    concurrency: ${concurrency}
    latency: { p50: 20ms, p99: 80ms }${extra}`, `    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10`, 3);
}

const primaryPods = (sim: Simulation) => sim.model.podList().filter((p) => p.workload === 'api-primary');
const value = (sim: Simulation, q: string, t: number) => {
  const r = instantQuery(sim.store, q, sim.timestamp(t));
  if (r.status !== 'success' || r.data.resultType !== 'vector' || r.data.result.length === 0) throw new Error(`${q}: ${JSON.stringify(r)}`);
  return Number(r.data.result[0].value[1]);
};

describe('pod faults (Chaos Mesh PodChaos, the kubelet)', () => {
  it('pod-kill of one of 3 primary pods: the killed pod goes, a replacement is starting for startupTime, then ready', () => {
    const sim = new Simulation(api(), { seed: 1 });
    sim.advanceTo(100);
    const before = primaryPods(sim).map((p) => p.name);
    sim.inject(fault('kill', { kind: 'pods', workload: 'api-primary', mode: 'one', value: 0 }, { type: 'pod-kill', gracePeriod: 0 }));
    sim.advanceTo(100.001);
    const pods = primaryPods(sim);
    const killed = pods.filter((p) => p.state === 'gone' || p.state === 'terminating');
    expect(killed).toHaveLength(1);
    expect(before).toContain(killed[0].name);
    const fresh = pods.filter((p) => !before.includes(p.name));
    expect(fresh.map((p) => p.state)).toEqual(['starting']);
    sim.advanceTo(114.9);
    expect(primaryPods(sim).find((p) => p.name === fresh[0].name)?.state).toBe('starting');
    sim.advanceTo(115.1);
    expect(primaryPods(sim).find((p) => p.name === fresh[0].name)?.state).toBe('ready');
    expect(primaryPods(sim).filter((p) => p.state === 'ready')).toHaveLength(3);
    expect(primaryPods(sim).find((p) => p.name === killed[0].name)?.state).toBe('gone');
  });

  it('pod-kill on a repeat schedule kills again each window (fixed 2 of 3, every 2 minutes, 3 times)', () => {
    const sim = new Simulation(api(), { seed: 2 });
    sim.inject(fault('kills', { kind: 'pods', workload: 'api-primary', mode: 'fixed', value: 2 }, { type: 'pod-kill', gracePeriod: 5 }, 60, 30, { every: 120, times: 3 }));
    const r = sim.runToEnd();
    const pods = primaryPods(sim);
    expect(pods.filter((p) => p.state === 'gone')).toHaveLength(6);
    expect(pods.filter((p) => p.state === 'ready')).toHaveLength(3);
    expect(r.services.api.primary?.pods).toMatchObject({ ready: 3, gone: 6 });
  });

  it('pod-failure: the chosen pods stop serving for the window, then restart (restarts 1 each)', () => {
    const sim = new Simulation(api(), { seed: 3 });
    sim.inject(fault('fail', { kind: 'pods', workload: 'api-primary', mode: 'fixed-percent', value: 67 }, { type: 'pod-failure' }, 60, 120));
    sim.advanceTo(61);
    // ⌊3 × 67 / 100⌋ = 2 pods.
    expect(primaryPods(sim).map((p) => p.state).sort()).toEqual(['crashed', 'crashed', 'ready']);
    sim.advanceTo(170);
    expect(primaryPods(sim).filter((p) => p.state === 'crashed')).toHaveLength(2);
    sim.advanceTo(181);
    expect(primaryPods(sim).filter((p) => p.state === 'starting')).toHaveLength(2);
    sim.advanceTo(200);
    expect(primaryPods(sim).every((p) => p.state === 'ready')).toBe(true);
    expect(primaryPods(sim).map((p) => p.restarts).sort()).toEqual([0, 1, 1]);
  });

  it('crash-loop: restarts follow the kubelet back-off 10 s, 20 s, 40 s, 80 s, 160 s', () => {
    const sim = new Simulation(api(), { seed: 4 });
    sim.advanceTo(30);
    sim.inject(fault('loop', { kind: 'pods', workload: 'api-primary', mode: 'one', value: 0 }, { type: 'crash-loop', runFor: 5 }, 0, 600));
    const crashes: number[] = [];
    const restarts: number[] = [];
    let state = new Map(primaryPods(sim).map((p) => [p.name, p]));
    for (let t = 30.25; t <= 640; t += 0.25) {
      sim.advanceTo(t);
      const now = new Map(primaryPods(sim).map((p) => [p.name, p]));
      for (const [name, p] of now) {
        const was = state.get(name);
        if (was && was.state !== 'crashed' && p.state === 'crashed') crashes.push(t);
        if (was && p.restarts > was.restarts) restarts.push(t);
      }
      state = now;
    }
    // Crashes 5 s after each start; restarts after 10, 20, 40, 80, 160 s (then 300 s: past the window's end at 630).
    expect(crashes.map((c) => Math.round(c - 30))).toEqual([5, 20, 45, 90, 175, 340]);
    const gaps = restarts.map((r, i) => Math.round(r - crashes[i]));
    expect(gaps).toEqual([10, 20, 40, 80, 160]);
    // The pod is ready only when its container outlives startupTime (15 s > runFor): never, while the loop lasts.
    expect(sim.result().services.api.primary?.restarts).toBe(5);
  });

  it('oom-leak: latency creeps up over timeToOom, then the container is OOM-killed and restarts; the cycle repeats', () => {
    const base = new Simulation(api('', '10m'), { seed: 5 }).runToEnd().services.api.primary;
    const sim = new Simulation(api('', '10m'), { seed: 5 });
    sim.inject(fault('leak', { kind: 'version', app: 'api', version: 'primary' }, { type: 'oom-leak', timeToOom: 120, maxSlowdown: 5 }, 60));
    // Mean latency over the last 30 s, from Traefik's histogram.
    const mean = (t: number) => value(sim, 'sum(rate(traefik_service_request_duration_seconds_sum[30s])) / sum(rate(traefik_service_request_duration_seconds_count[30s]))', t);
    sim.advanceTo(60);
    const before = mean(60);
    sim.advanceTo(90);
    const early = mean(90);
    sim.advanceTo(175);
    const late = mean(175);
    // Mean slowdown ≈ 1.5× over [60, 90] and ≈ 4.3× over [145, 175] (1 → 5 over 120 s).
    expect(early / before).toBeGreaterThan(1.2);
    expect(late / before).toBeGreaterThan(3.5);
    expect(late / before).toBeLessThan(5);
    // At 60 + 120 s each primary container is killed (restarts 1 each), and the leak starts over.
    sim.advanceTo(179.9);
    expect(primaryPods(sim).every((p) => p.restarts === 0)).toBe(true);
    sim.advanceTo(180.1);
    expect(primaryPods(sim).every((p) => p.state === 'crashed')).toBe(true);
    sim.advanceTo(190.1);
    expect(primaryPods(sim).map((p) => [p.state, p.restarts])).toEqual([
      ['starting', 1],
      ['starting', 1],
      ['starting', 1],
    ]);
    const r = sim.runToEnd();
    // Back at 190 (10 s back-off), killed again at 310 (120 s after the restart), back at 330 (20 s), killed at 450, back at 490 (40 s).
    expect(primaryPods(sim).map((p) => p.restarts)).toEqual([3, 3, 3]);
    expect(r.services.api.primary?.latency.p50 ?? 0).toBeGreaterThan(1.5 * (base?.latency.p50 ?? 0));
  });

  it('scale-down: 1 pod during the window, utilisation and latency up, 3 again after', () => {
    // 2 workers per pod: 60/s × ~25 ms is 25% of 3 pods, 75% of one (queueing).
    const base = new Simulation(api('', '10m', 2), { seed: 6 });
    base.advanceTo(400);
    const sim = new Simulation(api('', '10m', 2), { seed: 6 });
    sim.inject(fault('down', { kind: 'pods', workload: 'api-primary', mode: 'all', value: 0 }, { type: 'scale-down', replicas: 1 }, 60, 300));
    sim.advanceTo(100);
    expect(primaryPods(sim).filter((p) => p.state === 'ready')).toHaveLength(1);
    expect(sim.model.desiredReplicas('api-primary')).toBe(1);
    sim.advanceTo(400);
    expect(sim.model.desiredReplicas('api-primary')).toBe(3);
    expect(primaryPods(sim).filter((p) => p.state === 'ready')).toHaveLength(3);
    const u = sim.result().services.api.primary?.utilisation ?? 0;
    const u0 = base.result().services.api.primary?.utilisation ?? 1;
    // Busy share per ready worker-second over the 400 s: 3 pods for 100 s, 1 pod for 300 s.
    expect(u / u0).toBeGreaterThan(1.8);
    // Mean latency over the window's last 4 minutes, from Traefik's histogram: queueing on the one pod.
    const mean = (s: Simulation) => value(s, 'sum(rate(traefik_service_request_duration_seconds_sum[4m])) / sum(rate(traefik_service_request_duration_seconds_count[4m]))', 350);
    expect(mean(sim) / mean(base)).toBeGreaterThan(1.5);
  });

  it('scale-down does not fight Flagger: the canary at zero stays at zero; scaled up by Flagger it runs the fault count', () => {
    const sim = new Simulation(api(`
rollout: { at: 2m }`, '10m'), { seed: 7 });
    sim.inject(fault('down', { kind: 'version', app: 'api', version: 'canary' }, { type: 'scale-down', replicas: 1 }, 0, 400));
    sim.advanceTo(60);
    expect(sim.model.desiredReplicas('api')).toBe(0);
    sim.advanceTo(200);
    // Flagger scaled the canary up to the primary's 3: the fault holds it at 1.
    expect(sim.model.desiredReplicas('api')).toBe(1);
    sim.advanceTo(401);
    expect(sim.model.desiredReplicas('api')).toBe(3);
  });

  it('counter-reset of Traefik: resets() sees it, rate() stays sane', () => {
    const sim = new Simulation(api('', '12m'), { seed: 8 });
    sim.advanceTo(300);
    const before = value(sim, 'sum(rate(traefik_service_requests_total[2m]))', 300);
    sim.inject(fault('reset', { kind: 'scrape', job: 'traefik' }, { type: 'counter-reset' }));
    sim.advanceTo(600);
    expect(value(sim, 'sum(resets(traefik_service_requests_total[5m]))', 600)).toBeGreaterThan(0);
    const after = value(sim, 'sum(rate(traefik_service_requests_total[5m]))', 600);
    expect(before).toBeGreaterThan(55);
    expect(after).toBeGreaterThan(55);
    expect(after).toBeLessThan(65);
    // The reload counter restarted too (a fresh process loaded its configuration once).
    expect(value(sim, 'max(traefik_config_reloads_total)', 600)).toBe(1);
  });

  it('counter-reset of pods restarts their containers', () => {
    const sim = new Simulation(api('', '5m'), { seed: 9 });
    sim.inject(fault('reset', { kind: 'version', app: 'api', version: 'primary' }, { type: 'counter-reset' }, 60));
    sim.advanceTo(61);
    expect(primaryPods(sim).map((p) => [p.state, p.restarts])).toEqual([
      ['starting', 1],
      ['starting', 1],
      ['starting', 1],
    ]);
  });

  it('replaying the action log of pod faults reproduces the run byte for byte', () => {
    const live = new Simulation(api('', '10m'), { seed: 10 });
    live.advanceTo(50);
    live.inject(fault('kill', { kind: 'pods', workload: 'api-primary', mode: 'random-max-percent', value: 100 }, { type: 'pod-kill', gracePeriod: 2 }, 0, 30, { every: 60, times: 3 }));
    live.advanceTo(100.5);
    live.inject(fault('loop', { kind: 'pods', workload: 'api-primary', mode: 'one', value: 0 }, { type: 'crash-loop', runFor: 3 }));
    live.advanceTo(200);
    live.inject(fault('leak', { kind: 'version', app: 'api', version: 'primary' }, { type: 'oom-leak', timeToOom: 60, maxSlowdown: 3 }));
    live.advanceTo(260);
    live.inject(fault('down', { kind: 'pods', workload: 'api-primary', mode: 'all', value: 0 }, { type: 'scale-down', replicas: 2 }, 0, 60));
    live.inject(fault('reset', { kind: 'scrape', job: null }, { type: 'counter-reset' }, 30));
    live.advanceTo(300);
    live.inject(fault('fail', { kind: 'pods', workload: 'api-primary', mode: 'all', value: 0 }, { type: 'pod-failure' }, 0, 20));
    live.advanceTo(320);
    live.cancelFault('loop');
    const a = live.runToEnd();
    const replay = new Simulation(api('', '10m'), { seed: 10, actions: live.actionLog }).runToEnd();
    expect(JSON.stringify(replay)).toBe(JSON.stringify(a));
    live.seek(10);
    expect(JSON.stringify(live.runToEnd())).toBe(JSON.stringify(a));
    expect(a.services.api.primary?.restarts).toBeGreaterThan(3);
  });
});

describe('overlapping scale-downs and repeats', () => {
  it('two scale-downs that end in reverse order give the workload back its own replicas', () => {
    const sim = new Simulation(api(), { seed: 21 });
    const all = { kind: 'pods' as const, workload: 'api-primary', mode: 'all' as const, value: 0 };
    sim.inject(fault('a', all, { type: 'scale-down', replicas: 2 }, 60, 300));
    sim.inject(fault('b', all, { type: 'scale-down', replicas: 1 }, 120, 60));
    sim.advanceTo(150);
    expect(sim.model.desiredReplicas('api-primary')).toBe(1);
    sim.advanceTo(200);
    expect(sim.model.desiredReplicas('api-primary')).toBe(2);
    sim.advanceTo(400);
    expect(sim.model.desiredReplicas('api-primary')).toBe(3);
  });

  it('a repeated fault costs kernel events in proportion to its windows, not their square', () => {
    const events = (times: number) => {
      const sim = new Simulation(api('', '20m'), { seed: 22 });
      sim.inject({ ...fault('r', { kind: 'version', app: 'api', version: 'all' }, { type: 'cpu-stress', slowdown: 1.2 }), schedule: { at: 0, for: 5, rampIn: 2, rampOut: 2, repeat: { every: 10, times } } });
      sim.advanceTo(1100);
      return sim.result().stats.events;
    };
    const base = events(1);
    // 100 windows of 5 updates each: about 500 more events than one window, not 100² / 2 × 5.
    expect(events(100) - base).toBeLessThan(1000);
  });
});
