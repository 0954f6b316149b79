import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { loadReplayCanary } from '../../simulation/replay/canary';
import { dryRun } from '../../simulation/replay/dry-run';
import { importFiles, importOpenMetrics, importQueryRangeJson, SeriesCollector } from '../../simulation/replay/import';
import { reconstructTimeline } from '../../simulation/replay/timeline';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { toOpenMetrics } from '../../simulation/telemetry/openmetrics';
import type { SeriesStore } from '../../simulation/telemetry/tsdb';
import { repoHost } from '../support/scenario';

const fixture = (name: string) => readFileSync(`test/fixtures/replay/${name}`, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'gameday-replay-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every sample of every series, by label set: { 'name{a="1"}': [[t, v], …] }. */
function dump(store: SeriesStore): Record<string, Array<[number, number]>> {
  const out: Record<string, Array<[number, number]>> = {};
  for (let id = 0; id < store.seriesCount; id++) {
    const labels = store.labels(id);
    const key = `${labels.__name__}{${Object.keys(labels).filter((k) => k !== '__name__').sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
    const s = store.samples(id);
    const points: Array<[number, number]> = [];
    for (let i = 0; i < s.n; i++) if (!store.isStale(id, i)) points.push([s.t[i], s.v[i]]);
    if (points.length > 0) out[key] = points;
  }
  return out;
}

describe('OpenMetrics and Prometheus text', () => {
  it('reads back exactly what gameday export-metrics writes (a simulated rollout), byte for byte on export', () => {
    const out = join(dir, 'checkout.om');
    const err: string[] = [];
    const code = main(['export-metrics', 'scenarios/checkout-canary.yaml', '--out', out], { out: () => {}, err: (s) => err.push(s) });
    expect(code, err.join('')).toBe(0);
    const text = readFileSync(out, 'utf8');
    const r = importFiles([{ file: out, text }]);
    expect(r.diagnostics).toEqual([]);
    expect(r.summaries).toEqual([{ file: out, format: 'openmetrics', series: r.store.seriesCount, samples: r.store.sampleCount }]);
    expect(toOpenMetrics(r.store)).toBe(text);
    // The same samples as parsing the text independently: every sample line, at its truncated millisecond.
    const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(r.store.sampleCount).toBe(lines.length);
    const canary = dump(r.store)['traefik_service_requests_total{code="200",instance="traefik-0:9100",job="traefik",method="GET",protocol="http",service="shop-checkout-canary-80@kubernetescrd"}'];
    const written = lines.filter((l) => l.startsWith('traefik_service_requests_total{code="200",instance="traefik-0:9100",job="traefik",method="GET",protocol="http",service="shop-checkout-canary-80@kubernetescrd"}'));
    expect(canary).toEqual(written.map((l) => l.split(' ').slice(-2)).map(([v, t]) => [Math.trunc(Number(t) * 1000), Number(v)]));
  });

  it('reads metadata, escapes, special values, exemplars, and truncates timestamps as Prometheus does', () => {
    const into = new SeriesCollector();
    const summary = importOpenMetrics('small.om', fixture('small.om'), into);
    expect(into.diagnostics).toEqual([]);
    expect(summary).toEqual({ file: 'small.om', format: 'openmetrics', series: 7, samples: 12 });
    const store = into.toStore();
    expect(store.family('http_requests')).toEqual({ name: 'http_requests', type: 'counter', help: 'Requests served, by "code".\nSecond line.' });
    expect(store.family('latency_seconds')?.type).toBe('histogram');
    expect(store.family('temperature')?.type).toBe('gauge');
    const d = dump(store);
    expect(d['http_requests_total{code="200",path="/a\\\\b \\"q\\"\\nx"}']).toEqual([
      [1709294400250, 5],
      [1709294415250, 15],
    ]);
    expect(d['http_requests_total{code="500",path="/"}']).toEqual([
      [1709294400250, 0],
      [1709294415250, 1.5],
    ]);
    expect(d['latency_seconds_bucket{le="+Inf"}']).toEqual([[1709294400000, 2]]);
    expect(d['temperature{}']).toEqual([
      [1709294400001, NaN],
      [1709294400002, -Infinity],
      [1709294400003, Infinity],
      [1709294400004, 21.5], // int64(1709294400.0045 × 1000): the half millisecond is truncated
    ]);
  });

  it('reads Prometheus\' text format (no # EOF) with integer millisecond timestamps, a counter declared by its _total name', () => {
    const into = new SeriesCollector();
    expect(importOpenMetrics('small.prom', fixture('small.prom'), into).format).toBe('prometheus-text');
    expect(into.diagnostics).toEqual([]);
    const store = into.toStore();
    expect(store.family('http_requests')).toEqual({ name: 'http_requests', type: 'counter', help: 'Requests served.' });
    expect(dump(store)).toEqual({
      'http_requests_total{code="200"}': [
        [1709294400250, 5],
        [1709294415250, 15],
      ],
      'queue_depth{}': [[1709294400000, 3]],
    });
  });

  it('locates what it cannot read, and keeps the rest', () => {
    const text = [
      '# TYPE a counter',
      'a_total{x="1"} 1 1709294400',
      'a_total{x="1} 2 1709294415',
      'a_total{x="1",x="2"} 2 1709294415',
      'a_total{x="1"} two 1709294430',
      'a_total{x="1"} 3',
      'a_total{x="1"} 4 soon',
      '9lives 1 1709294400',
      'a_total{x="1"} 5 1709294460',
      '# EOF',
      'a_total{x="1"} 6 1709294475',
    ].join('\n');
    const r = importFiles([{ file: 'bad.om', text }]);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'bad.om:3:11: unterminated value of label x',
      'bad.om:4:20: label x appears twice',
      'bad.om:5:16: the value "two" is not a number',
      'bad.om:6:17: a sample has no timestamp: a replay needs samples over time (as promtool tsdb create-blocks-from openmetrics does); this looks like one scrape of /metrics, which holds one moment only',
      'bad.om:7:18: the timestamp "soon" is not a number',
      'bad.om:8:1: expected a metric name, a # comment or # EOF',
      'bad.om:11:1: warning: text after # EOF is ignored',
    ]);
    expect(dump(r.store)).toEqual({ 'a_total{x="1"}': [[1709294400000, 1], [1709294460000, 5]] });
  });

  it('drops a sample repeated where two files meet, and reports one that contradicts another', () => {
    const a = 'm{k="v"} 1 100\nm{k="v"} 2 115\n# EOF\n';
    const b = 'm{k="v"} 2 115\nm{k="v"} 3 130\n# EOF\n';
    const ok = importFiles([
      { file: 'a.om', text: a },
      { file: 'b.om', text: b },
    ]);
    expect(ok.diagnostics).toEqual([]);
    expect(dump(ok.store)).toEqual({ 'm{k="v"}': [[100_000, 1], [115_000, 2], [130_000, 3]] });
    const bad = importFiles([
      { file: 'a.om', text: a },
      { file: 'c.om', text: 'm{k="v"} 7 115\n# EOF\n' },
    ]);
    expect(bad.diagnostics.map(formatDiagnostic)).toEqual(['c.om:1:1: series m{k="v"} has two samples at 115000 ms with different values: 2 (a.om:2) and 7; the first is kept']);
  });
});

describe('Prometheus HTTP API answers', () => {
  it('reads a saved query_range answer (Prometheus 2.42 over a simulated rollout)', () => {
    const r = importFiles([{ file: 'checkout-requests.query-range.json', text: fixture('checkout-requests.query-range.json') }]);
    expect(r.diagnostics).toEqual([]);
    expect(r.summaries[0]).toEqual({ file: 'checkout-requests.query-range.json', format: 'query-range-json', series: 4, samples: 26 + 32 + 25 + 30 });
    const d = dump(r.store);
    const key = (code: string, role: string) => `traefik_service_requests_total{code="${code}",instance="traefik-0:9100",job="traefik",method="GET",protocol="http",service="shop-checkout-${role}-80@kubernetescrd"}`;
    expect(Object.keys(d).sort()).toEqual([key('200', 'canary'), key('200', 'primary'), key('500', 'canary'), key('500', 'primary')]);
    expect(d[key('200', 'canary')].slice(0, 3)).toEqual([
      [1767225705000, 87],
      [1767225720000, 175],
      [1767225735000, 269],
    ]);
    expect(d[key('500', 'primary')].at(-1)).toEqual([1767226080000, 60]);
  });

  it('reads answers one per line, and agrees with the raw samples of a range-selector query', () => {
    const lines = importFiles([{ file: 'checkout.query-range.jsonl', text: fixture('checkout.query-range.jsonl') }]);
    expect(lines.diagnostics).toEqual([]);
    const raw = importFiles([{ file: 'checkout-buckets.range-selector.json', text: fixture('checkout-buckets.range-selector.json') }]);
    expect(raw.diagnostics).toEqual([]);
    const all = dump(lines.store);
    const buckets = dump(raw.store);
    expect(Object.keys(buckets).length).toBeGreaterThan(5);
    // query_range at the scrape interval, aligned with the scrapes, answers each raw sample at its own time;
    // after a series ends (the canary's, when Traefik dropped the Service at 00:05:45) it repeats the last
    // value for up to the 5 m lookback (backfilled data has no staleness marker to stop it).
    let extended = 0;
    for (const [k, v] of Object.entries(buckets)) {
      expect(all[k].slice(0, v.length), k).toEqual(v);
      const [lastT, lastV] = v[v.length - 1];
      for (const [t, x] of all[k].slice(v.length)) {
        expect(x).toBe(lastV);
        expect(t - lastT).toBeLessThanOrEqual(5 * 60_000);
        extended++;
      }
    }
    expect(extended).toBeGreaterThan(0);
    // An array of answers is the same as the answers one per line.
    const [first, second] = fixture('checkout.query-range.jsonl').trim().split('\n');
    const array = importFiles([{ file: 'a.json', text: `[${first},\n${second}]` }]);
    expect(dump(array.store)).toEqual(all);
  });

  it('replays the saved answers: the checks Flagger ran on that rollout', () => {
    const { store } = importFiles([{ file: 'checkout.query-range.jsonl', text: fixture('checkout.query-range.jsonl') }]);
    const loaded = loadReplayCanary('scenarios/checkout-canary.yaml', [], repoHost);
    if (!loaded.ok) throw new Error(loaded.diagnostics.map(formatDiagnostic).join('\n'));
    const timeline = reconstructTimeline(store, loaded.canary);
    if ('error' in timeline) throw new Error(timeline.error);
    const run = dryRun('as written', [], loaded.canary, loaded.templates, store, timeline);
    const rates = run.ticks.flatMap((t) => t.checks.filter((c) => c.metric === 'request-success-rate').map((c) => c.value));
    expect(rates).toEqual([null, 100, 100, expect.closeTo(99.8407643312102, 12), expect.closeTo(99.65986394557824, 12), expect.closeTo(99.57155098543274, 12)]);
    expect(run.ticks.flatMap((t) => t.checks.filter((c) => c.metric === 'request-duration').map((c) => c.value))).toEqual([119, 198, 203, 219, 193]);
    expect(run.outcome).toMatchObject({ result: 'promoted', atMs: Date.UTC(2026, 0, 1, 0, 4, 30) });
  });

  it('locates what is not data: error answers, expressions, malformed points, other result types', () => {
    const r = importFiles([{ file: 'broken.json', text: fixture('broken.json') }]);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'broken.json:2:3: [0].status: the answer is an error (bad_data: 1:13: parse error: unclosed left parenthesis), not data',
      'broken.json:13:21: [1].data.result[0].metric: a series without a metric name (__name__): this is the answer of an expression, not of a selector; replay needs the raw series (query a plain selector such as traefik_service_requests_total)',
      'broken.json:18:22: [1].data.result[1].values[0]: expected the point\'s value as a string (Prometheus writes "1.5", "NaN", "+Inf"), found a number',
      'broken.json:18:39: [1].data.result[1].values[1]: expected the point\'s time in Unix seconds, found "yesterday"',
      'broken.json:18:59: [1].data.result[1].values[2]: the point\'s value "one" is not a number',
      'broken.json:25:29: [2].data.resultType: expected "matrix" (an answer of /api/v1/query_range), found "scalar": a scalar holds no series',
    ]);
    expect(dump(r.store)).toEqual({ 'up{instance="traefik-0:9100"}': [[1767225645000, 1]] });
    const syntax = importFiles([{ file: 's.jsonl', text: '{"status":"success","data":{"resultType":"matrix","result":[]}}\n{"status": "success", "data": {"resultType": "matrix", "result": [}\n' }]);
    expect(syntax.diagnostics.map(formatDiagnostic)).toEqual(['s.jsonl:2:67: JSON: expected a JSON value, found "}"']);
  });

  it('takes an instant query\'s vector, with a warning', () => {
    const into = new SeriesCollector();
    importQueryRangeJson('v.json', '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"x"},"value":[1767225600.5,"1"]}]}}', into);
    expect(into.diagnostics.map(formatDiagnostic)).toEqual([
      'v.json:1:42: warning: data.resultType: an instant query\'s answer (vector): one sample per series; a rollout needs /api/v1/query_range, or /api/v1/query of a range selector such as metric[1h]',
    ]);
    expect(dump(into.toStore())).toEqual({ 'up{job="x"}': [[1767225600500, 1]] });
  });
});
