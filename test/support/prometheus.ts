import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Prometheus (2.42, Debian's `prometheus` package) holding a simulated
 * run, to prove our PromQL evaluator equal to it.
 *
 * The OpenMetrics export is backfilled with `promtool tsdb create-blocks-from
 * openmetrics` into a fresh TSDB directory (blocks aligned to 2 h of Unix
 * time), then `prometheus` is started on that directory with no scraping, so
 * every query answers from the backfilled blocks alone. Retention is counted
 * from the newest block, not the wall clock, but is set to 100y anyway.
 */

const available = (bin: string) => spawnSync(bin, ['--version'], { encoding: 'utf8' }).status === 0;

/** Both `prometheus` and `promtool` are on PATH. */
export const hasPrometheus: boolean = available('prometheus') && available('promtool');

/** A sample as the HTTP API renders it: [seconds, "value"]. */
export type PromPoint = [number, string];
export type PromMetric = Record<string, string>;
export type PromData =
  | { resultType: 'vector'; result: Array<{ metric: PromMetric; value: PromPoint }> }
  | { resultType: 'matrix'; result: Array<{ metric: PromMetric; values: PromPoint[] }> }
  | { resultType: 'scalar'; result: PromPoint }
  | { resultType: 'string'; result: PromPoint };
/** The JSON body of /api/v1/query and /api/v1/query_range, as Prometheus sends it. */
export type PromResponse =
  | { status: 'success'; data: PromData; warnings?: string[] }
  | { status: 'error'; errorType: string; error: string; data?: unknown; warnings?: string[] };

export interface TsdbBlock {
  ulid: string;
  /** First sample's timestamp (ms). */
  minTime: number;
  /** One past the last sample's timestamp (ms), as meta.json has it. */
  maxTime: number;
  numSamples: number;
}

export interface PrometheusServer {
  url: string;
  /** The blocks promtool wrote (promtool cuts them at multiples of 2 h of Unix time). */
  blocks: TsdbBlock[];
  /** GET /api/v1/query?query=…&time=<seconds> — returns the parsed JSON body as is ({status, data|errorType,error}). */
  query(expr: string, timeMs: number): Promise<PromResponse>;
  /** GET /api/v1/query_range?query=…&start=&end=&step= (seconds). */
  queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<PromResponse>;
  /** Prometheus' log output so far (stdout and stderr). */
  logs(): string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const PORT_ATTEMPTS = 5;

/** Everything started and not yet stopped: killed and removed when the process exits. */
interface Running {
  child: ChildProcess | null;
  watchdog: ChildProcess | null;
  dir: string;
}
const running = new Set<Running>();
let exitHook = false;

function cleanupSync(r: Running): void {
  running.delete(r);
  if (r.child && r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  disarm(r.watchdog);
  r.watchdog = null;
  try {
    rmSync(r.dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // a file Prometheus wrote while dying: the directory is in tmpdir() anyway
  }
}

function registerExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const r of [...running]) cleanupSync(r);
  });
}

/**
 * A `sh` that waits for its stdin to close and then kills Prometheus and
 * removes the data directory. Its stdin is a pipe held by this process: it
 * closes however we end — normal exit, a terminated vitest worker thread
 * (which emits no 'exit' event), or SIGKILL — so Prometheus never outlives us.
 */
function startWatchdog(pid: number, dir: string): ChildProcess {
  const w = spawn('sh', ['-c', 'cat >/dev/null; kill -KILL "$1" 2>/dev/null; sleep 1; rm -rf "$2"', 'prometheus-watchdog', String(pid), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  w.on('error', () => {});
  w.unref();
  (w.stdin as Socket | null)?.unref();
  return w;
}

/** Stops a watchdog without letting it act: kill it first, then close its pipe (its `cat` ends on EOF). */
function disarm(w: ChildProcess | null): void {
  if (!w) return;
  if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  w.stdin?.destroy();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** Exact decimal seconds of integer milliseconds (the API parses floats and rounds to ms). */
export function promSeconds(ms: number): string {
  const m = Math.round(ms);
  const sign = m < 0 ? '-' : '';
  const a = Math.abs(m);
  const frac = a % 1000;
  return `${sign}${Math.floor(a / 1000)}${frac ? `.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : ''}`;
}

const tail = (s: string, lines = 25) => s.trimEnd().split('\n').slice(-lines).join('\n');

function run(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}${err && typeof err.code !== 'number' ? String(err) : ''}` });
    });
  });
}

