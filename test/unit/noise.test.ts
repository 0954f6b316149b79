import { describe, expect, it } from 'vitest';
import { Kernel } from '../../simulation/kernel/kernel';
import { RandomStreams, Rng } from '../../simulation/kernel/random';
import { Sampler } from '../../simulation/model/distributions';
import { Ar1, drawPodSpeed } from '../../simulation/model/noise';
import type { BehaviourSpec } from '../../simulation/model/spec';
import { Behaviour, World } from '../../simulation/model/world';
import { Simulation } from '../../simulation/run/simulation';
import { ArrivalProcess } from '../../simulation/traffic/arrivals';
import { drawRandomBursts, RateProfile } from '../../simulation/traffic/profile';
import { deployment, loadFromFiles, mustLoad, repoHost, scenarioFile } from '../support/scenario';
import { loadScenario, type ScenarioHost } from '../../simulation/scenario/loader';

const one = (body: string, replicas = 1) => scenarioFile(body, deployment('api', replicas));

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
const lag1 = (xs: number[]) => {
  const m = mean(xs);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    den += (xs[i] - m) ** 2;
    if (i > 0) num += (xs[i] - m) * (xs[i - 1] - m);
  }
  return num / den;
};

describe('noise: schema and defaults', () => {
  it('every noise field is optional and compiles to nothing when absent', () => {
    const s = mustLoad(one(`duration: 1m
traffic: [{ name: t, target: api, rate: 1 }]
services:
  api:
    latency: { p50: 10ms, p99: 50ms }`));
    const app = s.world.apps[0];
    expect(app.primary).toEqual({ latency: { distribution: 'lognormal', p50: 0.01, p99: 0.05 }, statusCodes: [], dependencies: [] });
    expect(s.world.streams[0].rate).toEqual({ base: { profile: 'constant', rate: 1 }, bursts: [] });
    expect(s.world.scrape.missingSamples).toBeUndefined();
    expect(s.world.scrape.lateSamples).toBeUndefined();
  });

  it('fills in the documented defaults and resolves a tail from a body quantile', () => {
    const s = mustLoad(one(`duration: 1m
telemetry: { missingSamples: 0.01, lateSamples: { probability: 0.02, delay: 3s } }
traffic:
  - name: t
    target: api
    rate: 1
    weekly: { weekendFactor: 0.5 }
    randomBursts: { ratePerHour: 2 }
services:
  api:
    latency: { p50: 10ms, p99: 50ms, tail: { probability: 0.01 } }
    podVariation: 0.1
    slowPods: { probability: 0.05 }
    errorDrift: { sigma: 0.5 }
    errorBursts: { ratePerHour: 1, probability: 0.2 }
    canary:
      podVariation: 0.2`));
    const p = s.world.apps[0].primary;
    expect(p.latency.tail?.probability).toBe(0.01);
    expect(p.latency.tail?.alpha).toBe(2);
    expect(p.latency.tail?.scale).toBeCloseTo(0.05, 9); // from: 0.99 of the body = its p99
    expect(p.podVariation).toBe(0.1);
    expect(p.slowPods).toEqual({ probability: 0.05, factor: 3 });
    expect(p.errorDrift).toEqual({ sigma: 0.5, phi: 0.9, interval: 60 });
    expect(p.errorBursts).toEqual({ ratePerHour: 1, duration: { min: 60, max: 60 }, probability: 0.2 });
    expect(s.world.apps[0].canary.podVariation).toBe(0.2);
    expect(s.world.apps[0].canary.errorDrift).toEqual(p.errorDrift);
    const rate = s.world.streams[0].rate;
    // 2026-01-01T00:00:00Z is a Thursday: 3 days into the week.
    expect(rate.weekly).toEqual({ weekdayFactor: 1, weekendFactor: 0.5, phase: 3 * 86_400 });
    expect(rate.randomBursts).toEqual({ ratePerHour: 2, duration: { min: 120, max: 120 }, multiplier: { min: 3, max: 3 } });
    expect(s.world.scrape.missingSamples).toBe(0.01);
    expect(s.world.scrape.lateSamples).toEqual({ probability: 0.02, delay: 3 });
  });

  it('rejects bad values with clear messages', () => {
    const bad = (services: string, telemetry = '') =>
      loadFromFiles(one(`duration: 1m
${telemetry}
traffic: [{ name: t, target: api, rate: 1 }]
services:
  api:
${services}`));
    const msg = (r: ReturnType<typeof bad>) => (r.ok ? '' : r.diagnostics.map((d) => d.message).join('\n'));
    expect(msg(bad('    latency: { p50: 10ms, p99: 50ms, tail: { probability: 0.01, alpha: 1 } }'))).toMatch(/alpha above 1/);
    expect(msg(bad('    latency: { p50: 10ms, p99: 50ms, tail: { probability: 0.01, scale: 1s, from: 0.9 } }'))).toMatch(/scale or from, not both/);
    expect(msg(bad('    latency: { p50: 10ms, p99: 50ms }\n    errorDrift: { sigma: 0.5, phi: 1 }'))).toMatch(/phi below 1/);
    expect(msg(bad('    latency: { p50: 10ms, p99: 50ms }', 'telemetry: { lateSamples: { probability: 0.1, delay: 20s } }'))).toMatch(/below the scrape interval/);
  });
});

