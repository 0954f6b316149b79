import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../simulation/scenario/loader';
import { RunSession } from '../../simulation/run/session';
import { lastAtOrBefore, rateBetween, seriesRates, StreamRateTracker, type CumulativePoint, type KeyRate, type Rate } from '../../renderer/views/traffic/rates';
import { ANY_CANARY, buildTopology, CONTROL, edgeId, fallbackTopology, podId, splitId, streamId, topologicalOrder, TRAEFIK, type Topology } from '../../simulation/run/topology';
import { computeFlow, type Weights } from '../../renderer/views/traffic/flow';
import { assignLayers, layoutTopology, pointAt, sampleCubics, SAMPLES } from '../../renderer/views/traffic/layout';
import { emissionRate, ParticleField, particleBudget, particleSpeed, steadyCount } from '../../renderer/views/traffic/particles';
import { faultAnchors } from '../../renderer/views/traffic/faults';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const readFile = (p: string) => {
  try {
    return readFileSync(join(root, p), 'utf8');
  } catch {
    return null;
  }
};

function loaded(file: string) {
  const r = loadScenario(file, { readFile });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.scenario;
}

const SHOP_SPLIT = splitId('shop-backend@kubernetescrd');
const LOAD_TEST = 'load-test shop/backend load-test';

function keyRate(rate: number, errorRatio = 0, readyPods = 1): KeyRate {
  return { rate, errorRate: rate * errorRatio, errorRatio, readyPods, inflight: 0 };
}
function rate(r: number, errorRatio = 0): Rate {
  return { rate: r, errorRate: r * errorRatio, errorRatio };
}

describe('rates from cumulative counters', () => {
  it('differences two readings, counting a reset from zero', () => {
    expect(rateBetween(100, 1, 400, 4, 30)).toEqual({ rate: 10, errorRate: 0.1, errorRatio: 0.01 });
    expect(rateBetween(500, 5, 60, 0, 30)).toEqual({ rate: 2, errorRate: 0, errorRatio: 0 });
    expect(rateBetween(0, 0, 10, 0, 0)).toEqual({ rate: 0, errorRate: 0, errorRatio: 0 });
  });

  it('finds the last point at or before a time', () => {
    const pts = [{ t: 0 }, { t: 15 }, { t: 30 }, { t: 45 }];
    expect(lastAtOrBefore(pts, -1)).toBe(-1);
    expect(lastAtOrBefore(pts, 0)).toBe(0);
    expect(lastAtOrBefore(pts, 29.9)).toBe(1);
    expect(lastAtOrBefore(pts, 45)).toBe(3);
    expect(lastAtOrBefore(pts, 1e9)).toBe(3);
    expect(lastAtOrBefore([], 5)).toBe(-1);
  });

  it('averages each key over the window up to the snapshot time', () => {
    // Key 0 serves 10/s with 1 % errors, key 1 nothing until 30 s and 4/s after.
    const pts: CumulativePoint[] = [];
    for (let t = 0; t <= 90; t += 15) {
      pts.push({ t, requests: [10 * t, Math.max(0, 4 * (t - 30))], errors: [0.1 * t, 0], inflight: [3, 1], readyPods: [2, t >= 30 ? 1 : 0] });
    }
    const at90 = seriesRates(pts, 2, 90, 30);
    expect(at90[0].rate).toBeCloseTo(10);
    expect(at90[0].errorRatio).toBeCloseTo(0.01);
    expect(at90[1].rate).toBeCloseTo(4);
    expect(at90[1].readyPods).toBe(1);
    expect(at90[0].inflight).toBe(3);
    // At 40 s the window ends at the 30 s point: key 1 has not started yet.
    const at40 = seriesRates(pts, 2, 40, 30);
    expect(at40[1].rate).toBe(0);
    expect(at40[1].readyPods).toBe(1);
    // Shorter than the window: from the first point.
    expect(seriesRates(pts, 2, 15, 30)[0].rate).toBeCloseTo(10);
    // Nothing recorded yet, or a single point.
    expect(seriesRates([], 2, 10)).toEqual([
      { rate: 0, errorRate: 0, errorRatio: 0, readyPods: 0, inflight: 0 },
      { rate: 0, errorRate: 0, errorRatio: 0, readyPods: 0, inflight: 0 },
    ]);
    expect(seriesRates(pts.slice(0, 1), 2, 10)[0].rate).toBe(0);
  });

  it("tracks the streams' rates across snapshots and starts over on a seek back", () => {
    const tr = new StreamRateTracker(30);
    tr.push(10, { a: { requests: 100, errors: 0 } });
    // One sample: the average since the start.
    expect(tr.rate('a').rate).toBeCloseTo(10);
    expect(tr.rate('missing')).toEqual({ rate: 0, errorRate: 0, errorRatio: 0 });
    for (let t = 20; t <= 100; t += 10) tr.push(t, { a: { requests: 100 + 20 * (t - 10), errors: t > 70 ? 2 * (t - 70) : 0 } });
    expect(tr.rate('a').rate).toBeCloseTo(20);
    expect(tr.rate('a').errorRatio).toBeCloseTo(0.1);
    // Only the window (and one sample before it) is kept.
    expect(tr.size).toBeLessThanOrEqual(5);
    // The same time again replaces the sample; an earlier one starts over.
    tr.push(100, { a: { requests: 1900, errors: 60 } });
    expect(tr.size).toBeLessThanOrEqual(5);
    tr.push(5, { a: { requests: 25, errors: 0 } });
    expect(tr.size).toBe(1);
    expect(tr.rate('a').rate).toBeCloseTo(5);
  });
});