function readBlocks(data: string): TsdbBlock[] {
  let dirs: string[];
  try {
    dirs = readdirSync(data).filter((d) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(d));
  } catch {
    return []; // nothing to backfill: promtool made no directory
  }
  return dirs
    .map((ulid) => {
      const meta = JSON.parse(readFileSync(join(data, ulid, 'meta.json'), 'utf8')) as { minTime: number; maxTime: number; stats?: { numSamples?: number } };
      return { ulid, minTime: meta.minTime, maxTime: meta.maxTime, numSamples: meta.stats?.numSamples ?? 0 };
    })
    .sort((x, y) => x.minTime - y.minTime);
}

async function waitReady(url: string, exited: () => boolean, deadline: number): Promise<'ready' | 'exited' | 'timeout'> {
  while (Date.now() < deadline) {
    if (exited()) return 'exited';
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return 'ready';
    } catch {
      // not listening yet
    }
    if (exited()) return 'exited';
    await new Promise((r) => setTimeout(r, 50));
  }
  return 'timeout';
}

/**
 * Backfills the OpenMetrics text with promtool into a fresh temporary TSDB
 * directory and starts prometheus on 127.0.0.1 at a free port with that
 * storage (retention 100y, no scraping, lookback delta 5m, query.max-samples
 * 500M), waits until /-/ready answers, and resolves with the server. stop()
 * kills it and removes the directory; so does the exit of this process.
 */
export async function startPrometheus(openMetrics: string): Promise<PrometheusServer> {
  if (!hasPrometheus) throw new Error('startPrometheus needs prometheus and promtool on PATH (Debian/Ubuntu: apt-get install prometheus)');
  registerExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'gameday-prometheus-'));
  const entry: Running = { child: null, watchdog: null, dir };
  running.add(entry);
  try {
    const input = join(dir, 'metrics.om');
    const data = join(dir, 'data');
    const config = join(dir, 'prometheus.yml');
    writeFileSync(input, openMetrics);
    writeFileSync(config, 'scrape_configs: []\n');
    const backfill = await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', input, data]);
    if (backfill.code !== 0) throw new Error(`promtool tsdb create-blocks-from openmetrics failed (exit ${backfill.code}):\n${tail(backfill.out)}`);
    rmSync(input);
    const blocks = readBlocks(data);

    let lastError = '';
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const child = spawn(
        'prometheus',
        [
          `--config.file=${config}`,
          `--web.listen-address=127.0.0.1:${port}`,
          `--storage.tsdb.path=${data}`,
          '--storage.tsdb.retention.time=100y',
          '--query.lookback-delta=5m',
          '--query.max-samples=500000000',
          '--log.level=info',
        ],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      entry.child = child;
      let log = '';
      const keep = (b: Buffer) => {
        log += b.toString('utf8');
        if (log.length > 1 << 20) log = log.slice(-(1 << 19));
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      let exited = false;
      let spawnError: Error | null = null;
      const exitPromise = new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.once('error', () => resolve());
      });
      child.once('exit', () => (exited = true));
      child.once('error', (e) => {
        spawnError = e;
        exited = true;
      });
      if (child.pid !== undefined) entry.watchdog = startWatchdog(child.pid, dir);
      child.unref();
      (child.stdout as Socket | null)?.unref();
      (child.stderr as Socket | null)?.unref();

      const state = await waitReady(url, () => exited, Date.now() + READY_TIMEOUT_MS);
      // Another process that grabbed the port in between could answer /-/ready: trust it only while ours runs.
      if (state === 'ready' && !exited && !/address already in use/i.test(log)) {
        return server(url, blocks, entry, child, exitPromise, () => log);
      }
      if (state === 'timeout') {
        child.kill('SIGKILL');
        await exitPromise;
        throw new Error(`prometheus did not become ready within ${READY_TIMEOUT_MS / 1000} s at ${url}; log tail:\n${tail(log)}`);
      }
      if (state === 'ready') child.kill('SIGKILL'); // ours failed to bind: someone else answered
      await exitPromise;
      disarm(entry.watchdog);
      entry.watchdog = null;
      entry.child = null;
      if (spawnError) throw new Error(`could not start prometheus: ${String(spawnError)}`);
      lastError = `prometheus exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready; log tail:\n${tail(log)}`;
      if (!/address already in use/i.test(log)) throw new Error(lastError);
    }
    throw new Error(`no free port after ${PORT_ATTEMPTS} attempts: ${lastError}`);
  } catch (e) {
    cleanupSync(entry);
    throw e;
  }
}

