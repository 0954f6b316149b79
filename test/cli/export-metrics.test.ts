import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `gameday export-metrics` as built by `npm run build` (dist/), spawned as users run it.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/gameday.js'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const noStackTrace = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

const START_MS = Date.UTC(2026, 0, 1); // the default spec.telemetry.startTime, 2026-01-01T00:00:00Z
const WINDOW = ['scenarios/default.yaml', '--duration', '10m', '--from', '2m', '--to', '5m'];

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'gameday-export-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Sample lines (not comments) of an OpenMetrics text. */
const sampleLines = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
/** Timestamp in ms of a sample line (Prometheus reads seconds, truncating int64(s * 1000)). */
const stampMs = (line: string) => Math.trunc(Number(line.slice(line.lastIndexOf(' ') + 1)) * 1000);

let cached: ReturnType<typeof gameday> | null = null;
/** The default scenario's export for 2m..5m of a 10m run (computed once). */
const windowExport = () => (cached ??= gameday('export-metrics', ...WINDOW));

describe('gameday export-metrics', () => {
  it('writes OpenMetrics ending in # EOF with Traefik service and entrypoint counters', () => {
    const r = windowExport();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n# EOF\n')).toBe(true);
    expect(r.stdout.split('# EOF\n')).toHaveLength(2); // exactly one, at the end
    expect(r.stdout).toContain('# TYPE traefik_service_requests counter\n');
    expect(r.stdout).toContain('# TYPE traefik_service_request_duration_seconds histogram\n');
    const lines = sampleLines(r.stdout);
    const backend = lines.filter((l) => l.startsWith('traefik_service_requests_total{') && l.includes('service="shop-backend-primary-80@kubernetescrd"'));
    expect(backend.length).toBeGreaterThan(0);
    for (const l of backend) expect(l).toMatch(/^traefik_service_requests_total\{code="\d{3}",instance="traefik-[01]:9100",job="traefik",method="GET",protocol="http",service="shop-backend-primary-80@kubernetescrd"\} \d+ \d+(\.\d+)?$/);
    expect(lines.some((l) => l.startsWith('traefik_entrypoint_requests_total{') && l.includes('entrypoint="websecure"'))).toBe(true);
    // Both replicas, each scraped every 15 s (offsets 0 and 7.5 s) within the window: up = 1 each time.
    const ups = lines.filter((l) => l.startsWith('up{'));
    expect(ups.filter((l) => l.includes('instance="traefik-0:9100"')).map(stampMs)).toEqual(Array.from({ length: 13 }, (_, k) => START_MS + 120_000 + k * 15_000));
    expect(ups.filter((l) => l.includes('instance="traefik-1:9100"')).map(stampMs)).toEqual(Array.from({ length: 12 }, (_, k) => START_MS + 127_500 + k * 15_000));
    for (const l of ups) expect(l).toMatch(/ 1 \d+(\.5)?$/);
  });

  it('keeps only samples within [start + 2m, start + 5m], and the counters grow within it', () => {
    const lines = sampleLines(windowExport().stdout);
    expect(lines.length).toBeGreaterThan(1000);
    const stamps = lines.map(stampMs);
    expect(Math.min(...stamps)).toBe(START_MS + 120_000);
    expect(Math.max(...stamps)).toBe(START_MS + 300_000);
    const series = lines.filter((l) => l.startsWith('traefik_service_requests_total{code="200",instance="traefik-0:9100"') && l.includes('shop-backend-primary'));
    expect(series.map(stampMs)).toEqual(Array.from({ length: 13 }, (_, k) => START_MS + 120_000 + k * 15_000));
    const values = series.map((l) => Number(l.split(' ')[1]));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]);
  });

  it('is deterministic, and --out writes the same bytes', () => {
    const again = gameday('export-metrics', ...WINDOW);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(windowExport().stdout);
    const dir = tempDir();
    const out = join(dir, 'metrics.om');
    const r = gameday('export-metrics', ...WINDOW, '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(windowExport().stdout);
    expect(readdirSync(dir)).toEqual(['metrics.om']); // atomic: no temporary left behind
    const otherSeed = gameday('export-metrics', ...WINDOW, '--seed', '7');
    expect(otherSeed.code).toBe(0);
    expect(otherSeed.stdout).not.toBe(windowExport().stdout);
  });

  it('stamps samples from the scenario\'s spec.telemetry.startTime', () => {
    const dir = tempDir();
    const scenario = readFileSync(join(root, 'scenarios/default.yaml'), 'utf8')
      .replace(/^( {4}- )manifests\//gm, `$1${root}/scenarios/manifests/`)
      .replace(/^( {4}scrapeInterval: 15s)$/m, '$1\n    startTime: 2030-06-01T12:00:00Z');
    expect(scenario).toContain('startTime: 2030-06-01T12:00:00Z');
    const file = join(dir, 'scenario.yaml');
    writeFileSync(file, scenario);
    const r = gameday('export-metrics', file, '--duration', '1m', '--from', '30s', '--to', '45s');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const start = Date.UTC(2030, 5, 1, 12);
    expect([...new Set(sampleLines(r.stdout).map(stampMs))].sort((a, b) => a - b)).toEqual([start + 30_000, start + 37_500, start + 45_000]);
  });

  it('exits 2 with a clear message on bad usage, 1 on an invalid scenario', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--from', '5m', '--to', '2m'], /^gameday: --to must not be before --from$/m],
      [['--from', 'abc'], /^gameday: --from: invalid duration "abc"$/m],
      [['--to=-1m'], /^gameday: --to must be zero or more$/m],
      [['--seed', 'x'], /^gameday: --seed expects a whole number/m],
    ];
    for (const [args, message] of cases) {
      const r = gameday('export-metrics', 'scenarios/default.yaml', '--duration', '1m', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      noStackTrace(r.stderr);
    }
    const none = gameday('export-metrics');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('export-metrics takes one scenario file, got 0');
    const invalid = gameday('export-metrics', 'test/fixtures/broken/unknown-target.yaml');
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toBe('');
    expect(invalid.stderr).toContain('test/fixtures/broken/unknown-target.yaml:10:15: spec.traffic[0].target: no Service named apii');
    expect(invalid.stderr).toMatch(/^gameday: test\/fixtures\/broken\/unknown-target\.yaml is not a valid scenario \(\d+ errors?\)$/m);
    noStackTrace(invalid.stderr);
  });
});