describe('the graph of a scenario', () => {
  const shop = buildTopology(loaded('scenarios/default.yaml'));
  const ids = (t: Topology) => t.nodes.map((n) => n.id).sort();
  const edge = (t: Topology, from: string, to: string) => t.edges.find((e) => e.id === edgeId(from, to));

  it('has the streams, Traefik, the Canary split, the revisions and Prometheus/Flagger', () => {
    expect(ids(shop)).toEqual(
      [CONTROL, podId('backend', 'canary'), podId('backend', 'primary'), podId('frontend', 'primary'), SHOP_SPLIT, streamId(LOAD_TEST), streamId('mobile-api'), streamId('storefront'), TRAEFIK].sort(),
    );
    expect(shop.nodes.find((n) => n.id === SHOP_SPLIT)).toMatchObject({ kind: 'split', label: 'backend', canary: 'shop/backend' });
    expect(shop.exact).toBe(true);
    expect(shop.unrouted).toEqual([]);
    expect(shop.workloads).toEqual({ frontend: podId('frontend', 'primary'), 'backend-primary': podId('backend', 'primary'), backend: podId('backend', 'canary') });
  });

  it('routes each stream by its router and follows the Services to the pods', () => {
    expect(edge(shop, streamId('storefront'), TRAEFIK)?.share).toEqual({ by: 'all' });
    // Host(`app.example.com`) && PathPrefix(`/api`) outranks Host(`app.example.com`).
    expect(edge(shop, TRAEFIK, SHOP_SPLIT)?.share).toEqual({ by: 'streams', streams: ['mobile-api'] });
    expect(edge(shop, TRAEFIK, podId('frontend', 'primary'))?.share).toEqual({ by: 'streams', streams: ['storefront'] });
    expect(edge(shop, SHOP_SPLIT, podId('backend', 'primary'))?.share).toEqual({ by: 'weight', weight: 100, version: 'primary' });
    expect(edge(shop, SHOP_SPLIT, podId('backend', 'canary'))?.share).toEqual({ by: 'weight', weight: 0, version: 'canary' });
    // The load tester calls backend-canary directly; the frontend calls the apex Service (the primary's pods).
    expect(edge(shop, streamId(LOAD_TEST), podId('backend', 'canary'))).toMatchObject({ kind: 'direct' });
    expect(edge(shop, podId('frontend', 'primary'), podId('backend', 'primary'))).toMatchObject({ kind: 'dependency', share: { by: 'calls', calls: 2 }, service: 'shop/backend' });
    expect(edge(shop, podId('frontend', 'primary'), podId('backend', 'canary'))).toBeUndefined();
    expect(edge(shop, CONTROL, SHOP_SPLIT)?.kind).toBe('control');
  });

  it('describes weighted and mirroring TraefikServices of the scenario, and streams no router takes', () => {
    const weighted = buildTopology(loaded('scenarios/examples/traefik-weighted-traefikservice.gameday.yaml'));
    const splits = weighted.nodes.filter((n) => n.kind === 'split');
    expect(splits.every((n) => n.canary === null)).toBe(true);
    expect(splits.map((n) => n.shares).sort()).toEqual(['whoami4 50% · whoami5 50%', 'whoami6 50% · whoami7 50%', 'wrr1 50% · wrr2 50%']);
    const mirror = buildTopology(loaded('scenarios/examples/traefik-mirroring-traefikservice.gameday.yaml'));
    expect(mirror.edges.filter((e) => e.kind === 'mirror').map((e) => e.share)).toEqual([{ by: 'percent', percent: 50 }]);
    const routes = buildTopology(loaded('scenarios/examples/traefik-ingressroute-weighted-services.gameday.yaml'));
    expect(routes.unrouted).toEqual(['bar']);
  });

  it('has a fallback from the series keys alone', () => {
    const t = fallbackTopology(
      [
        { app: 'web', version: 'primary' },
        { app: 'api', version: 'primary' },
        { app: 'api', version: 'canary' },
      ],
      ['users'],
    );
    expect(t.exact).toBe(false);
    expect(ids(t)).toEqual([TRAEFIK, podId('api', 'canary'), podId('api', 'primary'), podId('web', 'primary'), splitId('api'), streamId('users')].sort());
    expect(t.nodes.find((n) => n.id === splitId('api'))?.canary).toBe(ANY_CANARY);
  });

  it('orders nodes so that every edge points forward, even with a cycle', () => {
    const order = topologicalOrder(shop);
    const rank = new Map(order.map((id, i) => [id, i]));
    for (const e of shop.edges) expect(rank.get(e.from)!).toBeLessThan(rank.get(e.to)!);
    const cyc = {
      nodes: ['a', 'b', 'c'].map((id) => ({ id, kind: 'pod' as const, label: id, sub: '' })),
      edges: [
        { id: 'a->b', from: 'a', to: 'b' },
        { id: 'b->c', from: 'b', to: 'c' },
        { id: 'c->b', from: 'c', to: 'b' },
      ].map((e) => ({ ...e, kind: 'dependency' as const, share: { by: 'all' as const }, group: null })),
    };
    expect(topologicalOrder(cyc).sort()).toEqual(['a', 'b', 'c']);
  });

  it('comes with the scenario: the run session puts the compiled graph in its summary', () => {
    const r = new RunSession({ readFile }).handle({ kind: 'open', file: 'scenarios/default.yaml' });
    expect(r.kind === 'opened' && r.ok ? ids(r.summary.topology) : null).toEqual(ids(shop));
    // It crosses the worker boundary as plain data.
    expect(r.kind === 'opened' && r.ok ? JSON.parse(JSON.stringify(r.summary.topology)) : null).toEqual(r.kind === 'opened' && r.ok ? r.summary.topology : 0);
  });
});