describe('noise: latency tail', () => {
  const body = { distribution: 'lognormal' as const, p50: 0.02, p99: 0.1 };
  const s = new Sampler({ ...body, tail: { probability: 0.01, alpha: 2, scale: 0.2 } });
  const plain = new Sampler(body);

  it('puts p99.5 in the tail and leaves p50 (almost) where it was', () => {
    expect(s.quantile(0.995)).toBeGreaterThan(0.2);
    // p99.5 of the mixture: 0.5 % of the 1 % tail lies above it → Pareto survival 0.5: scale × 2^(1/α).
    expect(s.quantile(0.995)).toBeGreaterThan(0.2 * Math.SQRT2 * 0.95);
    expect(Math.abs(s.quantile(0.5) / plain.quantile(0.5) - 1)).toBeLessThan(0.01);
    expect(plain.quantile(0.995)).toBeLessThan(0.12);
  });

  it('quantile inverts cdf exactly, also inside the tail', () => {
    for (const u of [0.001, 0.1, 0.5, 0.9, 0.99, 0.995, 0.999, 0.99999]) expect(s.cdf(s.quantile(u))).toBeCloseTo(u, 9);
    // An empirical body with a tail too.
    const e = new Sampler({ distribution: 'empirical', quantiles: [{ q: 0, value: 0.01 }, { q: 0.5, value: 0.02 }, { q: 1, value: 0.05 }], tail: { probability: 0.02, alpha: 1.5, scale: 0.1 } });
    for (const u of [0.2, 0.7, 0.985, 0.999]) expect(e.cdf(e.quantile(u))).toBeCloseTo(u, 9);
  });

  it('mean and partial moments include the tail', () => {
    const mean = 0.99 * plain.mean() + 0.01 * ((2 * 0.2) / (2 - 1));
    expect(s.mean()).toBeCloseTo(mean, 12);
    expect(s.partialMoments(Infinity).m1).toBeCloseTo(mean, 9);
    expect(s.partialMoments(Infinity).m2).toBe(Infinity); // α = 2: infinite variance
    expect(s.partialMoments(1).p).toBeCloseTo(s.cdf(1), 12);
  });

  it('a scenario with a 1% tail: p99.5 jumps, p50 stays (exact and fast mode)', () => {
    const files = (tail: string) =>
      one(`duration: 10m
traffic: [{ name: t, target: api, rate: 200 }]
services:
  api:
    concurrency: 1000
    latency: { p50: 20ms, p99: 100ms${tail} }`);
    for (const mode of ['exact', 'fast'] as const) {
      const base = new Simulation(mustLoad(files('')), { mode }).runToEnd().services.api.primary!;
      const tailed = new Simulation(mustLoad(files(', tail: { probability: 0.01, alpha: 2, scale: 500ms }')), { mode }).runToEnd().services.api.primary!;
      expect(Math.abs((tailed.latency.p50 as number) / (base.latency.p50 as number) - 1)).toBeLessThan(0.05);
      expect(tailed.latency.max as number).toBeGreaterThan(0.5);
      expect(tailed.latency.mean as number).toBeGreaterThan((base.latency.mean as number) * 1.2);
    }
  });
});

