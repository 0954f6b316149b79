import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeOpenMetrics, formatTimestamp, formatValue, openMetricsChunks, toOpenMetrics } from '../../simulation/telemetry/openmetrics';
import { SeriesStore } from '../../simulation/telemetry/tsdb';

const T0 = 1_700_000_000_000;

/** A counter with two label sets, a histogram with buckets [0.1, 0.3, 1.2, 5, +Inf] and a gauge, scraped twice. */
function smallStore(): SeriesStore {
  const s = new SeriesStore();
  s.defineFamily('queue_depth', 'gauge', 'Jobs waiting.');
  s.defineFamily('http_requests', 'counter', 'Requests served.');
  s.defineFamily('latency_seconds', 'histogram', 'Request latency.');
  // Created out of order on purpose: the export orders families, metrics and buckets itself.
  const g = s.seriesId({ __name__: 'queue_depth', svc: 'api' });
  const sum = s.seriesId({ __name__: 'latency_seconds_sum', svc: 'api' });
  const buckets = ['5', '+Inf', '0.1', '1.2', '0.3'].map((le) => s.seriesId({ __name__: 'latency_seconds_bucket', svc: 'api', le }));
  const count = s.seriesId({ __name__: 'latency_seconds_count', svc: 'api' });
  const c500 = s.seriesId({ __name__: 'http_requests_total', code: '500', svc: 'api' });
  const c200 = s.seriesId({ svc: 'api', code: '200', __name__: 'http_requests_total' });
  const cumulative = [[4, 5, 1, 3, 2], [8, 10, 2, 6, 4]];
  for (let k = 0; k < 2; k++) {
    const t = T0 + k * 15_000 + 250;
    s.append(c200, t, 10 * k + 5);
    s.append(c500, t, k);
    buckets.forEach((id, i) => s.append(id, t, cumulative[k][i]));
    s.append(count, t, 5 * (k + 1));
    s.append(sum, t, 1.25 * (k + 1));
    s.append(g, t, k === 0 ? 2.5 : 3);
  }
  return s;
}

const SMALL = `# TYPE http_requests counter
# HELP http_requests Requests served.
http_requests_total{code="200",svc="api"} 5 1700000000.25
http_requests_total{code="200",svc="api"} 15 1700000015.25
http_requests_total{code="500",svc="api"} 0 1700000000.25
http_requests_total{code="500",svc="api"} 1 1700000015.25
# TYPE latency_seconds histogram
# HELP latency_seconds Request latency.
latency_seconds_bucket{le="0.1",svc="api"} 1 1700000000.25
latency_seconds_bucket{le="0.3",svc="api"} 2 1700000000.25
latency_seconds_bucket{le="1.2",svc="api"} 3 1700000000.25
latency_seconds_bucket{le="5",svc="api"} 4 1700000000.25
latency_seconds_bucket{le="+Inf",svc="api"} 5 1700000000.25
latency_seconds_count{svc="api"} 5 1700000000.25
latency_seconds_sum{svc="api"} 1.25 1700000000.25
latency_seconds_bucket{le="0.1",svc="api"} 2 1700000015.25
latency_seconds_bucket{le="0.3",svc="api"} 4 1700000015.25
latency_seconds_bucket{le="1.2",svc="api"} 6 1700000015.25
latency_seconds_bucket{le="5",svc="api"} 8 1700000015.25
latency_seconds_bucket{le="+Inf",svc="api"} 10 1700000015.25
latency_seconds_count{svc="api"} 10 1700000015.25
latency_seconds_sum{svc="api"} 2.5 1700000015.25
# TYPE queue_depth gauge
# HELP queue_depth Jobs waiting.
queue_depth{svc="api"} 2.5 1700000000.25
queue_depth{svc="api"} 3 1700000015.25
# EOF
`;