describe('flow over the graph', () => {
  const shop = buildTopology(loaded('scenarios/default.yaml'));
  const F = podId('frontend', 'primary');
  const P = podId('backend', 'primary');
  const C = podId('backend', 'canary');
  const streams = new Map([
    ['storefront', rate(40, 0.002)],
    ['mobile-api', rate(25)],
    [LOAD_TEST, rate(20)],
  ]);
  const live: Weights = { primary: 80, canary: 20 };
  const pods = new Map([
    [F, keyRate(40, 0.001, 3)],
    [P, keyRate(100, 0.002, 2)],
    [C, keyRate(25, 0.05, 1)],
  ]);
  const flow = computeFlow(shop, { pods, streams, weights: (c) => (c === 'shop/backend' ? live : null) });
  const r = (from: string, to: string) => flow.edges.get(edgeId(from, to))!;

  it('takes the streams as measured and divides them the way Traefik and the Canary do', () => {
    expect(r(streamId('storefront'), TRAEFIK).rate).toBeCloseTo(40);
    expect(r(TRAEFIK, F).rate).toBeCloseTo(40);
    expect(r(TRAEFIK, SHOP_SPLIT).rate).toBeCloseTo(25);
    expect(flow.nodes.get(TRAEFIK)!.rate).toBeCloseTo(65);
    expect(flow.splits.get(SHOP_SPLIT)).toEqual({ primary: 80, canary: 20 });
  });

  it('makes the edges into each revision add up to what it measured', () => {
    for (const pod of [F, P, C]) {
      const into = shop.edges.filter((e) => e.to === pod).reduce((a, e) => a + flow.edges.get(e.id)!.rate, 0);
      expect(into).toBeCloseTo(pods.get(pod)!.rate);
    }
    // Expected into the primary: 80 % of 25 from the split, 2 × 40 from the frontend → scaled to 100.
    expect(r(SHOP_SPLIT, P).rate / r(F, P).rate).toBeCloseTo(20 / 80);
    // Into the canary: 5 from the split, 20 from the load test.
    expect(r(streamId(LOAD_TEST), C).rate).toBeCloseTo(20);
    expect(r(SHOP_SPLIT, C).rate).toBeCloseTo(5);
    expect(flow.maxRate).toBeCloseTo(80);
  });

  it('gives each edge the 5xx share of what it reaches', () => {
    expect(r(SHOP_SPLIT, C).errorRatio).toBeCloseTo(0.05);
    expect(r(F, P).errorRatio).toBeCloseTo(0.002);
    expect(r(streamId('storefront'), TRAEFIK).errorRatio).toBeCloseTo(0.002);
    // Traefik → split: the split's outgoing edges, by rate.
    expect(r(TRAEFIK, SHOP_SPLIT).errorRatio).toBeCloseTo((20 * 0.002 + 5 * 0.05) / 25);
    expect(flow.nodes.get(C)).toMatchObject({ rate: 25, errorRatio: 0.05, readyPods: 1 });
  });

  it("uses the scenario's weights without live ones, and divides a Service by ready pods", () => {
    const f = computeFlow(shop, { pods: new Map([[P, keyRate(0, 0, 2)]]), streams, weights: () => null });
    expect(f.splits.get(SHOP_SPLIT)).toEqual({ primary: 100, canary: 0 });
    // Nothing measured at the pods: the edges into them carry nothing.
    expect(f.edges.get(edgeId(SHOP_SPLIT, P))!.rate).toBe(0);
    const weighted = buildTopology(loaded('scenarios/examples/traefik-weighted-traefikservice.gameday.yaml'));
    const w = computeFlow(weighted, { pods: new Map(), streams: new Map([['foo', rate(40)]]), weights: () => null });
    const wrr1 = splitId('default-wrr1@kubernetescrd');
    expect(w.nodes.get(wrr1)!.rate).toBeCloseTo(20);
  });

  it('spreads the fallback graph by what the pods measured', () => {
    const t = fallbackTopology(
      [
        { app: 'api', version: 'primary' },
        { app: 'api', version: 'canary' },
      ],
      ['users'],
    );
    const f = computeFlow(t, {
      pods: new Map([
        [podId('api', 'primary'), keyRate(30)],
        [podId('api', 'canary'), keyRate(10)],
      ]),
      streams: new Map([['users', rate(40)]]),
      weights: (c) => (c === ANY_CANARY ? { primary: 75, canary: 25 } : null),
    });
    expect(f.edges.get(edgeId(TRAEFIK, splitId('api')))!.rate).toBeCloseTo(40);
    expect(f.edges.get(edgeId(splitId('api'), podId('api', 'canary')))!.rate).toBeCloseTo(10);
    expect(f.splits.get(splitId('api'))).toEqual({ primary: 75, canary: 25 });
  });
});