describe('noise: pods', () => {
  it("pod speed factors are lognormal with the stated σ and median 1", () => {
    const rng = new Rng('pods');
    const logs = Array.from({ length: 20_000 }, () => Math.log(drawPodSpeed(rng, 0.1, null)));
    expect(Math.abs(mean(logs))).toBeLessThan(0.005);
    expect(Math.abs(sd(logs) / 0.1 - 1)).toBeLessThan(0.03);
  });

  it('pod variation makes per-pod mean latencies differ with σ; slow pods are factor× slower', () => {
    const load = (noise: string) =>
      mustLoad(one(`duration: 1m
traffic: [{ name: t, target: api, rate: 1 }]
services:
  api:
    latency: { distribution: fixed, value: 10ms }
${noise}`, 400));
    const kernel = new Kernel();
    const world = new World(load('    podVariation: 0.2').world, kernel, new RandomStreams(7));
    const speeds = world.internals().pods.map((p) => p.speed);
    expect(new Set(speeds).size).toBe(400);
    expect(Math.abs(sd(speeds.map(Math.log)) / 0.2 - 1)).toBeLessThan(0.1);

    const slow = new World(load('    slowPods: { probability: 0.25, factor: 4 }').world, new Kernel(), new RandomStreams(7));
    const sp = slow.internals().pods.map((p) => p.speed);
    expect(sp.every((x) => x === 1 || x === 4)).toBe(true);
    const share = sp.filter((x) => x === 4).length / sp.length;
    expect(Math.abs(share - 0.25)).toBeLessThan(0.07);

    // End to end: every pod slow (probability 1) → every latency × 3.
    const run = (noise: string) =>
      new Simulation(
        mustLoad(one(`duration: 2m
traffic: [{ name: t, target: api, rate: 20 }]
services:
  api:
    latency: { distribution: fixed, value: 10ms }
${noise}`, 2)),
      ).runToEnd().services.api.primary!;
    expect(run('').latency.p50).toBeCloseTo(0.01, 3);
    expect(run('    slowPods: { probability: 1, factor: 3 }').latency.p50).toBeCloseTo(0.03, 3);
  });
});

describe('noise: errors', () => {
  const spec = (noise: Partial<BehaviourSpec>): BehaviourSpec => ({ latency: { distribution: 'fixed', value: 0.01 }, statusCodes: [{ code: 500, probability: 0.01 }], dependencies: [], ...noise });
  const app = { name: 'api' } as never;

  it('error drift: mean 5xx probability near the base, lag-one autocorrelation ≈ φ, stationary σ', () => {
    const b = new Behaviour(app, 'primary', spec({ errorDrift: { sigma: 0.5, phi: 0.9, interval: 60 } }), new RandomStreams(3));
    const ps: number[] = [];
    const xs: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      (b.drift as Ar1).step();
      b.applyErrorNoise(i);
      ps.push(b.probabilities[0]);
      xs.push((b.drift as Ar1).x);
    }
    expect(Math.abs(mean(ps) / 0.01 - 1)).toBeLessThan(0.05);
    expect(Math.abs(lag1(xs) - 0.9)).toBeLessThan(0.02);
    expect(Math.abs(sd(xs) / 0.5 - 1)).toBeLessThan(0.08);
    expect(b.cumulative[0]).toBe(b.probabilities[0]);
  });

  it('error drift in a run: the error ratio stays near the base', () => {
    const r = new Simulation(
      mustLoad(one(`duration: 2h
traffic: [{ name: t, target: api, rate: 20 }]
services:
  api:
    latency: { distribution: fixed, value: 10ms }
    statusCodes: { "500": 0.02 }
    errorDrift: { sigma: 0.3, phi: 0.9, interval: 1m }`)),
      { mode: 'fast' },
    ).runToEnd();
    expect(Math.abs(r.services.api.primary!.errorRatio / 0.02 - 1)).toBeLessThan(0.25);
  });

  it('error bursts occur at about the stated rate and raise the 5xx probability to theirs', () => {
    const files = one(`duration: 1m
traffic: [{ name: t, target: api, rate: 0 }]
services:
  api:
    latency: { distribution: fixed, value: 10ms }
    errorBursts: { ratePerHour: 2, duration: 1m, probability: 0.3 }`);
    const kernel = new Kernel();
    const world = new World(mustLoad(files).world, kernel, new RandomStreams(11));
    const b = world.internals().behaviours[0];
    expect([...b.codes]).toEqual([500]);
    let starts = 0;
    let inBurst = false;
    let high = 0;
    const probe = kernel.register('probe', () => {
      const on = b.probabilities[0] > 0;
      if (on) {
        high++;
        expect(b.probabilities[0]).toBe(0.3);
      }
      if (on && !inBurst) starts++;
      inBurst = on;
      kernel.after(5, probe);
    });
    kernel.at(2.5, probe);
    const hours = 500;
    kernel.runUntil(hours * 3600);
    // About 2 per hour (merged overlaps make a few fewer); 1000 ± 4σ.
    expect(starts).toBeGreaterThan(870);
    expect(starts).toBeLessThan(1130);
    // Time in bursts ≈ 1 − exp(−λd) = 1 − e^(−1/30).
    expect(Math.abs((high * 5) / (hours * 3600) / (1 - Math.exp(-1 / 30)) - 1)).toBeLessThan(0.1);
  });
});

