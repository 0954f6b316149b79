import { parseArgs } from 'node:util';
import { Buffer } from 'node:buffer';
import { formatDiagnostic, type Diagnostic } from '../simulation/scenario/diagnostics';
import { loadReplayCanary } from '../simulation/replay/canary';
import { parseOverrides, replay } from '../simulation/replay/dry-run';
import { parseEvents } from '../simulation/replay/events';
import { importFiles } from '../simulation/replay/import';
import { type FetchAnswer, type FetchJson, planPull, pull } from '../simulation/replay/pull';
import { type DataSource, formatReplay, replayJson } from '../simulation/replay/report';
import { neededSelectors } from '../simulation/replay/selectors';
import { formatClock, formatRfc3339 } from '../simulation/replay/time';
import { toOpenMetrics } from '../simulation/telemetry/openmetrics';
import type { SeriesStore } from '../simulation/telemetry/tsdb';
import { parseDuration } from '../simulation/util/duration';
import { parseRfc3339 } from '../simulation/util/time';
import { fsHost, writeFileAtomic } from './host';

/**
 * `gameday replay` (docs/replay.md, docs/cli.md): a recorded rollout — saved
 * Prometheus answers or OpenMetrics files, or a window pulled from a
 * Prometheus server — judged by a Canary's analysis in dry run, as written
 * and with candidate settings, side by side with what happened.
 */

export interface ReplayIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Whether stderr is a terminal (progress then redraws one line). */
  tty?: boolean;
}

export interface ReplayDeps {
  fetchJson: FetchJson;
  readFile: (path: string) => string | null;
  /** Unix ms now, for --from/--to `now-1h`. */
  now: () => number;
}

class ReplayUsage extends Error {}

const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;
/** Per request: Prometheus' own default query timeout is 2 minutes. */
const FETCH_TIMEOUT_MS = 120_000;

/** GET with Node's fetch: the status and body, or why there is none. */
export async function nodeFetchJson(url: string, headers: Readonly<Record<string, string>>): Promise<FetchAnswer> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    return { status: res.status, statusText: res.statusText, body: await res.text() };
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return { error: `${cause.code}${cause.message ? ` (${cause.message})` : ''}` };
    return { error: e instanceof Error ? (e.name === 'TimeoutError' ? `no answer within ${FETCH_TIMEOUT_MS / 1000} s` : e.message) : String(e) };
  }
}

const DEFAULT_DEPS: ReplayDeps = { fetchJson: nodeFetchJson, readFile: (p) => fsHost.readFile(p), now: () => Date.now() };