describe('layout', () => {
  const shop = buildTopology(loaded('scenarios/default.yaml'));

  it('puts streams first, then Traefik, the split beside the first app, each callee a column on', () => {
    const l = assignLayers(shop);
    expect(l.get(streamId('storefront'))).toBe(0);
    expect(l.get(streamId(LOAD_TEST))).toBe(0);
    expect(l.get(TRAEFIK)).toBe(1);
    expect(l.get(podId('frontend', 'primary'))).toBe(2);
    expect(l.get(SHOP_SPLIT)).toBe(2);
    expect(l.get(podId('backend', 'primary'))).toBe(3);
    expect(l.get(podId('backend', 'canary'))).toBe(3);
    expect(l.get(CONTROL)).toBe(2);
  });

  for (const [w, h] of [
    [850, 300],
    [560, 240],
    [1400, 420],
  ]) {
    it(`fits ${w}×${h} without overlapping boxes`, () => {
      const lay = layoutTopology(shop, w, h, { top: 14, bottom: 8 });
      const boxes = [...lay.nodes.entries()];
      for (const [, b] of boxes) {
        expect(b.x - b.w / 2).toBeGreaterThanOrEqual(0);
        expect(b.x + b.w / 2).toBeLessThanOrEqual(w);
        expect(b.y - b.h / 2).toBeGreaterThanOrEqual(0);
        expect(b.y + b.h / 2).toBeLessThanOrEqual(h);
      }
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [, a] = boxes[i];
          const [, b] = boxes[j];
          const apart = Math.abs(a.x - b.x) >= (a.w + b.w) / 2 || Math.abs(a.y - b.y) >= (a.h + b.h) / 2;
          expect(apart, `${boxes[i][0]} and ${boxes[j][0]}`).toBe(true);
        }
      // Revisions of an app are stacked, primary above canary.
      expect(lay.nodes.get(podId('backend', 'primary'))!.y).toBeLessThan(lay.nodes.get(podId('backend', 'canary'))!.y);
      // Every edge runs from its source's right side to its target's left side.
      for (const e of shop.edges) {
        if (e.kind === 'control') continue;
        const g = lay.edges.get(e.id)!;
        const a = lay.nodes.get(e.from)!;
        const b = lay.nodes.get(e.to)!;
        expect(g.points[0]).toBeCloseTo(a.x + a.w / 2, 0);
        expect(g.points[g.points.length - 2]).toBeCloseTo(b.x - b.w / 2, 0);
        expect(g.length).toBeGreaterThan(0);
        expect(g.d.startsWith('M')).toBe(true);
      }
    });
  }

  it('samples curves at equal arc lengths', () => {
    const { points, length } = sampleCubics([
      [0, 0, 50, 0, 50, 100, 100, 100],
      [100, 100, 150, 100, 150, 0, 200, 0],
    ]);
    expect(points.length).toBe(SAMPLES * 2);
    const steps: number[] = [];
    for (let i = 1; i < SAMPLES; i++) steps.push(Math.hypot(points[2 * i] - points[2 * i - 2], points[2 * i + 1] - points[2 * i - 1]));
    const mean = length / (SAMPLES - 1);
    for (const s of steps) expect(Math.abs(s - mean) / mean).toBeLessThan(0.05);
    const p = { x: 0, y: 0 };
    pointAt(points, 0, p);
    expect(p).toEqual({ x: 0, y: 0 });
    pointAt(points, 1, p);
    expect(p.x).toBeCloseTo(200);
    pointAt(points, 0.5, p);
    expect(p.x).toBeCloseTo(100, 0);
    expect(p.y).toBeCloseTo(100, 0);
  });
});