describe('noise: traffic', () => {
  it('weekly cycle: the weekend factor applies Saturday and Sunday', () => {
    const p = new RateProfile({ base: { profile: 'constant', rate: 10 }, bursts: [], weekly: { weekdayFactor: 1, weekendFactor: 0.4, phase: 0 } });
    expect(p.rate(4.5 * 86_400)).toBe(10);
    expect(p.rate(5.5 * 86_400)).toBeCloseTo(4, 12);
    expect(p.rate(7.5 * 86_400)).toBe(10);
    expect(p.expectedCount(0, 7 * 86_400)).toBeCloseTo(10 * 86_400 * (5 + 2 * 0.4), 3);
    const proc = new ArrivalProcess(p, new Rng('weekly'), null, null);
    let weekday = 0;
    let weekend = 0;
    for (let t = proc.next(); t < 7 * 86_400; t = proc.next()) if (t >= 5 * 86_400) weekend++; else weekday++;
    expect(Math.abs(weekend / 2 / (weekday / 5) - 0.4)).toBeLessThan(0.01);
  });

  it('random bursts occur at about the stated rate with their multipliers and durations', () => {
    const bursts = drawRandomBursts({ ratePerHour: 2, duration: { min: 60, max: 180 }, multiplier: { min: 2, max: 8 } }, new Rng('bursts'));
    expect(Math.abs(bursts.length - 2 * 24 * 30)).toBeLessThan(4 * Math.sqrt(1440));
    expect(bursts.every((b) => b.duration >= 60 && b.duration <= 180 && b.multiplier >= 2 && b.multiplier <= 8)).toBe(true);
    expect(Math.abs(mean(bursts.map((b) => Math.log(b.multiplier))) - Math.log(4))).toBeLessThan(0.05);
    const p = new RateProfile({ base: { profile: 'constant', rate: 10 }, bursts: [] }, bursts);
    const b0 = bursts[0];
    expect(p.rate(b0.at + b0.duration / 2)).toBeGreaterThanOrEqual(10 * b0.multiplier * 0.999);
  });

  it('random bursts in a run: same in exact and fast mode, and more traffic than without', () => {
    const files = (extra: string) =>
      one(`duration: 2h
traffic:
  - name: t
    target: api
    rate: 10
${extra}
services:
  api:
    concurrency: 1000
    latency: { distribution: fixed, value: 1ms }`);
    const without = new Simulation(mustLoad(files('')), { mode: 'fast' }).runToEnd().streams.t.requests;
    const exact = new Simulation(mustLoad(files('    randomBursts: { ratePerHour: 6, duration: 5m, multiplier: 4 }'))).runToEnd().streams.t.requests;
    const fast = new Simulation(mustLoad(files('    randomBursts: { ratePerHour: 6, duration: 5m, multiplier: 4 }')), { mode: 'fast' }).runToEnd().streams.t.requests;
    expect(exact).toBeGreaterThan(without * 1.3);
    expect(Math.abs(fast / exact - 1)).toBeLessThan(0.03);
  });
});

describe('noise: telemetry', () => {
  const run = (telemetry: string) => {
    const sim = new Simulation(
      mustLoad(
        scenarioFile(
          `duration: 20m
telemetry: { scrapeInterval: 15s${telemetry} }
traffic: [{ name: t, target: api, rate: 5 }]
services:
  api:
    latency: { distribution: fixed, value: 10ms }
    metrics: {}`,
          deployment('api', 1),
        ),
      ),
    );
    sim.runToEnd();
    return sim.store;
  };
  const series = (store: ReturnType<typeof run>, name: string) => {
    const id = store.postings('__name__', name)[0];
    const s = store.samples(id);
    return { t: Array.from(s.t.subarray(0, s.n)), v: Array.from(s.v.subarray(0, s.n)), id };
  };

  it('missing samples leave gaps while up stays 1, without staleness markers', () => {
    const store = run(', missingSamples: 0.3');
    const up = series(store, 'up');
    const req = series(store, 'http_requests_total');
    expect(up.v.every((v) => v === 1)).toBe(true);
    const share = 1 - req.t.length / up.t.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.45);
    for (let i = 0; i < req.t.length; i++) expect(store.isStale(req.id, i)).toBe(false);
    // The gaps are whole scrape intervals.
    const gaps = req.t.slice(1).map((t, i) => t - req.t[i]);
    expect(gaps.every((g) => g % 15_000 === 0)).toBe(true);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(30_000);
  });

  it('late samples shift timestamps by the delay', () => {
    const plain = series(run(''), 'up').t;
    const late = series(run(', lateSamples: { probability: 1, delay: 2s }'), 'up').t;
    expect(late.length).toBe(plain.length);
    late.forEach((t, i) => expect(t - plain[i]).toBe(2000));
    const some = series(run(', lateSamples: { probability: 0.5, delay: 2s }'), 'up').t;
    const shifted = some.filter((t, i) => t - plain[i] === 2000).length / some.length;
    expect(shifted).toBeGreaterThan(0.3);
    expect(shifted).toBeLessThan(0.7);
  });
});