function server(url: string, blocks: TsdbBlock[], entry: Running, child: ChildProcess, exited: Promise<void>, logs: () => string): PrometheusServer {
  const get = async (path: string, params: Record<string, string>): Promise<PromResponse> => {
    const res = await fetch(`${url}${path}?${new URLSearchParams(params).toString()}`);
    const body = await res.text();
    try {
      return JSON.parse(body) as PromResponse;
    } catch {
      throw new Error(`GET ${path} answered ${res.status} with a body that is not JSON: ${body.slice(0, 500)}`);
    }
  };
  let stopping: Promise<void> | null = null;
  return {
    url,
    blocks,
    query: (expr, timeMs) => get('/api/v1/query', { query: expr, time: promSeconds(timeMs) }),
    queryRange: (expr, startMs, endMs, stepMs) =>
      get('/api/v1/query_range', { query: expr, start: promSeconds(startMs), end: promSeconds(endMs), step: promSeconds(stepMs) }),
    logs,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }
        cleanupSync(entry);
      })();
      return stopping;
    },
  };
}

// --- comparing API results -------------------------------------------------

const RELATIVE = 1e-9;
const ABSOLUTE = 1e-12;
const MAX_DIFFS = 50;
const MAX_POINT_DIFFS = 5;

/** A sample value as the API renders it ("1.5", "NaN", "+Inf", "-Inf"), or a number. */
function parseValue(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return null;
  switch (v) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
    case '+Infinity':
    case 'Infinity':
      return Infinity;
    case '-Inf':
    case '-Infinity':
      return -Infinity;
  }
  if (v.trim() === '') return null;
  const n = Number(v);
  return Number.isNaN(n) ? null : n;
}

/** Equal within 1e-9 relative or 1e-12 absolute; NaN equals NaN; infinities must match exactly. */
export function valuesEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= Math.max(RELATIVE * Math.max(Math.abs(a), Math.abs(b)), ABSOLUTE);
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** `{a="1", b="2"}` with sorted names: the identity of a series. */
function labelKey(metric: unknown): string {
  if (!isObject(metric)) return `<not a label set: ${JSON.stringify(metric)}>`;
  const names = Object.keys(metric).sort();
  const name = typeof metric.__name__ === 'string' ? metric.__name__ : '';
  const rest = names.filter((n) => n !== '__name__').map((n) => `${n}=${JSON.stringify(metric[n])}`);
  return `${name}{${rest.join(', ')}}`;
}

/** A point's timestamp in ms and value, or a description of what is wrong with it. */
function parsePoint(p: unknown): { ms: number; v: number } | string {
  if (!Array.isArray(p) || p.length !== 2) return `malformed point ${JSON.stringify(p)}`;
  const t = typeof p[0] === 'string' ? Number(p[0]) : p[0];
  if (typeof t !== 'number' || !Number.isFinite(t)) return `malformed timestamp in ${JSON.stringify(p)}`;
  const v = parseValue(p[1]);
  if (v === null) return `malformed value in ${JSON.stringify(p)}`;
  return { ms: Math.round(t * 1000), v };
}

const showValue = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

function comparePoint(where: string, ours: unknown, theirs: unknown, out: string[]): void {
  const a = parsePoint(ours);
  const b = parsePoint(theirs);
  if (typeof a === 'string' || typeof b === 'string') {
    if (typeof a === 'string') out.push(`${where}: ours: ${a}`);
    if (typeof b === 'string') out.push(`${where}: theirs: ${b}`);
    return;
  }
  if (a.ms !== b.ms) out.push(`${where}: timestamp ${a.ms} ms, Prometheus ${b.ms} ms`);
  else if (!valuesEqual(a.v, b.v)) out.push(`${where}: value ${showValue(a.v)}, Prometheus ${showValue(b.v)}${Number.isFinite(a.v) && Number.isFinite(b.v) ? ` (ours − Prometheus = ${a.v - b.v})` : ''}`);
}