describe('particles', () => {
  it('move faster and come more often as the rate grows', () => {
    expect(particleSpeed(0)).toBe(0);
    expect(emissionRate(0)).toBe(0);
    let speed = 0;
    let emit = 0;
    for (const r of [0.1, 1, 10, 100, 1000]) {
      expect(particleSpeed(r)).toBeGreaterThan(speed);
      expect(emissionRate(r)).toBeGreaterThan(emit);
      speed = particleSpeed(r);
      emit = emissionRate(r);
    }
    expect(particleSpeed(1e9)).toBeLessThanOrEqual(260);
    expect(emissionRate(1e9)).toBeLessThanOrEqual(36);
  });

  it('hold the steady count to the budget, keeping the edges in proportion', () => {
    const edges = Array.from({ length: 30 }, (_, i) => ({ rate: 50 + 10 * i, errorRatio: 0, length: 600 }));
    const free = particleBudget(edges, Infinity);
    const capped = particleBudget(edges, 200);
    const total = capped.reduce((a, e, i) => a + steadyCount(e, edges[i].length), 0);
    expect(total).toBeCloseTo(200);
    expect(capped[29].perSecond / capped[0].perSecond).toBeCloseTo(free[29].perSecond / free[0].perSecond);
    // Under budget: untouched.
    expect(particleBudget(edges.slice(0, 1), 1e6)[0]).toEqual(free[0]);
  });

  it('settle near the steady count, never past the capacity, with errors in their share', () => {
    const field = new ParticleField(400, 300);
    field.configure([
      { rate: 40, errorRatio: 0, length: 300 },
      { rate: 10, errorRatio: 0.25, length: 200 },
      { rate: 0, errorRatio: 0, length: 200 },
    ]);
    let errors = 0;
    let seen = 0;
    for (let i = 0; i < 600; i++) {
      field.step(1 / 60);
      expect(field.count).toBeLessThanOrEqual(field.capacity);
    }
    const want0 = steadyCount({ perSecond: emissionRate(40), speed: particleSpeed(40) }, 300);
    expect(Math.abs(field.countOn(0) - want0)).toBeLessThanOrEqual(2);
    expect(field.countOn(2)).toBe(0);
    for (let i = 0; i < field.count; i++) {
      if (field.edge[i] !== 1) continue;
      seen++;
      errors += field.error[i];
    }
    expect(errors / seen).toBeGreaterThan(0.15);
    expect(errors / seen).toBeLessThan(0.35);
    for (let i = 0; i < field.count; i++) expect(field.progress[i]).toBeLessThan(1);
  });

  it('stay within capacity under a flood, survive a long frame and prefill to the steady state', () => {
    const field = new ParticleField(100, 1e6);
    field.configure(Array.from({ length: 20 }, () => ({ rate: 1e6, errorRatio: 0.5, length: 2000 })));
    // The budget is the capacity: the edges fill up to it and no further.
    for (let i = 0; i < 900; i++) {
      field.step(1 / 60);
      expect(field.count).toBeLessThanOrEqual(100);
    }
    expect(field.count).toBeGreaterThan(80);
    field.step(30);
    expect(field.count).toBeLessThanOrEqual(100);

    const a = new ParticleField(1000, 400);
    a.configure([{ rate: 25, errorRatio: 0.1, length: 400 }]);
    a.prefill();
    const want = steadyCount({ perSecond: emissionRate(25), speed: particleSpeed(25) }, 400);
    expect(Math.abs(a.count - want)).toBeLessThanOrEqual(1);
    // Deterministic: the same steps give the same particles.
    const b = new ParticleField(1000, 400);
    b.configure([{ rate: 25, errorRatio: 0.1, length: 400 }]);
    b.prefill();
    for (let i = 0; i < 50; i++) {
      a.step(1 / 60);
      b.step(1 / 60);
    }
    expect(Array.from(a.progress.subarray(0, a.count))).toEqual(Array.from(b.progress.subarray(0, b.count)));
    // A new graph (another edge count) starts empty.
    a.configure([]);
    expect(a.count).toBe(0);
  });

  it('show traffic that starts along the whole edge at once', () => {
    const field = new ParticleField(1000, 1000);
    const edges = [
      { rate: 30, errorRatio: 0, length: 500 },
      { rate: 0, errorRatio: 0, length: 500 },
    ];
    field.configure(edges);
    expect(field.countOn(1)).toBe(0);
    field.step(1 / 60);
    // The second edge starts flowing: its particles spread from end to end.
    field.configure([edges[0], { rate: 30, errorRatio: 0, length: 500 }]);
    const want = Math.floor(steadyCount({ perSecond: emissionRate(30), speed: particleSpeed(30) }, 500));
    expect(field.countOn(1)).toBe(want);
    const on1 = Array.from(field.progress.subarray(0, field.count)).filter((_, i) => field.edge[i] === 1);
    expect(Math.min(...on1)).toBeLessThan(0.1);
    expect(Math.max(...on1)).toBeGreaterThan(0.9);
    // Flowing already: a slightly higher rate adds no batch; a jump tops the edge up.
    const before = field.countOn(0);
    field.configure([{ rate: 31, errorRatio: 0, length: 500 }, edges[1]]);
    expect(field.countOn(0)).toBe(before);
    const slow = new ParticleField(1000, 1000);
    slow.configure([{ rate: 1, errorRatio: 0, length: 500 }]);
    expect(slow.countOn(0)).toBe(Math.floor(steadyCount({ perSecond: emissionRate(1), speed: particleSpeed(1) }, 500)));
    slow.configure([{ rate: 300, errorRatio: 0, length: 500 }]);
    expect(slow.countOn(0)).toBe(Math.floor(steadyCount({ perSecond: emissionRate(300), speed: particleSpeed(300) }, 500)));
    // The per-edge counts agree with the particles.
    for (let e = 0; e < 2; e++) expect(field.countOn(e)).toBe(Array.from(field.edge.subarray(0, field.count)).filter((x) => x === e).length);
  });
});