describe('noise: determinism', () => {
  const noisy = `duration: 30m
telemetry: { missingSamples: 0.05, lateSamples: { probability: 0.05, delay: 2s } }
traffic:
  - name: t
    target: api
    rate: 30
    weekly: { weekendFactor: 0.5 }
    randomBursts: { ratePerHour: 4, duration: { min: 1m, max: 3m }, multiplier: { min: 2, max: 4 } }
services:
  api:
    latency: { p50: 20ms, p99: 80ms, tail: { probability: 0.01, alpha: 1.8, from: 0.99 } }
    statusCodes: { "500": 0.01 }
    podVariation: 0.1
    slowPods: { probability: 0.2, factor: 3 }
    errorDrift: { sigma: 0.5, phi: 0.9, interval: 1m }
    errorBursts: { ratePerHour: 2, duration: 2m, probability: 0.2 }`;

  it('same seed, same result; another seed differs (exact and fast)', () => {
    for (const mode of ['exact', 'fast'] as const) {
      const a = JSON.stringify(new Simulation(mustLoad(one(noisy, 3)), { seed: 4, mode }).runToEnd());
      const b = JSON.stringify(new Simulation(mustLoad(one(noisy, 3)), { seed: 4, mode }).runToEnd());
      const c = JSON.stringify(new Simulation(mustLoad(one(noisy, 3)), { seed: 5, mode }).runToEnd());
      expect(a).toBe(b);
      expect(a).not.toBe(c);
    }
  });

  it('without its noise fields the default scenario runs as it did before the noise models (snapshot of its figures)', () => {
    // The default scenario uses a latency tail, pod variation and error drift; strip them.
    const quiet: ScenarioHost = {
      readFile: (p) => {
        const text = repoHost.readFile(p);
        if (p !== 'scenarios/default.yaml' || text === null) return text;
        return text
          .split('\n')
          .filter((l) => !/^\s+(tail|podVariation|errorDrift):/.test(l) && !/^\s+# (Realistic noise|pods that differ)/.test(l))
          .join('\n');
      },
    };
    const r = loadScenario('scenarios/default.yaml', quiet);
    if (!r.ok) throw new Error('default scenario did not load');
    // No noise field set: the compiled behaviours and streams carry none.
    for (const app of r.scenario.world.apps) for (const b of [app.primary, app.canary]) expect(Object.keys(b).sort()).toEqual(['dependencies', 'latency', 'statusCodes']);
    for (const s of r.scenario.world.streams) expect(Object.keys(s.rate).sort()).toEqual(['base', 'bursts']);
    // Figures of `gameday run scenarios/default.yaml --json` from before the noise models.
    const sim = new Simulation(r.scenario);
    const res = sim.runToEnd();
    expect(res.streams.storefront.requests).toBe(81931);
    expect(res.streams.storefront.errors).toBe(328);
    expect(res.streams.storefront.latency.p99).toBe(0.3371253551136368);
    expect(res.streams['mobile-api'].requests).toBe(49440);
    expect(res.streams['mobile-api'].latency.p99).toBe(0.21841796874999986);
    // Scraped samples (the SLO rules the scenario gained since write their own series: leave those out).
    let scraped = 0;
    for (let id = 0; id < sim.store.seriesCount; id++) {
      const name = sim.store.labels(id).__name__;
      if (!name.startsWith('slo:') && name !== 'ALERTS') scraped += sim.store.count(id);
    }
    expect(scraped).toBe(20251);
    // And with them, it is noisier where a user looks: the tail lengthens the slowest requests.
    const noisy = new Simulation((loadScenario('scenarios/default.yaml', repoHost) as { scenario: typeof r.scenario }).scenario).runToEnd();
    expect(noisy.streams.storefront.latency.max ?? 0).toBeGreaterThan(res.streams.storefront.latency.max ?? 0);
  });
});
