import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetchJson, replayCommand } from '../../cli/replay';
import { instantQuery } from '../../simulation/promql/engine';
import { loadReplayCanary } from '../../simulation/replay/canary';
import { planPull, pull } from '../../simulation/replay/pull';
import { neededSelectors } from '../../simulation/replay/selectors';
import { Simulation } from '../../simulation/run/simulation';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { loadScenario } from '../../simulation/scenario/loader';
import { toOpenMetrics } from '../../simulation/telemetry/openmetrics';
import type { SeriesStore } from '../../simulation/telemetry/tsdb';
import { hasPrometheus, type PrometheusServer, startPrometheus } from '../support/prometheus';
import { repoHost } from '../support/scenario';

/**
 * `gameday replay --prometheus` against a real Prometheus 2.42 (Debian's
 * package): a simulated rollout is exported as OpenMetrics, backfilled with
 * promtool and served by prometheus on 127.0.0.1; the replay pulls the
 * series its Canary needs through the HTTP API. What it pulls must equal the
 * source data, and the dry run over it the simulator's own checks. Also:
 * a server that cannot be reached, and one that wants credentials (a local
 * proxy answering 401 in front of the real one).
 */

const FILE = 'scenarios/checkout-canary.yaml';
const START = Date.UTC(2026, 0, 1); // the scenario's spec.telemetry.startTime
const FROM = '2026-01-01T00:01:00Z';
const TO = '2026-01-01T00:08:00Z';

function record(): { store: SeriesStore; checks: Array<[number, string, number | null, boolean]> } {
  const loaded = loadScenario(FILE, repoHost);
  if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
  const sim = new Simulation(loaded.scenario, {});
  const run = sim.runToEnd();
  return { store: sim.store, checks: run.checks.map((c) => [c.t, c.metric, c.value, c.ok]) };
}