describe('fault badges', () => {
  const base = loaded('scenarios/default.yaml');
  const withFaults = (faults: Array<{ name: string; target: Parameters<typeof faultAnchors>[1]['faultTargets'][string] }>) => buildTopology({ world: base.world, faults });
  const topo = withFaults([
    { name: 'abort', target: { kind: 'version', app: 'backend', version: 'primary' } },
    { name: 'both', target: { kind: 'version', app: 'backend', version: 'all' } },
    { name: 'kill', target: { kind: 'pods', workload: 'backend', mode: 'one', value: 1 } },
    { name: 'slow-calls', target: { kind: 'edge', from: 'frontend', to: 'shop/backend' } },
    { name: 'spike', target: { kind: 'stream', stream: 'storefront' } },
    { name: 'prom', target: { kind: 'provider' } },
    { name: 'reject', target: { kind: 'router' } },
  ]);

  it('sit where the fault acts', () => {
    expect(faultAnchors({ name: 'abort', type: 'http-abort' }, topo)).toEqual([{ kind: 'node', id: podId('backend', 'primary') }]);
    expect(faultAnchors({ name: 'both', type: 'http-delay' }, topo)).toEqual([
      { kind: 'node', id: podId('backend', 'primary') },
      { kind: 'node', id: podId('backend', 'canary') },
    ]);
    expect(faultAnchors({ name: 'kill', type: 'pod-kill' }, topo)).toEqual([{ kind: 'node', id: podId('backend', 'canary') }]);
    expect(faultAnchors({ name: 'slow-calls', type: 'network-latency' }, topo)).toEqual([{ kind: 'edge', id: edgeId(podId('frontend', 'primary'), podId('backend', 'primary')) }]);
    expect(faultAnchors({ name: 'spike', type: 'traffic-spike' }, topo)).toEqual([{ kind: 'node', id: streamId('storefront') }]);
    expect(faultAnchors({ name: 'prom', type: 'metrics-outage' }, topo)).toEqual([{ kind: 'node', id: CONTROL }]);
    expect(faultAnchors({ name: 'reject', type: 'router-reject' }, topo)).toEqual([{ kind: 'node', id: SHOP_SPLIT }]);
  });

  it('go by type for a fault the scenario does not name (injected live)', () => {
    expect(faultAnchors({ name: 'live-1', type: 'traffic-spike' }, topo)).toEqual([{ kind: 'node', id: TRAEFIK }]);
    expect(faultAnchors({ name: 'live-2', type: 'scrape-failure' }, topo)).toEqual([{ kind: 'node', id: CONTROL }]);
    expect(faultAnchors({ name: 'live-3', type: 'network-partition' }, topo)).toEqual([{ kind: 'edge', id: edgeId(podId('frontend', 'primary'), podId('backend', 'primary')) }]);
    expect(faultAnchors({ name: 'live-4', type: 'http-abort' }, topo)).toEqual([{ kind: 'node', id: TRAEFIK }]);
    expect(faultAnchors({ name: 'x', type: 'http-abort' }, { ...topo, nodes: [], edges: [] })).toEqual([]);
  });

  it("places the budget-halt scenario's HTTP abort on the backend primary", () => {
    const t = buildTopology(loaded('scenarios/budget-halt.yaml'));
    expect(faultAnchors({ name: 'payments-incident', type: 'http-abort' }, t)).toEqual([{ kind: 'node', id: podId('backend', 'primary') }]);
  });
});