/** A time option: RFC 3339, Unix seconds, `now` or `now-<Go duration>`. */
function timeOption(name: string, text: string, now: () => number): number {
  const t = text.trim();
  const rfc = parseRfc3339(t);
  if (rfc !== null) return rfc;
  if (/^[0-9]+(\.[0-9]+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const rel = /^now(?:-(.+))?$/.exec(t);
  if (rel) {
    if (rel[1] === undefined) return now();
    const d = parseDuration(rel[1]);
    if (typeof d === 'number' && d >= 0) return now() - Math.round(d * 1000);
  }
  throw new ReplayUsage(`${name} expects an RFC 3339 time (2026-01-01T12:30:00Z), Unix seconds, now or now-<duration> (now-1h), got ${JSON.stringify(text)}`);
}

function printDiagnostics(ds: readonly Diagnostic[], io: ReplayIo): number {
  for (const d of ds) io.err(`${formatDiagnostic(d)}\n`);
  return ds.filter((d) => d.severity === 'error').length;
}

const toPosix = (p: string) => p.replace(/\\/g, '/');

/** Runs `gameday replay`; returns the exit code. */
export async function replayCommand(args: string[], io: ReplayIo, deps: ReplayDeps = DEFAULT_DEPS): Promise<number> {
  try {
    return await run(args, io, deps);
  } catch (e) {
    const code = (e as { code?: string })?.code ?? '';
    if (e instanceof ReplayUsage || code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`gameday: ${(e as Error).message}\nRun 'gameday help replay' for usage.\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

async function run(args: string[], io: ReplayIo, deps: ReplayDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      template: { type: 'string', multiple: true },
      canary: { type: 'string' },
      data: { type: 'string', multiple: true },
      prometheus: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      step: { type: 'string' },
      token: { type: 'string' },
      user: { type: 'string' },
      save: { type: 'string' },
      events: { type: 'string' },
      'events-at': { type: 'string' },
      set: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new ReplayUsage(`replay takes one Canary file (its manifests, or a scenario), got ${positionals.length} arguments`);
  const files = values.data ?? [];
  const url = values.prometheus;
  if (files.length > 0 && url !== undefined) throw new ReplayUsage('give the recorded series either as files (--data) or from a Prometheus server (--prometheus), not both');
  if (files.length === 0 && url === undefined) throw new ReplayUsage('give the recorded series: --data FILE (query_range JSON or OpenMetrics), or --prometheus URL --from T --to T');
  if (url === undefined) {
    for (const o of ['from', 'to', 'step', 'token', 'user', 'save'] as const) if (values[o] !== undefined) throw new ReplayUsage(`--${o} goes with --prometheus`);
  } else if (values.from === undefined || values.to === undefined) {
    throw new ReplayUsage('--prometheus needs the window to pull: --from T --to T');
  }
  if (values.token !== undefined && values.user !== undefined) throw new ReplayUsage('give either --token (a bearer token) or --user USER:PASSWORD (basic auth), not both');
  if (values.user !== undefined && !values.user.includes(':')) throw new ReplayUsage('--user expects USER:PASSWORD');
  if (values['events-at'] !== undefined && values.events === undefined) throw new ReplayUsage('--events-at goes with --events');
  const overrides = values.set ?? [];
  const parsed = parseOverrides(overrides);
  if (parsed.errors.length > 0) throw new ReplayUsage(`--set ${parsed.errors.join('; ')}`);
  const fromMs = values.from === undefined ? null : timeOption('--from', values.from, deps.now);
  const toMs = values.to === undefined ? null : timeOption('--to', values.to, deps.now);
  if (fromMs !== null && toMs !== null && toMs <= fromMs) throw new ReplayUsage('--to must be after --from');
  let stepMs: number | null = null;
  if (values.step !== undefined) {
    const d = parseDuration(values.step);
    if (typeof d !== 'number') throw new ReplayUsage(`--step: ${d.error}`);
    if (d <= 0) throw new ReplayUsage('--step must be greater than zero');
    stepMs = Math.round(d * 1000);
  }
  const eventsAt = values['events-at'] === undefined ? null : timeOption('--events-at', values['events-at'], deps.now);

  // The Canary and its MetricTemplates.
  const canaryFile = toPosix(positionals[0]);
  const host = { readFile: deps.readFile };
  const loaded = loadReplayCanary(canaryFile, (values.template ?? []).map(toPosix), host, values.canary ?? null);
  const canaryErrors = printDiagnostics(loaded.diagnostics, io);
  if (!loaded.ok) {
    io.err(`gameday: no Canary to replay with (${canaryErrors} error${canaryErrors === 1 ? '' : 's'})\n`);
    return EXIT.invalid;
  }
  const { canary, templates } = loaded;

  // The recorded series.
  let store: SeriesStore;
  let source: DataSource;
  if (url === undefined) {
    const texts: Array<{ file: string; text: string }> = [];
    for (const raw of files) {
      const file = toPosix(raw);
      const text = deps.readFile(file);
      if (text === null) {
        io.err(`gameday: cannot read ${file}\n`);
        return EXIT.invalid;
      }
      texts.push({ file, text });
    }
    const imported = importFiles(texts);
    const errors = printDiagnostics(imported.diagnostics, io);
    if (errors > 0) {
      io.err(`gameday: the recorded series have errors (${errors}); nothing was replayed\n`);
      return EXIT.invalid;
    }
    store = imported.store;
    source = { kind: 'files', files: imported.summaries };
  } else {
    const needed = neededSelectors(canary, templates);
    for (const p of needed.problems) io.err(`gameday: warning: ${p}\n`);
    const headers: Record<string, string> = {};
    let auth: 'none' | 'bearer' | 'basic' = 'none';
    if (values.token !== undefined) {
      headers.Authorization = `Bearer ${values.token}`;
      auth = 'bearer';
    } else if (values.user !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(values.user, 'utf8').toString('base64')}`;
      auth = 'basic';
    }
    const plan = planPull(needed.selectors, { url, fromMs: fromMs as number, toMs: toMs as number, stepMs });
    if ('error' in plan) throw new ReplayUsage(`--prometheus: ${plan.error}`);
    if (!values.quiet) {
      io.err(`pulling ${needed.selectors.length} selector${needed.selectors.length === 1 ? '' : 's'} from ${plan.base}, ${formatRfc3339(plan.fromMs)} to ${formatRfc3339(plan.toMs)} (${plan.requests.length} request${plan.requests.length === 1 ? '' : 's'}, ${plan.mode === 'raw' ? 'raw samples' : `query_range every ${values.step}`})\n`);
    }
    const pulled = await pull(plan, deps.fetchJson, { headers, auth }, (p) => {
      if (values.quiet) return;
      const line = `${p.done}/${p.total} ${p.request.selector} ${formatClock(p.request.fromMs)}–${formatClock(p.request.toMs)}: ${p.series} series, ${p.samples} samples so far`;
      io.err(io.tty ? `\r${line}\x1b[K${p.done === p.total ? '\n' : ''}` : `${line}\n`);
    });
    if (!pulled.ok) {
      if (io.tty && !values.quiet) io.err('\n');
      io.err(`gameday: ${pulled.error}\n`);
      return EXIT.invalid;
    }
    const errors = printDiagnostics(pulled.diagnostics, io);
    if (errors > 0) {
      io.err(`gameday: Prometheus' answers have errors (${errors}); nothing was replayed\n`);
      return EXIT.invalid;
    }
    for (const s of pulled.emptySelectors) io.err(`gameday: warning: no samples for ${s} in the window\n`);
    store = pulled.store;
    source = { kind: 'prometheus', url: plan.base, mode: plan.mode, fromMs: plan.fromMs, toMs: plan.toMs, requests: plan.requests.length };
    if (values.save !== undefined) {
      try {
        writeFileAtomic(values.save, toOpenMetrics(store));
        if (!values.quiet) io.err(`saved the pulled series to ${values.save} (replay them again with --data ${values.save})\n`);
      } catch (e) {
        io.err(`gameday: cannot write ${values.save}: ${(e as Error).message}\n`);
        return EXIT.invalid;
      }
    }
  }

  // Flagger's events.
  let events = null;
  if (values.events !== undefined) {
    const file = toPosix(values.events);
    const text = deps.readFile(file);
    if (text === null) {
      io.err(`gameday: cannot read ${file}\n`);
      return EXIT.invalid;
    }
    events = parseEvents(file, text);
    const errors = printDiagnostics(events.diagnostics, io);
    if (errors > 0) {
      io.err(`gameday: ${file}: ${errors} line${errors === 1 ? '' : 's'} could not be read; nothing was replayed\n`);
      return EXIT.invalid;
    }
  }

  const r = replay({ canary, templates, store, events, eventsAtMs: eventsAt, overrides });
  if (!r.ok) {
    for (const w of r.warnings) io.err(`gameday: warning: ${w}\n`);
    for (const e of r.errors) io.err(`gameday: ${e}\n`);
    return EXIT.invalid;
  }
  io.out(values.json ? `${JSON.stringify(replayJson(r.result, source), null, 2)}\n` : formatReplay(r.result, source));
  return EXIT.ok;
}