function canary() {
  const r = loadReplayCanary(FILE, [], repoHost);
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await replayCommand(args, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** The dry run's checks in the JSON document, as [second of the run, metric, value, ok]. */
function checksOf(json: string): Array<[number, string, number | null, boolean]> {
  const j = JSON.parse(json) as { runs: Array<{ ticks: Array<{ t: string; checks: Array<{ metric: string; value: number | null; ok: boolean }> }> }> };
  return j.runs[0].ticks.flatMap((t) => t.checks.map((c) => [(Date.parse(t.t) - START) / 1000, c.metric, c.value, c.ok] as [number, string, number | null, boolean]));
}

// In CI the binaries are required: there the suite runs and fails loudly when they are missing.
describe.skipIf(!hasPrometheus && !process.env.CI)('gameday replay against a real Prometheus (needs prometheus and promtool on PATH: Debian package prometheus)', () => {
  let prom: PrometheusServer;
  let proxy: Server;
  let proxyUrl = '';
  const source = record();

  beforeAll(async () => {
    if (!hasPrometheus) throw new Error('CI must run the Prometheus comparison: install prometheus and promtool (apt-get install prometheus)');
    prom = await startPrometheus(toOpenMetrics(source.store));
    // A proxy that wants a bearer token or alice's password, in front of the real server.
    proxy = createServer((req, res) => {
      const auth = req.headers.authorization ?? '';
      if (auth !== 'Bearer s3cret' && auth !== `Basic ${Buffer.from('alice:wonder land').toString('base64')}`) {
        res.writeHead(auth === '' ? 401 : 403, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' });
        res.end(auth === '' ? 'Unauthorized\n' : 'Forbidden\n');
        return;
      }
      void fetch(`${prom.url}${req.url ?? '/'}`).then(async (r) => {
        res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'application/json' });
        res.end(await r.text());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const addr = proxy.address();
    proxyUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }, 60_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await prom?.stop();
  });

  it('pulls exactly the samples Prometheus holds for the series the Canary needs', async () => {
    const { canary: c, templates } = canary();
    const needed = neededSelectors(c, templates);
    expect(needed.selectors.map((s) => s.selector)).toEqual([
      'traefik_service_request_duration_seconds_bucket{service=~"shop-checkout-canary-[0-9a-zA-Z-]+@kubernetescrd"}',
      'traefik_service_requests_total{service=~"shop-checkout-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd"}',
      'traefik_service_request_duration_seconds_count{service=~"shop-checkout-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd"}',
    ]);
    const plan = planPull(needed.selectors, { url: prom.url, fromMs: Date.parse(FROM), toMs: Date.parse(TO), chunkMs: 120_000 });
    if ('error' in plan) throw new Error(plan.error);
    expect(plan.requests.length).toBe(3 * 4); // 8 minutes (the first tick's 1m window included) in 2-minute windows
    const got = await pull(plan, nodeFetchJson);
    if (!got.ok) throw new Error(got.error);
    expect(got.diagnostics).toEqual([]);
    expect(got.emptySelectors).toEqual([]);
    // The source's series under those selectors, from our own evaluator over the source store.
    let series = 0;
    for (const s of needed.selectors) {
      const want = instantQuery(source.store, `${s.selector}[${plan.toMs - plan.fromMs}ms]`, plan.toMs, { staleness: false });
      if (want.status !== 'success' || want.data.resultType !== 'matrix') throw new Error(JSON.stringify(want));
      for (const w of want.data.result) {
        series++;
        const id = got.store.findSeries(w.metric);
        expect(id, JSON.stringify(w.metric)).toBeGreaterThanOrEqual(0);
        const p = got.store.samples(id);
        expect(Array.from(p.t.subarray(0, p.n))).toEqual(w.values.map(([t]) => Math.round(t * 1000)));
        expect(Array.from(p.v.subarray(0, p.n))).toEqual(w.values.map(([, v]) => Number(v)));
      }
    }
    expect(got.store.seriesCount).toBe(series);
    expect(series).toBeGreaterThan(10);
  });

  it('replays the pulled rollout as the simulator ran it, raw or resampled by query_range', async () => {
    const raw = await cli([FILE, '--prometheus', prom.url, '--from', FROM, '--to', TO, '--json', '--quiet']);
    expect(raw.err).toBe('');
    expect(raw.code).toBe(0);
    expect(checksOf(raw.out)).toEqual(source.checks);
    const resampled = await cli([FILE, '--prometheus', prom.url, '--from', FROM, '--to', TO, '--step', '15s', '--json', '--quiet']);
    expect(resampled.code, resampled.err).toBe(0);
    expect(checksOf(resampled.out)).toEqual(source.checks);
    expect(JSON.parse(resampled.out).data.source).toMatchObject({ mode: 'range', requests: 3 });
  });

  it('sends the credentials it is given, and says when they are missing or refused', async () => {
    const args = [FILE, '--prometheus', proxyUrl, '--from', FROM, '--to', TO, '--quiet'];
    const none = await cli(args);
    expect(none).toMatchObject({ code: 1, err: `gameday: Prometheus at ${proxyUrl} answered 401 Unauthorized: it needs credentials; give a bearer token (--token) or basic auth (--user USER:PASSWORD)\n` });
    const wrong = await cli([...args, '--token', 'guess']);
    expect(wrong).toMatchObject({ code: 1, err: `gameday: Prometheus at ${proxyUrl} refused the bearer token given (403 Forbidden): check the credentials and that they may read /api/v1/query\n` });
    const token = await cli([...args, '--token', 's3cret', '--json']);
    expect(token.code, token.err).toBe(0);
    expect(checksOf(token.out)).toEqual(source.checks);
    const basic = await cli([...args, '--user', 'alice:wonder land', '--json']);
    expect(basic.code, basic.err).toBe(0);
  });
});

describe('gameday replay --prometheus without a server', () => {
  it('says when nothing listens at the URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createNetServer();
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    const r = await cli([FILE, '--prometheus', `http://127.0.0.1:${port}`, '--from', FROM, '--to', TO, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`gameday: cannot reach Prometheus at http://127.0.0.1:${port}: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${port})\n`);
  });
});