describe('against a run', () => {
  it("derives rates from a real run's snapshot that match its totals", () => {
    const s = new RunSession({ readFile });
    s.handle({ kind: 'open', file: 'scenarios/default.yaml' });
    s.handle({ kind: 'start' });
    const r = s.handle({ kind: 'advance', to: 240 });
    if (r.kind !== 'snapshot') throw new Error(r.kind);
    const snap = r.snapshot;
    const rates = seriesRates(snap.series, snap.seriesKeys.length, snap.t);
    const topo = buildTopology(loaded('scenarios/default.yaml'));
    const pods = new Map(snap.seriesKeys.map((k, i) => [podId(k.app, k.version), rates[i]]));
    const tracker = new StreamRateTracker();
    tracker.push(snap.t, snap.result.streams);
    const streams = new Map(Object.keys(snap.result.streams).map((n) => [n, tracker.rate(n)]));
    const flow = computeFlow(topo, { pods, streams, weights: () => null });
    // The storefront runs at about 40/s; the frontend calls the backend twice per request.
    expect(flow.nodes.get(streamId('storefront'))!.rate).toBeGreaterThan(25);
    expect(flow.nodes.get(streamId('storefront'))!.rate).toBeLessThan(60);
    const f = flow.nodes.get(podId('frontend', 'primary'))!.rate;
    const dep = flow.edges.get(edgeId(podId('frontend', 'primary'), podId('backend', 'primary')))!.rate;
    expect(dep / f).toBeGreaterThan(1.5);
    expect(dep / f).toBeLessThan(2.5);
    expect(flow.nodes.get(podId('backend', 'primary'))!.readyPods).toBe(2);
    expect(snap.series.length).toBeGreaterThan(2);
  });
});
