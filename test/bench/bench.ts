/**
 * npm run bench [-- --json] [-- --simpy] [-- --requests N] [-- --repeat K] [-- --no-sweep]
 *
 * Figures are ratios against a baseline measured in the same run, never
 * absolute thresholds: the kernel's M/M/c throughput next to a bare
 * typed-array event loop running the same model with the same generator.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fsHost } from '../../cli/host';
import { type RunMode, Simulation } from '../../simulation/run/simulation';
import { loadScenario } from '../../simulation/scenario/loader';
import { instantQuery } from '../../simulation/promql/engine';
import { parsePromQL } from '../../simulation/promql/parse';
import { mmcMeanWait, mmcScenario } from '../support/mmc';
import { bareMmc } from './bare-mmc';
import { bareChecks } from './bare-promql';
import { loadSweep, runCount } from '../../simulation/sweep/spec';
import { SweepRunner } from '../../simulation/sweep/run';
import { tuneGcForShortRuns } from '../../cli/gc';

const LAMBDA = 1000;
const C = 8;
const RHO = 0.8;
const MU = LAMBDA / (C * RHO);

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    simpy: { type: 'boolean', default: false },
    requests: { type: 'string', default: '2000000' },
    repeat: { type: 'string', default: '3' },
    sweep: { type: 'boolean', default: true },
  },
});
const requests = Number(values.requests);
const repeat = Number(values.repeat);

interface Measure {
  events: number;
  wallMs: number;
  eventsPerSec: number;
  meanWait: number;
}

function kernelRun(seed: number): Measure {
  // Duration chosen so that the expected number of requests is `requests`.
  const sim = new Simulation(mmcScenario(LAMBDA, MU, C, requests / LAMBDA), { seed });
  const t0 = performance.now();
  const r = sim.runToEnd();
  const wallMs = performance.now() - t0;
  return { events: r.stats.events, wallMs, eventsPerSec: r.stats.events / (wallMs / 1000), meanWait: r.services.server.primary?.queueWait.mean ?? NaN };
}

function bareRun(seed: number): Measure {
  const r = bareMmc(LAMBDA, MU, C, requests, seed);
  return { ...r, eventsPerSec: r.events / (r.wallMs / 1000) };
}

function best(ms: Measure[]): Measure {
  return ms.reduce((a, b) => (b.eventsPerSec > a.eventsPerSec ? b : a));
}

// Warm up both paths, then alternate so that both see the same machine state.
kernelRun(99);
bareRun(99);
const kernel: Measure[] = [];
const bare: Measure[] = [];
for (let i = 0; i < repeat; i++) {
  kernel.push(kernelRun(i + 1));
  bare.push(bareRun(i + 1));
}
const k = best(kernel);
const b = best(bare);

// The default scenario end to end (Traefik, telemetry, scraping), in both modes.
// The GC setting `gameday sweep` runs with (cli/gc.ts), so this process's one-thread figures compare with it.
tuneGcForShortRuns();
const loaded = loadScenario(new URL('../../scenarios/default.yaml', import.meta.url).pathname, fsHost);
if (!loaded.ok) throw new Error('scenarios/default.yaml does not load');
const scenario = loaded.scenario;
// The same scenario without its SLOs: what their rule evaluations and budget cost, measured in the same run.
const noSlos = { ...scenario, slos: [] };
function scenarioRun(mode: RunMode, seed: number, s: typeof scenario = scenario) {
  const t0 = performance.now();
  const r = new Simulation(s, { seed, mode }).runToEnd();
  return { wallMs: performance.now() - t0, requests: r.stats.requests, calls: r.stats.calls, simSeconds: r.stats.simSeconds, samples: r.telemetry.samples, storeBytes: r.telemetry.bytes };
}
scenarioRun('exact', 99);
scenarioRun('fast', 99);
const exactRuns = Array.from({ length: repeat }, (_, i) => scenarioRun('exact', i + 1));
const fastRuns = Array.from({ length: Math.max(repeat, 10) }, (_, i) => scenarioRun('fast', i + 1));
const fastest = <T extends { wallMs: number }>(runs: T[]): T => runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
const ex = fastest(exactRuns);
const fa = fastest(fastRuns);
const exNoSlo = fastest(Array.from({ length: repeat }, (_, i) => scenarioRun('exact', i + 1, noSlos)));
const faNoSlo = fastest(Array.from({ length: Math.max(repeat, 10) }, (_, i) => scenarioRun('fast', i + 1, noSlos)));
const defaultScenario = {
  simulated: `${ex.simSeconds} s`,
  exact: {
    wallMs: Math.round(ex.wallMs),
    requests: ex.requests,
    calls: ex.calls,
    requestsPerSec: Math.round(ex.requests / (ex.wallMs / 1000)),
    callsPerSec: Math.round(ex.calls / (ex.wallMs / 1000)),
    timesRealTime: Math.round(ex.simSeconds / (ex.wallMs / 1000)),
  },
  fast: { wallMs: Math.round(fa.wallMs), runsPerSec: Math.round((1000 / fa.wallMs) * 10) / 10, timesRealTime: Math.round(fa.simSeconds / (fa.wallMs / 1000)) },
  fastToExact: Math.round((ex.wallMs / fa.wallMs) * 10) / 10,
  store: { samples: ex.samples, bytes: ex.storeBytes, bytesPerSample: Math.round((ex.storeBytes / ex.samples) * 100) / 100 },
  /** Its two SLOs' share of the run's time (rules every minute, budget, attribution): 1 − without ÷ with. */
  sloShare: { exact: Math.round((1 - exNoSlo.wallMs / ex.wallMs) * 100) / 100, fast: Math.round((1 - faNoSlo.wallMs / fa.wallMs) * 100) / 100 },
};