function compareSeriesPoints(where: string, ours: unknown, theirs: unknown, out: string[]): void {
  if (!Array.isArray(ours) || !Array.isArray(theirs)) {
    out.push(`${where}: values is not an array (ours ${JSON.stringify(ours)?.slice(0, 80)}, theirs ${JSON.stringify(theirs)?.slice(0, 80)})`);
    return;
  }
  const a = ours.map(parsePoint);
  const b = theirs.map(parsePoint);
  const sameTimes = a.length === b.length && a.every((p, i) => typeof p !== 'string' && typeof b[i] !== 'string' && p.ms === (b[i] as { ms: number }).ms);
  if (!sameTimes) {
    const times = (ps: typeof a) => ps.map((p) => (typeof p === 'string' ? p : p.ms));
    const ta = times(a);
    const tb = times(b);
    const onlyOurs = ta.filter((t) => !tb.includes(t));
    const onlyTheirs = tb.filter((t) => !ta.includes(t));
    const few = (xs: unknown[]) => `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? `, … (${xs.length})` : ''}`;
    out.push(
      `${where}: ${a.length} points, Prometheus ${b.length}` +
        (onlyOurs.length ? `; only ours at ${few(onlyOurs)}` : '') +
        (onlyTheirs.length ? `; only Prometheus at ${few(onlyTheirs)}` : ''),
    );
    return;
  }
  const diffs: string[] = [];
  for (let i = 0; i < ours.length; i++) comparePoint(`${where}[${i}]`, ours[i], theirs[i], diffs);
  out.push(...diffs.slice(0, MAX_POINT_DIFFS));
  if (diffs.length > MAX_POINT_DIFFS) out.push(`${where}: … ${diffs.length - MAX_POINT_DIFFS} more point differences`);
}

interface Entry {
  key: string;
  item: Record<string, unknown>;
}

function entries(result: unknown[], side: string, out: string[]): Entry[] {
  const list: Entry[] = [];
  const seen = new Set<string>();
  for (const item of result) {
    if (!isObject(item)) {
      out.push(`${side}: malformed series ${JSON.stringify(item)?.slice(0, 120)}`);
      continue;
    }
    const key = labelKey(item.metric);
    if (seen.has(key)) out.push(`${side}: duplicate series ${key}`);
    seen.add(key);
    list.push({ key, item });
  }
  return list;
}

/** Series matched by label set, order ignored. */
function compareUnordered(field: 'value' | 'values', ours: Entry[], theirs: Entry[], out: string[]): void {
  const group = (es: Entry[]) => {
    const m = new Map<string, Entry[]>();
    for (const e of es) m.set(e.key, [...(m.get(e.key) ?? []), e]);
    return m;
  };
  const a = group(ours);
  const b = group(theirs);
  const missing = [...b.keys()].filter((k) => !a.has(k)).sort();
  const extra = [...a.keys()].filter((k) => !b.has(k)).sort();
  for (const k of missing) out.push(`missing series ${k} (Prometheus has it)`);
  for (const k of extra) out.push(`extra series ${k} (Prometheus has none)`);
  for (const [k, list] of [...b].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const mine = a.get(k);
    if (!mine) continue;
    if (mine.length !== list.length) continue; // reported as duplicate
    for (let i = 0; i < list.length; i++) {
      if (field === 'value') comparePoint(k, mine[i].item.value, list[i].item.value, out);
      else compareSeriesPoints(k, mine[i].item.values, list[i].item.values, out);
    }
  }
}

/**
 * A vector whose order matters (sort(), sort_desc(), topk(), bottomk()): the
 * values must come in the same order, and each run of equal values in
 * Prometheus' answer (whose order among itself Prometheus leaves open) must
 * hold the same label sets in ours at the same positions.
 */
function compareOrdered(ours: Entry[], theirs: Entry[], out: string[]): void {
  if (ours.length !== theirs.length) {
    out.push(`${ours.length} series, Prometheus ${theirs.length}`);
    compareUnordered('value', ours, theirs, out);
    return;
  }
  const valueOf = (e: Entry) => {
    const p = parsePoint(e.item.value);
    return typeof p === 'string' ? NaN : p.v;
  };
  for (let i = 0; i < theirs.length; ) {
    let j = i + 1;
    while (j < theirs.length && valuesEqual(valueOf(theirs[j]), valueOf(theirs[i]))) j++;
    const want = theirs.slice(i, j);
    const got = ours.slice(i, j);
    const keys = (es: Entry[]) => es.map((e) => e.key).sort();
    if (keys(want).join('\n') !== keys(got).join('\n')) {
      out.push(
        `order differs at position ${i}${j - i > 1 ? `..${j - 1}` : ''}: ours ${got.map((e) => `${e.key} ${showValue(valueOf(e))}`).join('; ')}; ` +
          `Prometheus ${want.map((e) => `${e.key} ${showValue(valueOf(e))}`).join('; ')}`,
      );
    } else {
      compareUnordered('value', got, want, out);
    }
    i = j;
  }
}