describe('OpenMetrics export', () => {
  it('renders a small store exactly: families in order, counters as _total, histogram MetricPoints grouped by time', () => {
    expect(toOpenMetrics(smallStore())).toBe(SMALL);
  });

  it('yields chunks that join to the file and ends with # EOF', () => {
    const chunks = [...openMetricsChunks(smallStore())];
    expect(chunks.join('')).toBe(SMALL);
    expect(chunks.join('').endsWith('\n# EOF\n')).toBe(true);
    expect(toOpenMetrics(new SeriesStore())).toBe('# EOF\n');
  });

  it('splits a large export into several chunks', () => {
    const s = new SeriesStore();
    const id = s.seriesId({ __name__: 'g' });
    for (let i = 0; i < 10_000; i++) s.append(id, T0 + i * 1000, i);
    const chunks = [...openMetricsChunks(s)];
    expect(chunks.length).toBeGreaterThan(1);
    const text = chunks.join('');
    expect(text.split('\n').filter((l) => l.startsWith('g ')).length).toBe(10_000);
    expect(text.startsWith('# TYPE g unknown\ng 0 1700000000\n')).toBe(true);
  });

  it('escapes label values and HELP text (\\\\, \\", \\n)', () => {
    const s = new SeriesStore();
    s.defineFamily('odd', 'gauge', 'Help with "quotes", a back\\slash\nand a newline.');
    s.append(s.seriesId({ __name__: 'odd', path: 'C:\\dir\\"x"\nnext' }), 1000, 1);
    expect(toOpenMetrics(s)).toBe(
      '# TYPE odd gauge\n# HELP odd Help with \\"quotes\\", a back\\\\slash\\nand a newline.\n' +
        'odd{path="C:\\\\dir\\\\\\"x\\"\\nnext"} 1 1\n# EOF\n',
    );
    expect(escapeOpenMetrics('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it('keeps only samples within [fromMs, toMs] and leaves out families with none', () => {
    const s = smallStore();
    const second = toOpenMetrics(s, { fromMs: T0 + 15_250 });
    expect(second).not.toContain('1700000000.25');
    expect(second.split('\n').filter((l) => l.endsWith(' 1700000015.25')).length).toBe(10);
    const first = toOpenMetrics(s, { toMs: T0 + 250 });
    expect(first).not.toContain('1700000015.25');
    expect(first.split('\n').filter((l) => l.endsWith(' 1700000000.25')).length).toBe(10);
    expect(toOpenMetrics(s, { fromMs: T0 + 250, toMs: T0 + 15_250 })).toBe(SMALL);
    expect(toOpenMetrics(s, { fromMs: T0 + 251, toMs: T0 + 15_249 })).toBe('# EOF\n');
  });

  it('skips staleness markers and renders special values', () => {
    const s = new SeriesStore();
    s.defineFamily('g', 'gauge', '');
    const id = s.seriesId({ __name__: 'g' });
    [1, NaN, Infinity, -Infinity, -0, 1e21, 1.5e-7, -42].forEach((v, i) => s.append(id, 1000 * (i + 1), v));
    s.appendStale(id, 9000);
    s.append(id, 10_000, 0.1);
    expect(toOpenMetrics(s)).toBe(
      '# TYPE g gauge\ng 1 1\ng NaN 2\ng +Inf 3\ng -Inf 4\ng -0 5\ng 1e+21 6\ng 1.5e-7 7\ng -42 8\ng 0.1 10\n# EOF\n',
    );
    expect(formatValue(123456789012)).toBe('123456789012');
  });

  it('series of undeclared families form families of type unknown; summaries list quantiles, _count, _sum', () => {
    const s = new SeriesStore();
    s.defineFamily('rpc_seconds', 'summary', '');
    s.append(s.seriesId({ __name__: 'rpc_seconds_sum' }), 1000, 3);
    s.append(s.seriesId({ __name__: 'rpc_seconds_count' }), 1000, 2);
    s.append(s.seriesId({ __name__: 'rpc_seconds', quantile: '0.99' }), 1000, 1.5);
    s.append(s.seriesId({ __name__: 'rpc_seconds', quantile: '0.5' }), 1000, 1);
    s.append(s.seriesId({ __name__: 'loose_total' }), 2000, 7);
    expect(toOpenMetrics(s)).toBe(
      '# TYPE loose_total unknown\nloose_total 7 2\n' +
        '# TYPE rpc_seconds summary\nrpc_seconds{quantile="0.5"} 1 1\nrpc_seconds{quantile="0.99"} 1.5 1\nrpc_seconds_count 2 1\nrpc_seconds_sum 3 1\n# EOF\n',
    );
  });

  it('renders timestamps that Prometheus, truncating int64(seconds*1000), reads back to the same millisecond', () => {
    expect(formatTimestamp(0)).toBe('0');
    expect(formatTimestamp(1000)).toBe('1');
    expect(formatTimestamp(1500)).toBe('1.5');
    expect(formatTimestamp(T0 + 123)).toBe('1700000000.123');
    expect(formatTimestamp(1001)).toBe('1.0015'); // 1.001 * 1000 = 1000.9999999999999 would truncate to 1000
    expect(formatTimestamp(-1500)).toBe('-1.5');
    const starts = [-10_000, 0, T0, 2 ** 41, 4_102_444_800_000];
    for (const start of starts) {
      for (let ms = start; ms < start + 200_000; ms++) {
        const s = formatTimestamp(ms);
        if (Math.trunc(Number(s) * 1000) !== ms) throw new Error(`${ms} renders as ${s}`);
      }
    }
  });
});

// --- promtool round trip ---------------------------------------------------------

function hasPromtool(): boolean {
  return spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
}
const PROMTOOL = hasPromtool();

/** A store of a few thousand samples over two hours: counters, a histogram, a gauge with a NaN and a stale marker. */
function twoHourStore(t0: number): SeriesStore {
  const s = new SeriesStore();
  s.defineFamily('http_requests', 'counter', 'Requests served, by "code".');
  s.defineFamily('latency_seconds', 'histogram', 'Request latency.');
  s.defineFamily('queue_depth', 'gauge', 'Jobs waiting.\nSampled every scrape.');
  const les = ['0.1', '0.3', '1.2', '5', '+Inf'];
  const counters = ['200', '500'].map((code) => s.seriesId({ __name__: 'http_requests_total', code, path: 'a"b\\c' }));
  const buckets = les.map((le) => s.seriesId({ __name__: 'latency_seconds_bucket', le, svc: 'api' }));
  const count = s.seriesId({ __name__: 'latency_seconds_count', svc: 'api' });
  const sum = s.seriesId({ __name__: 'latency_seconds_sum', svc: 'api' });
  const gauge = s.seriesId({ __name__: 'queue_depth', svc: 'api' });
  const step = 15_001; // uneven milliseconds exercise the timestamp rendering
  for (let k = 0; k * step <= 2 * 3600_000; k++) {
    const t = t0 + k * step;
    counters.forEach((id, i) => s.append(id, t, k * (i + 1) * 3));
    let cum = 0;
    buckets.forEach((id, i) => s.append(id, t, (cum += k * (5 - i))));
    s.append(count, t, cum);
    s.append(sum, t, k * 0.37);
    if (k === 100) s.appendStale(gauge, t);
    else s.append(gauge, t, k === 50 ? NaN : (k % 17) / 4);
  }
  return s;
}

// Skipped, with this title in the report, when promtool is not on PATH.
describe.skipIf(!PROMTOOL)('promtool round trip (needs promtool on PATH: Debian package prometheus)', () => {
  it.each([
    ['at a 2023 epoch', T0 + 7],
    ['near time zero, where naive seconds would truncate', 1001],
  ])('promtool tsdb create-blocks-from openmetrics accepts the export %s and keeps every sample', (_what, t0) => {
    const store = twoHourStore(t0);
    const dir = mkdtempSync(join(tmpdir(), 'openmetrics-'));
    try {
      const file = join(dir, 'metrics.om');
      const out = join(dir, 'data');
      writeFileSync(file, toOpenMetrics(store));
      const created = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, out], { encoding: 'utf8' });
      expect(created.stderr + created.stdout).not.toMatch(/error/i);
      expect(created.status).toBe(0);
      const blocks = readdirSync(out).filter((d) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(d));
      expect(blocks.length).toBeGreaterThanOrEqual(1);
      for (const b of blocks) expect(existsSync(join(out, b, 'meta.json'))).toBe(true);

      // Series count per `promtool tsdb analyze`, summed over the blocks.
      const analyzed = blocks.map((b) => execFileSync('promtool', ['tsdb', 'analyze', out, b], { encoding: 'utf8' }));
      const seriesPerBlock = analyzed.map((text) => Number(/^Series: (\d+)$/m.exec(text)?.[1]));
      expect(seriesPerBlock.every((n) => n === store.seriesCount)).toBe(true);

      // Every exported sample comes back with its exact timestamp (promtool 2.42's dump needs a wal/ folder).
      mkdirSync(join(out, 'wal'), { recursive: true });
      const dumped = execFileSync('promtool', ['tsdb', 'dump', out], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const got = new Map<string, string[]>();
      for (const line of dumped.split('\n')) {
        const m = /^(\{.*\}) (\S+) (-?\d+)$/.exec(line);
        if (!m) continue;
        const list = got.get(m[1]) ?? [];
        list.push(`${m[3]} ${m[2]}`);
        got.set(m[1], list);
      }
      const expected = new Map<string, string[]>();
      let exported = 0;
      for (let id = 0; id < store.seriesCount; id++) {
        const labels = store.labels(id);
        const key = '{' + Object.keys(labels).map((n) => `${n}=${JSON.stringify(labels[n])}`).join(', ') + '}';
        const { t, v, n } = store.samples(id);
        const list: string[] = [];
        for (let i = 0; i < n; i++) if (!store.isStale(id, i)) list.push(`${t[i]} ${Number.isNaN(v[i]) ? 'NaN' : v[i]}`);
        expected.set(key, list);
        exported += list.length;
      }
      expect(exported).toBeGreaterThan(4000);
      expect(store.sampleCount - exported).toBe(1); // the stale marker
      const normalise = (m: Map<string, string[]>) =>
        new Map([...m].map(([k, l]) => [k, l.map((x) => x.replace(/ (\S+)$/, (_, val: string) => ` ${val === 'NaN' ? 'NaN' : Number(val)}`))]));
      expect(normalise(got)).toEqual(normalise(expected));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