// PromQL: Flagger's two built-in Traefik checks over a 1-hour run scraped every
// 15 s, evaluated from their text as Flagger sends them (the evaluator caches
// parsed texts) at every scrape from 5 min on, against the same numbers
// computed by hand; parsing alone is measured too.
// The default scenario's canary carries no Traefik traffic before Flagger
// exists, so the checks select the primary: the same query shapes over the
// series that carry the load.
const SERVICE_RE = 'shop-backend-primary-[0-9a-zA-Z-]+@kubernetescrd';
const B = 'traefik_service_request_duration_seconds_bucket';
const QUERIES = {
  successRate: ` sum( rate( ${B}{ service=~"${SERVICE_RE}", code!~"5..", le="+Inf" }[1m] ) ) / sum( rate( ${B}{ service=~"${SERVICE_RE}", le="+Inf" }[1m] ) ) * 100`,
  p99Ms: ` histogram_quantile( 0.99, sum( rate( ${B}{ service=~"${SERVICE_RE}" }[1m] ) ) by (le) ) * 1000`,
} as const;
const hour = new Simulation(scenario, { seed: 1, duration: 3600 });
hour.runToEnd();
const evalTimes: number[] = [];
for (let s = 300; s <= 3600; s += 15) evalTimes.push(hour.timestamp(s));
const bareCheck = bareChecks(hour.store, SERVICE_RE, 60_000);
const valueOf = (r: ReturnType<typeof instantQuery>): number => {
  if (r.status !== 'success' || r.data.resultType !== 'vector') throw new Error(`benchmark query failed: ${JSON.stringify(r)}`);
  const last = r.data.result.at(-1);
  return last ? Number(last.value[1]) : NaN;
};
const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
const disagree: string[] = [];
for (const t of evalTimes) {
  for (const key of ['successRate', 'p99Ms'] as const) {
    const ours = valueOf(instantQuery(hour.store, QUERIES[key], t));
    const byHand = bareCheck[key](t);
    if (!same(ours, byHand)) disagree.push(`${key} at ${t}: evaluator ${ours}, by hand ${byHand}`);
  }
}
if (disagree.length > 0) throw new Error(`PromQL benchmark: the evaluator and the hand-computed checks disagree at ${disagree.length} points: ${disagree.slice(0, 3).join('; ')}`);
function evalsPerSec(fn: (t: number) => unknown): number {
  let best = Infinity;
  for (let r = 0; r <= repeat; r++) {
    const t0 = performance.now();
    for (const t of evalTimes) fn(t);
    const ms = performance.now() - t0;
    if (r > 0 && ms < best) best = ms; // the first pass warms up
  }
  return (evalTimes.length * 2) / (best / 1000);
}
const engineRate = evalsPerSec((t) => {
  instantQuery(hour.store, QUERIES.successRate, t);
  instantQuery(hour.store, QUERIES.p99Ms, t);
});
const bareRate = evalsPerSec((t) => {
  bareCheck.successRate(t);
  bareCheck.p99Ms(t);
});
const parseRate = evalsPerSec(() => {
  parsePromQL(QUERIES.successRate);
  parsePromQL(QUERIES.p99Ms);
});
const promql = {
  run: '1 h, scrape 15 s',
  store: { series: hour.store.seriesCount, samples: hour.store.sampleCount },
  evaluationTimes: evalTimes.length,
  evaluator: { evalsPerSec: Math.round(engineRate) },
  bare: { evalsPerSec: Math.round(bareRate) },
  parse: { parsesPerSec: Math.round(parseRate) },
  evaluatorToBare: Math.round((engineRate / bareRate) * 1000) / 1000,
};