/**
 * Compares two API results (ours and Prometheus'): the same status (and
 * errorType when both fail), the same resultType, the same set of label sets
 * (order-insensitive unless `ordered`, for vectors from sort()/sort_desc()/
 * topk()/bottomk(); a range query's matrix is always compared by label set,
 * as Prometheus orders it by labels whatever the query), values equal to 1e-9
 * relative (1e-12 absolute near zero), NaN equal to NaN, the same timestamps
 * (to the millisecond). Returns human-readable differences; empty = equal.
 */
export function compareResults(ours: unknown, theirs: unknown, opts: { ordered?: boolean } = {}): string[] {
  const out: string[] = [];
  if (!isObject(ours) || !isObject(theirs)) {
    if (!isObject(ours)) out.push(`ours is not an API response: ${JSON.stringify(ours)?.slice(0, 200)}`);
    if (!isObject(theirs)) out.push(`Prometheus' is not an API response: ${JSON.stringify(theirs)?.slice(0, 200)}`);
    return out;
  }
  const describeError = (r: Record<string, unknown>) => (r.status === 'error' ? ` (${String(r.errorType)}: ${String(r.error)})` : '');
  if (ours.status !== theirs.status) {
    return [`status ${JSON.stringify(ours.status)}${describeError(ours)}, Prometheus ${JSON.stringify(theirs.status)}${describeError(theirs)}`];
  }
  if (theirs.status === 'error') {
    if (ours.errorType !== theirs.errorType) out.push(`errorType ${JSON.stringify(ours.errorType)} (${String(ours.error)}), Prometheus ${JSON.stringify(theirs.errorType)} (${String(theirs.error)})`);
    return out;
  }
  if (theirs.status !== 'success') return [`unknown status ${JSON.stringify(theirs.status)}`];
  const a = ours.data;
  const b = theirs.data;
  if (!isObject(a) || !isObject(b)) return [`data missing (ours ${typeof a}, Prometheus ${typeof b})`];
  if (a.resultType !== b.resultType) return [`resultType ${JSON.stringify(a.resultType)}, Prometheus ${JSON.stringify(b.resultType)}`];
  switch (b.resultType) {
    case 'scalar':
      comparePoint('scalar', a.result, b.result, out);
      break;
    case 'string': {
      const pa = Array.isArray(a.result) ? a.result : [];
      const pb = Array.isArray(b.result) ? b.result : [];
      const ta = Math.round(Number(pa[0]) * 1000);
      const tb = Math.round(Number(pb[0]) * 1000);
      if (ta !== tb) out.push(`string: timestamp ${ta} ms, Prometheus ${tb} ms`);
      if (pa[1] !== pb[1]) out.push(`string: ${JSON.stringify(pa[1])}, Prometheus ${JSON.stringify(pb[1])}`);
      break;
    }
    case 'vector':
    case 'matrix': {
      if (!Array.isArray(a.result) || !Array.isArray(b.result)) {
        out.push(`result is not an array (ours ${typeof a.result}, Prometheus ${typeof b.result})`);
        break;
      }
      const ea = entries(a.result, 'ours', out);
      const eb = entries(b.result, 'Prometheus', out);
      if (b.resultType === 'vector' && opts.ordered) compareOrdered(ea, eb, out);
      else compareUnordered(b.resultType === 'vector' ? 'value' : 'values', ea, eb, out);
      break;
    }
    default:
      if (JSON.stringify(a.result) !== JSON.stringify(b.result)) out.push(`result of type ${JSON.stringify(b.resultType)} differs`);
  }
  if (out.length > MAX_DIFFS) return [...out.slice(0, MAX_DIFFS), `… ${out.length - MAX_DIFFS} more differences`];
  return out;
}
