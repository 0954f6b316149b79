/**
 * Pulling a rollout's series from a Prometheus server: which requests to
 * send for the selectors a Canary needs (selectors.ts), and the answers
 * assembled into one store. The network is not here: the caller passes a
 * `fetchJson(url, headers)` (the CLI's uses Node's fetch), so this stays pure
 * and tests can answer anything.
 *
 * Two ways to ask:
 *
 * - raw (the default): `GET /api/v1/query?query=<selector>[<window>]&time=<end>`
 *   for consecutive windows of at most `chunkMs`. An instant query of a range
 *   selector answers the samples Prometheus stored, with their own
 *   timestamps: the store then equals the server's data.
 * - resampled (`stepMs` given): `GET /api/v1/query_range?query=<selector>&start&end&step`.
 *   Prometheus answers the newest sample at or before each step (within the
 *   5 m lookback), so timestamps move to the step grid and a series that
 *   ended is repeated for up to 5 m; `rate()` over such data differs a little
 *   from `rate()` over the raw samples. Use it where range-selector queries
 *   are refused, with the step equal to the scrape interval.
 *
 * Errors name what happened: the server cannot be reached, it wants
 * credentials (401/403), it has no Prometheus API at that URL (404), it
 * answered an error (`bad_data`, `execution`, …) or something that is not
 * its JSON.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import type { Diagnostic } from '../scenario/diagnostics';
import type { SeriesStore } from '../telemetry/tsdb';
import { importQueryRangeJson, SeriesCollector } from './import';
import type { NeededSelector } from './selectors';
import { formatRfc3339 } from './time';

/** The answer of one GET: its status and body, or why there is none (connection refused, timeout, DNS…). */
export type FetchAnswer = { status: number; statusText?: string; body: string } | { error: string };
export type FetchJson = (url: string, headers: Readonly<Record<string, string>>) => Promise<FetchAnswer>;

export interface PullOptions {
  /** The server's base URL, e.g. http://prometheus:9090 (a path prefix such as /prometheus is kept). */
  url: string;
  fromMs: number;
  toMs: number;
  /** query_range with this step; null/absent: raw samples through range-selector queries. */
  stepMs?: number | null;
  /** Longest window of one raw request (default 1 h). */
  chunkMs?: number;
  /** Extra request headers (Authorization). */
  headers?: Readonly<Record<string, string>>;
  /** How the headers authenticate, for messages. */
  auth?: 'none' | 'bearer' | 'basic';
}

export interface PullRequest {
  url: string;
  selector: string;
  /** The samples this request covers, ms (inclusive). */
  fromMs: number;
  toMs: number;
}

export interface PullPlan {
  base: string;
  mode: 'raw' | 'range';
  /** The pulled window: the given one widened by the longest lookback of the queries. */
  fromMs: number;
  toMs: number;
  requests: PullRequest[];
}

export interface PullProgress {
  done: number;
  total: number;
  request: PullRequest;
  /** Series and samples read so far (before duplicates at window edges are dropped). */
  series: number;
  samples: number;
}

export type PullResult =
  | { ok: true; store: SeriesStore; diagnostics: Diagnostic[]; plan: PullPlan; emptySelectors: string[] }
  | { ok: false; error: string; plan: PullPlan };

const HOUR_MS = 3_600_000;
/** Prometheus refuses a query_range of more than 11 000 points per series. */
const MAX_RANGE_POINTS = 11_000;

/** Exact decimal Unix seconds of integer milliseconds, as the API's `time`, `start`, `end` take them. */
export function apiSeconds(ms: number): string {
  const m = Math.round(ms);
  const sign = m < 0 ? '-' : '';
  const a = Math.abs(m);
  const frac = a % 1000;
  return `${sign}${Math.floor(a / 1000)}${frac ? `.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : ''}`;
}

function query(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

/** The base URL without a trailing slash; an error text when it is not http(s). */
export function baseUrl(url: string): string | { error: string } {
  const trimmed = url.trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/i.test(trimmed)) return { error: `expected the Prometheus server's http:// or https:// URL (e.g. http://prometheus:9090), got ${JSON.stringify(url)}` };
  return trimmed.replace(/\/api\/v1(\/.*)?$/, '');
}

/**
 * The requests that pull the selectors over [fromMs − lookback, toMs], where
 * lookback is the longest any query reads before a tick (so the first tick's
 * windows are whole).
 */