// The tuning lab: a 10,000-rollout sweep (test/bench/sweep-10k.yaml) run as users run it — `gameday sweep`,
// worker threads on every core, process start included — against the same rollouts on one thread in this
// process (every 25th run, so each configuration and situation is in the sample).
let sweep: Record<string, unknown> | null = null;
if (values.sweep) {
  const file = new URL('./sweep-10k.yaml', import.meta.url).pathname.replace('/dist/bench/', '/test/bench/');
  const loadedSweep = loadSweep(file, fsHost);
  if (!loadedSweep.ok) throw new Error(`${file} does not load`);
  const plan = loadedSweep.plan;
  const total = runCount(plan);
  const runner = new SweepRunner(plan);
  const sample = Array.from({ length: Math.floor(total / 25) }, (_, i) => i * 25);
  for (const u of sample.slice(0, 40)) runner.run(u); // warm up
  const t0 = performance.now();
  for (const u of sample) runner.run(u);
  const singleRate = sample.length / ((performance.now() - t0) / 1000);
  const cli = new URL('../cli/gameday.js', import.meta.url).pathname;
  const s0 = performance.now();
  const r = spawnSync(process.execPath, [cli, 'sweep', file, '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const sweepMs = performance.now() - s0;
  if (r.status !== 0) throw new Error(`gameday sweep failed: ${r.stderr}`);
  const runs = (JSON.parse(r.stdout) as { runs: number }).runs;
  if (runs !== total) throw new Error(`the sweep reported ${runs} runs, expected ${total}`);
  const parallelRate = total / (sweepMs / 1000);
  sweep = {
    rollouts: total,
    workers: availableParallelism(),
    wallMs: Math.round(sweepMs),
    rolloutsPerSec: Math.round(parallelRate),
    singleThread: { rolloutsPerSec: Math.round(singleRate), sample: sample.length },
    allCoresToOneThread: Math.round((parallelRate / singleRate) * 100) / 100,
  };
}

let simpy: Record<string, unknown> | null = null;
if (values.simpy) {
  const script = new URL('../../test/bench/mmc_simpy.py', import.meta.url).pathname;
  if (existsSync('/usr/bin/python3') && existsSync(script)) {
    try {
      const out = execFileSync('/usr/bin/python3', [script, '--requests', '200000'], { encoding: 'utf8' });
      simpy = JSON.parse(out.trim().split('\n').pop() as string);
    } catch (e) {
      simpy = { error: `SimPy run failed: ${(e as Error).message.split('\n')[0]} (apt-get install python3-simpy3)` };
    }
  } else simpy = { error: 'python3 or test/bench/mmc_simpy.py missing' };
}

const result = {
  model: { lambda: LAMBDA, mu: MU, servers: C, utilisation: RHO, requests },
  repeat,
  kernel: { eventsPerSec: Math.round(k.eventsPerSec), events: k.events, wallMs: Math.round(k.wallMs), meanWait: k.meanWait },
  bare: { eventsPerSec: Math.round(b.eventsPerSec), events: b.events, wallMs: Math.round(b.wallMs), meanWait: b.meanWait },
  erlangCMeanWait: mmcMeanWait(LAMBDA, MU, C),
  kernelToBare: Math.round((k.eventsPerSec / b.eventsPerSec) * 1000) / 1000,
  ...(simpy
    ? {
        simpy,
        kernelToSimpy: typeof simpy.eventsPerSec === 'number' ? Math.round((k.eventsPerSec / simpy.eventsPerSec) * 10) / 10 : null,
      }
    : {}),
  defaultScenario,
  promql,
  ...(sweep ? { sweep } : {}),
  node: process.version,
};

if (values.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const f = (x: number) => `${(x / 1e6).toFixed(2)} M events/s`;
  console.log(`M/M/${C} at utilisation ${RHO} (λ=${LAMBDA}/s), ${requests} requests, best of ${repeat}`);
  console.log(`  kernel  ${f(k.eventsPerSec)}  (${k.events} events in ${k.wallMs.toFixed(0)} ms)`);
  console.log(`  bare    ${f(b.eventsPerSec)}  (${b.events} events in ${b.wallMs.toFixed(0)} ms)`);
  console.log(`  kernel / bare = ${result.kernelToBare}  (target >= 0.5)`);
  const d = defaultScenario;
  console.log(`Default scenario, ${d.simulated} simulated, best of ${repeat}`);
  console.log(`  exact  ${d.exact.wallMs} ms: ${d.exact.requests} requests (${d.exact.requestsPerSec}/s), ${d.exact.calls} calls (${d.exact.callsPerSec}/s), ${d.exact.timesRealTime}× real time`);
  console.log(`  fast   ${d.fast.wallMs} ms: ${d.fast.runsPerSec} runs/s, ${d.fast.timesRealTime}× real time; fast / exact = ${d.fastToExact}× quicker`);
  console.log(`  time-series store: ${d.store.samples} samples in ${d.store.bytes} bytes, ${d.store.bytesPerSample} B/sample`);
  console.log(`  its two SLOs' share of the run: ${Math.round(d.sloShare.exact * 100)}% exact, ${Math.round(d.sloShare.fast * 100)}% fast`);
  const q = promql;
  console.log(`PromQL: Flagger's success-rate and p99 checks, ${q.run} (${q.store.series} series, ${q.store.samples} samples), ${q.evaluationTimes} evaluation times`);
  console.log(`  evaluator ${q.evaluator.evalsPerSec} evaluations/s; by hand ${q.bare.evalsPerSec}/s; evaluator / by hand = ${q.evaluatorToBare}; parsing alone ${q.parse.parsesPerSec}/s`);
  if (sweep) {
    console.log(`Tuning lab: gameday sweep of ${sweep.rollouts} rollouts (checkout, fast mode) on ${sweep.workers} workers`);
    console.log(`  ${(Number(sweep.wallMs) / 1000).toFixed(1)} s end to end (target < 10 s), ${sweep.rolloutsPerSec} rollouts/s; one thread ${(sweep.singleThread as { rolloutsPerSec: number }).rolloutsPerSec}/s; all cores / one thread = ${sweep.allCoresToOneThread}`);
  }
  if (simpy) {
    if (typeof simpy.eventsPerSec === 'number') console.log(`  SimPy ${simpy.simpyVersion}: ${f(simpy.eventsPerSec)}; kernel / SimPy = ${result.kernelToSimpy}  (target >= 20)`);
    else console.log(`  SimPy: ${simpy.error}`);
  }
}