const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

// Skipped, with this title in the report, when promtool is not on PATH.
describe.skipIf(!PROMTOOL)('gameday export-metrics into Prometheus (needs promtool on PATH: Debian package prometheus)', () => {
  it('promtool tsdb create-blocks-from openmetrics accepts the export; tsdb dump shows the backend primary requests counter', () => {
    const dir = tempDir();
    const file = join(dir, 'metrics.om');
    const data = join(dir, 'data');
    writeFileSync(file, windowExport().stdout);
    const created = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, data], { encoding: 'utf8' });
    expect(created.stderr + created.stdout).not.toMatch(/error/i);
    expect(created.status).toBe(0);
    expect(readdirSync(data).filter((d) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(d)).length).toBeGreaterThanOrEqual(1);
    mkdirSync(join(data, 'wal'), { recursive: true }); // promtool 2.42's dump opens the WAL
    const dumped = execFileSync('promtool', ['tsdb', 'dump', data], { encoding: 'utf8', maxBuffer: 256 << 20 });
    const key = '{__name__="traefik_service_requests_total", code="200", instance="traefik-0:9100", job="traefik", method="GET", protocol="http", service="shop-backend-primary-80@kubernetescrd"}';
    const got = dumped
      .split('\n')
      .filter((l) => l.startsWith(`${key} `))
      .map((l) => l.slice(key.length + 1).split(' '));
    const exported = sampleLines(windowExport().stdout)
      .filter((l) => l.startsWith('traefik_service_requests_total{code="200",instance="traefik-0:9100",job="traefik",method="GET",protocol="http",service="shop-backend-primary-80@kubernetescrd"} '))
      .map((l) => [l.split(' ')[1], String(stampMs(l))]);
    expect(exported).toHaveLength(13);
    expect(got).toEqual(exported);
    // Every exported sample made it in.
    const total = dumped.split('\n').filter((l) => /^\{.*\} \S+ -?\d+$/.test(l)).length;
    expect(total).toBe(sampleLines(windowExport().stdout).length);
  });
});
