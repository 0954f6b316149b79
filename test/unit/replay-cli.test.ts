import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { type ReplayDeps, replayCommand } from '../../cli/replay';
import { instantQuery, rangeQuery } from '../../simulation/promql/engine';
import { importFiles } from '../../simulation/replay/import';
import type { FetchAnswer } from '../../simulation/replay/pull';
import { toOpenMetrics } from '../../simulation/telemetry/openmetrics';
import type { SeriesStore } from '../../simulation/telemetry/tsdb';
import { clock, podinfoStore } from '../fixtures/replay/podinfo-rollout';

const dir = mkdtempSync(join(tmpdir(), 'gameday-replay-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CANARY = 'test/fixtures/replay/podinfo-canary.yaml';
const DATA = join(dir, 'podinfo.om');
writeFileSync(DATA, toOpenMetrics(podinfoStore()));

async function gameday(args: string[], deps?: Partial<ReplayDeps>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { out: (s: string) => (out += s), err: (s: string) => (err += s) };
  const code = deps ? await replayCommand(args.slice(1), io, { readFile: (p) => { try { return readFileSync(p, 'utf8'); } catch { return null; } }, fetchJson: async () => ({ error: 'no network in this test' }), now: () => clock('12:10:00'), ...deps }) : await main(args, io);
  return { code, out, err };
}

/** A Prometheus that answers from a store with our evaluator, as its HTTP API would; records what it was asked. */
function fakePrometheus(store: SeriesStore, opts: { status?: number; body?: string } = {}) {
  const requests: Array<{ url: URL; headers: Readonly<Record<string, string>> }> = [];
  const fetchJson = async (url: string, headers: Readonly<Record<string, string>>): Promise<FetchAnswer> => {
    const u = new URL(url);
    requests.push({ url: u, headers });
    if (opts.status !== undefined) return { status: opts.status, statusText: opts.status === 401 ? 'Unauthorized' : '', body: opts.body ?? '' };
    const q = u.searchParams.get('query') as string;
    const sec = (k: string) => Math.round(Number(u.searchParams.get(k)) * 1000);
    const r = u.pathname.endsWith('/query_range') ? rangeQuery(store, q, sec('start'), sec('end'), sec('step'), { staleness: false }) : instantQuery(store, q, sec('time'), { staleness: false });
    return { status: r.status === 'success' ? 200 : 400, body: JSON.stringify(r) };
  };
  return { fetchJson, requests };
}

describe('gameday replay', () => {
  it('explains itself', async () => {
    const r = await gameday(['help', 'replay']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: gameday replay <canary.yaml>');
    expect((await gameday(['--help'])).out).toContain('replay <canary.yaml>');
  });

  it('refuses bad usage with exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['replay'], 'replay takes one Canary file'],
      [['replay', CANARY], 'give the recorded series'],
      [['replay', CANARY, '--data', DATA, '--prometheus', 'http://p:9090'], 'not both'],
      [['replay', CANARY, '--prometheus', 'http://p:9090', '--from', 'now-1h'], '--prometheus needs the window to pull'],
      [['replay', CANARY, '--data', DATA, '--from', 'now-1h'], '--from goes with --prometheus'],
      [['replay', CANARY, '--prometheus', 'http://p:9090', '--from', 'now-1h', '--to', 'now', '--token', 't', '--user', 'u:p'], 'either --token'],
      [['replay', CANARY, '--prometheus', 'http://p:9090', '--from', 'now-1h', '--to', 'now', '--user', 'alice'], '--user expects USER:PASSWORD'],
      [['replay', CANARY, '--prometheus', 'http://p:9090', '--from', 'yesterday', '--to', 'now'], '--from expects an RFC 3339 time'],
      [['replay', CANARY, '--prometheus', 'http://p:9090', '--from', 'now', '--to', 'now-1h'], '--to must be after --from'],
      [['replay', CANARY, '--prometheus', 'ftp://p', '--from', 'now-1h', '--to', 'now'], "expected the Prometheus server's http:// or https:// URL"],
      [['replay', CANARY, '--data', DATA, '--set', 'analysis.treshold=2'], '"analysis.treshold" is not a knob'],
      [['replay', CANARY, '--data', DATA, '--events-at', 'now'], '--events-at goes with --events'],
      [['replay', CANARY, '--data', DATA, '--bogus'], "Unknown option '--bogus'"],
    ];
    for (const [args, message] of cases) {
      const r = await gameday(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toContain(message);
    }
  });

  it('says what is wrong with the inputs, located, with exit 1', async () => {
    const missing = await gameday(['replay', CANARY, '--data', join(dir, 'nope.om')]);
    expect(missing).toMatchObject({ code: 1, err: `gameday: cannot read ${join(dir, 'nope.om')}\n` });
    const badCanary = join(dir, 'canary.yaml');
    writeFileSync(badCanary, readFileSync(CANARY, 'utf8').replace('interval: 1m\n    threshold: 3', 'interval: 1h\n    threshold: 3'));
    const c = await gameday(['replay', badCanary, '--data', DATA]);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(new RegExp(`^${badCanary.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:17:15: spec\\.analysis\\.interval: expected analysis\\.interval as a Go duration`, 'm'));
    const badData = join(dir, 'bad.om');
    writeFileSync(badData, 'm{a="1"} 1\n# EOF\n');
    const d = await gameday(['replay', CANARY, '--data', badData]);
    expect(d.code).toBe(1);
    expect(d.err).toContain(`${badData}:1:11: a sample has no timestamp`);
    const noKnob = await gameday(['replay', CANARY, '--data', DATA, '--set', 'metrics.request-duration.thresholdRange.max=500']);
    expect(noKnob).toMatchObject({ code: 1, err: 'gameday: metrics.request-duration.thresholdRange.max=500: the Canary has no metric named request-duration\n' });
  });

  it('prints the replay: timeline, each run\'s checks, and the side by side', async () => {
    const r = await gameday(['replay', CANARY, '--data', DATA, '--events', 'test/fixtures/replay/podinfo-events-timestamps.txt', '--set', 'analysis.threshold=2']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Timeline from Flagger\'s events:');
    expect(r.out).toContain('Dry run with analysis.threshold=2 (interval 1m, threshold 2, max weight 50 (step 25); request-success-rate ≥ 99)');
    expect(r.out).toContain('  12:04:00  50        50       98.50 ✗               1       halt');
    expect(r.out).toContain("  actual (Flagger's events): promoted at 12:06:00 (Copying podinfo.test template spec to podinfo-primary.test) after 2 failed checks\n");
    expect(r.out).toContain('  with analysis.threshold=2: rolled back at 12:06:00 (Rolling back podinfo.test failed checks threshold reached 2) after 2 failed checks: request-success-rate < 99 twice (98.50 at 12:04:00, 98.83 at 12:05:00) — differs from what happened (promoted)\n');
  });

  it('prints a stable JSON document with --json', async () => {
    const r = await gameday(['replay', CANARY, '--data', DATA, '--json', '--set', 'metrics.request-success-rate.thresholdRange.min=98']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(Object.keys(j)).toEqual(['kind', 'canary', 'data', 'timeline', 'traffic', 'actual', 'runs', 'comparison', 'warnings']);
    expect(j).toMatchObject({ kind: 'gameday-replay/v1', canary: 'test/podinfo', data: { series: 5, from: '2024-03-01T12:00:00Z', to: '2024-03-01T12:10:00Z', source: { kind: 'files' } } });
    expect(j.timeline).toMatchObject({ source: 'traffic', interval: '1m', start: '2024-03-01T12:02:00Z', end: '2024-03-01T12:07:00Z', outcome: 'promoted-or-rolled-back' });
    expect(j.traffic).toEqual({ sameAsTimeline: true });
    expect(j.runs.map((x: { label: string; overrides: string[]; outcome: { result: string; at: string } }) => [x.label, x.overrides, x.outcome.result, x.outcome.at])).toEqual([
      ['as written', [], 'promoted', '2024-03-01T12:06:00Z'],
      ['candidate', ['metrics.request-success-rate.thresholdRange.min=98'], 'promoted', '2024-03-01T12:04:00Z'],
    ]);
    expect(j.runs[0].ticks[2]).toMatchObject({ t: '2024-03-01T12:04:00Z', recordedWeight: 50, phase: 'Progressing', failedChecks: 1, decision: 'halt', checks: [{ metric: 'request-success-rate', value: expect.closeTo(98.5, 10), min: 99, max: null, ok: false, error: null }] });
    // Same inputs, same bytes.
    expect((await gameday(['replay', CANARY, '--data', DATA, '--json', '--set', 'metrics.request-success-rate.thresholdRange.min=98'])).out).toBe(r.out);
  });

  it('pulls only the series the Canary needs, raw, with progress, and replays them', async () => {
    const source = podinfoStore();
    const prom = fakePrometheus(source);
    const save = join(dir, 'pulled.om');
    const r = await gameday(['replay', CANARY, '--prometheus', 'http://prometheus.example:9090/', '--from', '2024-03-01T12:00:00Z', '--to', '2024-03-01T12:10:00Z', '--token', 's3cret', '--save', save, '--json'], { fetchJson: prom.fetchJson });
    expect(r.code, r.err).toBe(0);
    // The builtin query's widest selector (from 1m before --from: its rate window) and the timeline's two counters.
    const asked = prom.requests.map((q) => q.url.searchParams.get('query'));
    expect(asked).toEqual([
      'traefik_service_request_duration_seconds_bucket{le="+Inf",service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd"}[660001ms]',
      'traefik_service_requests_total{service=~"test-podinfo-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd"}[660001ms]',
      'traefik_service_request_duration_seconds_count{service=~"test-podinfo-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd"}[660001ms]',
    ]);
    expect(prom.requests.every((q) => q.url.pathname === '/api/v1/query' && q.url.searchParams.get('time') === String(clock('12:10:00') / 1000))).toBe(true);
    expect(prom.requests.every((q) => q.headers.Authorization === 'Bearer s3cret')).toBe(true);
    expect(r.err.split('\n')).toEqual([
      'pulling 3 selectors from http://prometheus.example:9090, 2024-03-01T11:59:00Z to 2024-03-01T12:10:00Z (3 requests, raw samples)',
      '1/3 traefik_service_request_duration_seconds_bucket{le="+Inf",service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd"} 11:59:00–12:10:00: 2 series, 66 samples so far',
      '2/3 traefik_service_requests_total{service=~"test-podinfo-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd"} 11:59:00–12:10:00: 5 series, 173 samples so far',
      '3/3 traefik_service_request_duration_seconds_count{service=~"test-podinfo-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd"} 11:59:00–12:10:00: 5 series, 173 samples so far',
      'gameday: warning: no samples for traefik_service_request_duration_seconds_count{service=~"test-podinfo-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd"} in the window',
      `saved the pulled series to ${save} (replay them again with --data ${save})`,
      '',
    ]);
    const j = JSON.parse(r.out);
    expect(j.data.source).toEqual({ kind: 'prometheus', url: 'http://prometheus.example:9090', mode: 'raw', from: '2024-03-01T11:59:00Z', to: '2024-03-01T12:10:00Z', requests: 3 });
    expect(j.runs[0].outcome).toMatchObject({ result: 'promoted', at: '2024-03-01T12:06:00Z', failedChecks: 2 });
    // What was saved is the source's series, sample for sample.
    const saved = importFiles([{ file: save, text: readFileSync(save, 'utf8') }]).store;
    expect(saved.seriesCount).toBe(source.seriesCount);
    for (let id = 0; id < source.seriesCount; id++) {
      const s = source.samples(id);
      const t = saved.samples(saved.findSeries(source.labels(id)));
      expect(Array.from(t.t.subarray(0, t.n))).toEqual(Array.from(s.t.subarray(0, s.n)));
      expect(Array.from(t.v.subarray(0, t.n))).toEqual(Array.from(s.v.subarray(0, s.n)));
    }
  });

  it('pulls with query_range when given a step, in basic auth', async () => {
    const prom = fakePrometheus(podinfoStore());
    const r = await gameday(['replay', CANARY, '--prometheus', 'http://p:9090', '--from', '1709294400', '--to', '1709295000', '--step', '15s', '--user', 'alice:pa:ss', '--quiet'], { fetchJson: prom.fetchJson });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('gameday: warning: no samples for traefik_service_request_duration_seconds_count{service=~"test-podinfo-(primary|canary)-[0-9a-zA-Z-]+@kubernetescrd"} in the window\n');
    expect(prom.requests[0].url.pathname).toBe('/api/v1/query_range');
    expect(Object.fromEntries(prom.requests[0].url.searchParams)).toMatchObject({ start: '1709294340', end: '1709295000', step: '15' });
    expect(prom.requests[0].headers.Authorization).toBe(`Basic ${Buffer.from('alice:pa:ss').toString('base64')}`);
    expect(r.out).toContain('the Canary as written: promoted at 12:06:00 after 2 failed checks');
  });

  it('says why a pull failed: unreachable, credentials wanted or refused, an error answer, no Prometheus there', async () => {
    const args = ['replay', CANARY, '--prometheus', 'http://p:9090', '--from', 'now-10m', '--to', 'now', '--quiet'];
    const down = await gameday(args, { fetchJson: async () => ({ error: 'ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:9090)' }) });
    expect(down).toMatchObject({ code: 1, err: 'gameday: cannot reach Prometheus at http://p:9090: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:9090)\n' });
    const wants = await gameday(args, { fetchJson: fakePrometheus(podinfoStore(), { status: 401, body: 'Unauthorized' }).fetchJson });
    expect(wants).toMatchObject({ code: 1, err: 'gameday: Prometheus at http://p:9090 answered 401 Unauthorized: it needs credentials; give a bearer token (--token) or basic auth (--user USER:PASSWORD)\n' });
    const refused = await gameday([...args, '--token', 'old'], { fetchJson: fakePrometheus(podinfoStore(), { status: 403, body: 'Forbidden' }).fetchJson });
    expect(refused.err).toBe('gameday: Prometheus at http://p:9090 refused the bearer token given (403): check the credentials and that they may read /api/v1/query\n');
    const bad = await gameday(args, { fetchJson: fakePrometheus(podinfoStore(), { status: 422, body: '{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}' }).fetchJson });
    expect(bad.err).toBe(
      'gameday: Prometheus at http://p:9090 answered 422 with an error for traefik_service_request_duration_seconds_bucket{le="+Inf",service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd"}: execution: query processing would load too many samples into memory in query execution\n',
    );
    const grafana = await gameday(args, { fetchJson: fakePrometheus(podinfoStore(), { status: 200, body: '<!DOCTYPE html><html><title>Grafana</title>' }).fetchJson });
    expect(grafana.err).toContain("answered 200 with something that is not Prometheus' JSON (is the URL Prometheus' own, not a dashboard's or a login page's?): <!DOCTYPE html>");
    const nothing = await gameday(args, { fetchJson: fakePrometheus(podinfoStore(), { status: 404, body: '404 page not found' }).fetchJson });
    expect(nothing.err).toContain('answered 404 for /api/v1/query: no Prometheus HTTP API there');
  });
});