export function planPull(selectors: readonly NeededSelector[], opts: PullOptions): PullPlan | { error: string } {
  const base = baseUrl(opts.url);
  if (typeof base !== 'string') return base;
  if (!(opts.toMs > opts.fromMs)) return { error: `the window is empty: ${formatRfc3339(opts.fromMs)} to ${formatRfc3339(opts.toMs)}` };
  const lookback = Math.max(0, ...selectors.map((s) => s.lookbackMs));
  const fromMs = opts.fromMs - lookback;
  const toMs = opts.toMs;
  const requests: PullRequest[] = [];
  const step = opts.stepMs ?? null;
  if (step !== null) {
    if (!(step >= 1)) return { error: 'the step must be at least 1ms' };
    const span = step * (MAX_RANGE_POINTS - 1);
    for (const s of selectors) {
      for (let start = fromMs; start <= toMs; start += span + step) {
        const end = Math.min(toMs, start + span);
        requests.push({ url: `${base}/api/v1/query_range?${query({ query: s.selector, start: apiSeconds(start), end: apiSeconds(end), step: apiSeconds(step) })}`, selector: s.selector, fromMs: start, toMs: end });
      }
    }
    return { base, mode: 'range', fromMs, toMs, requests };
  }
  const chunk = Math.max(1000, Math.round(opts.chunkMs ?? HOUR_MS));
  for (const s of selectors) {
    // Windows (a, b]: Prometheus 3 excludes a range's start, 2.42 includes it (a repeat at an edge is dropped on import).
    for (let a = fromMs - 1, b = Math.min(toMs, fromMs + chunk); ; a = b, b = Math.min(toMs, b + chunk)) {
      requests.push({ url: `${base}/api/v1/query?${query({ query: `${s.selector}[${b - a}ms]`, time: apiSeconds(b) })}`, selector: s.selector, fromMs: a + 1, toMs: b });
      if (b >= toMs) break;
    }
  }
  return { base, mode: 'raw', fromMs, toMs, requests };
}

/** What a Prometheus error answer says, when the body is one. */
function apiError(body: string): string | null {
  try {
    const j = JSON.parse(body) as { status?: unknown; errorType?: unknown; error?: unknown };
    if (j && j.status === 'error') return `${typeof j.errorType === 'string' ? `${j.errorType}: ` : ''}${typeof j.error === 'string' ? j.error : 'no message'}`;
  } catch {
    // not JSON
  }
  return null;
}

function snippet(body: string): string {
  const one = body.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? `${one.slice(0, 160)}…` : one;
}

/** Why an answer is not data, in words; null when it is a success. */
function failureOf(plan: PullPlan, r: PullRequest, a: FetchAnswer, auth: PullOptions['auth']): string | null {
  const where = `Prometheus at ${plan.base}`;
  if ('error' in a) return `cannot reach ${where}: ${a.error}`;
  const status = `${a.status}${a.statusText ? ` ${a.statusText}` : ''}`;
  if (a.status === 401 || a.status === 403) {
    const given = auth === 'bearer' ? 'the bearer token given' : auth === 'basic' ? 'the user and password given' : null;
    return given
      ? `${where} refused ${given} (${status}): check the credentials and that they may read ${plan.mode === 'raw' ? '/api/v1/query' : '/api/v1/query_range'}`
      : `${where} answered ${status}: it needs credentials; give a bearer token (--token) or basic auth (--user USER:PASSWORD)`;
  }
  const err = apiError(a.body);
  if (a.status === 404 && err === null) return `${where} answered ${status} for ${plan.mode === 'raw' ? '/api/v1/query' : '/api/v1/query_range'}: no Prometheus HTTP API there; give the server's base URL (e.g. http://prometheus:9090)`;
  if (err !== null) return `${where} answered ${status} with an error for ${r.selector}: ${err}`;
  if (a.status < 200 || a.status > 299) return `${where} answered ${status}: ${snippet(a.body) || 'an empty body'}`;
  if (!/^\s*\{/.test(a.body)) return `${where} answered ${status} with something that is not Prometheus' JSON (is the URL Prometheus' own, not a dashboard's or a login page's?): ${snippet(a.body) || 'an empty body'}`;
  return null;
}

/**
 * Sends the plan's requests one after another and assembles the answers.
 * Stops at the first request that fails, with what went wrong.
 */
export async function pull(plan: PullPlan, fetchJson: FetchJson, opts: Pick<PullOptions, 'headers' | 'auth'> = {}, onProgress?: (p: PullProgress) => void): Promise<PullResult> {
  const into = new SeriesCollector();
  const headers = { Accept: 'application/json', ...(opts.headers ?? {}) };
  const perSelector = new Map<string, number>();
  let done = 0;
  for (const r of plan.requests) {
    let answer: FetchAnswer;
    try {
      answer = await fetchJson(r.url, headers);
    } catch (e) {
      answer = { error: e instanceof Error ? e.message : String(e) };
    }
    const failure = failureOf(plan, r, answer, opts.auth ?? 'none');
    if (failure !== null) return { ok: false, error: failure, plan };
    const before = into.counts;
    const body = (answer as { body: string }).body;
    const label = `${plan.base} ${r.selector} ${formatRfc3339(r.fromMs)}…${formatRfc3339(r.toMs)}`;
    importQueryRangeJson(label, body, into);
    const after = into.counts;
    perSelector.set(r.selector, (perSelector.get(r.selector) ?? 0) + (after.samples - before.samples));
    done++;
    onProgress?.({ done, total: plan.requests.length, request: r, series: after.series, samples: after.samples });
  }
  const store = into.toStore();
  const emptySelectors = [...new Set(plan.requests.map((r) => r.selector))].filter((s) => (perSelector.get(s) ?? 0) === 0);
  return { ok: true, store, diagnostics: into.diagnostics, plan, emptySelectors };
}
