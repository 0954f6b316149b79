/**
 * Flagger's events as people paste them, parsed into what happened: when the
 * analysis started, each weight it set, each halt and why, and how it ended.
 *
 * Accepted (the format is recognised per file; docs/replay.md has examples):
 *
 * - `kubectl describe canary` — the `Events:` section (Type, Reason, Age,
 *   From, Message), ages such as `3m12s` or aggregated `2m (x3 over 5m)`;
 * - `kubectl get events` tables — any columns kubectl prints (`LAST SEEN`,
 *   `TYPE`, `REASON`, `OBJECT`, `MESSAGE`, and `FIRST SEEN`, `COUNT`, `NAME`,
 *   `KIND`, `SOURCE`, `NAMESPACE` in wide and older layouts), or custom
 *   columns with RFC 3339 times (`-o custom-columns=TIME:.lastTimestamp,…`);
 * - `kubectl get events -o json` (an EventList, or one event per line);
 * - Flagger's own JSON log lines (`{"level":"info","ts":…,"msg":…}`);
 * - plain lines that start with an RFC 3339 time or an age and hold a
 *   Flagger message.
 *
 * Ages are relative to when kubectl printed them, with kubectl's precision
 * (apimachinery's HumanDuration: seconds below 10 minutes, minutes below 8
 * hours, hours below 8 days); `placeEvents` turns them into times given that
 * moment. Messages are recognised by Flagger v1.44's texts (flagger.md §9.1).
 * A line that cannot be read is a located error; an event that is not
 * Flagger's (a Pod's, a Deployment's) is skipped; one of another Canary is
 * skipped with a warning.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import type { Diagnostic } from '../scenario/diagnostics';
import type { CanarySpec } from '../rollout/types';
import { parseRfc3339 } from '../util/time';
import { type JsonNode, LineIndex, member, parseJson } from './json';
import { formatClock, formatRfc3339 } from './time';

export type EventTime =
  /** An absolute time; the true time lies in [ms, ms + resolutionMs). */
  | { kind: 'absolute'; ms: number; resolutionMs: number }
  /** An age as kubectl prints it; the true age lies in [ageMs, ageMs + resolutionMs). */
  | { kind: 'relative'; ageMs: number; resolutionMs: number; text: string }
  | { kind: 'none' };

export type FlaggerEventKind =
  | 'initialized'
  | 'waiting-approval'
  | 'detected'
  | 'restarted'
  | 'started'
  | 'advance-weight'
  | 'advance-iteration'
  | 'advance-primary-weight'
  | 'halt-metric'
  | 'halt-no-values'
  | 'halt-webhook'
  | 'halt-gate'
  | 'query-error'
  | 'not-ready'
  | 'promoting'
  | 'routing-primary'
  | 'routing-canary'
  | 'succeeded'
  | 'skipped'
  | 'rollback'
  | 'failed'
  | 'promotion-failed'
  | 'info';

/** A Flagger message, read. */
export interface FlaggerMessage {
  kind: FlaggerEventKind;
  /** The `{name}.{namespace}` the text names (the Canary's or its target's), when it names one. */
  object: { name: string; namespace: string } | null;
  weight?: number;
  iteration?: number;
  iterations?: number;
  metric?: string;
  value?: string;
  op?: '<' | '>';
  bound?: string;
  failedChecks?: number;
  hook?: string;
}

export interface ParsedEvent {
  file: string;
  line: number;
  type: 'Normal' | 'Warning' | null;
  message: string;
  /** The last occurrence. */
  time: EventTime;
  /** The first occurrence of an aggregated event (count > 1). */
  firstTime: EventTime | null;
  /** Occurrences Kubernetes aggregated into this event (1 when not aggregated). */
  count: number;
  /** The involved object when the format names it, e.g. `canary/podinfo`. */
  object: string | null;
  flagger: FlaggerMessage;
}

export interface EventsParse {
  format: 'describe' | 'table' | 'json' | 'flagger-log' | 'lines';
  events: ParsedEvent[];
  diagnostics: Diagnostic[];
}

// ---- messages -----------------------------------------------------------------------------------------------------

const OBJ = '(\\S+)\\.([^.\\s]+)';

type Rule = [RegExp, (m: RegExpExecArray) => Omit<FlaggerMessage, 'object'> & { object?: FlaggerMessage['object'] }];
const obj = (m: RegExpExecArray, i = 1) => ({ name: m[i], namespace: m[i + 1] });

const RULES: Rule[] = [
  [new RegExp(`^New revision detected! Scaling up ${OBJ}$`), (m) => ({ kind: 'detected', object: obj(m) })],
  [new RegExp(`^New revision detected! Restarting analysis for ${OBJ}$`), (m) => ({ kind: 'restarted', object: obj(m) })],
  [new RegExp(`^Starting canary analysis for ${OBJ}$`), (m) => ({ kind: 'started', object: obj(m) })],
  [new RegExp(`^Advance ${OBJ} canary weight (\\d+)$`), (m) => ({ kind: 'advance-weight', object: obj(m), weight: Number(m[3]) })],
  [new RegExp(`^Advance ${OBJ} canary iteration (\\d+)/(\\d+)$`), (m) => ({ kind: 'advance-iteration', object: obj(m), iteration: Number(m[3]), iterations: Number(m[4]) })],
  [new RegExp(`^Advance ${OBJ} primary weight (\\d+)$`), (m) => ({ kind: 'advance-primary-weight', object: obj(m), weight: Number(m[3]) })],
  [new RegExp(`^Halt ${OBJ} advancement success rate (\\S+)% ([<>]) (\\S+)%$`), (m) => ({ kind: 'halt-metric', object: obj(m), metric: 'request-success-rate', value: m[3], op: m[4] as '<' | '>', bound: m[5] })],
  [new RegExp(`^Halt ${OBJ} advancement request duration (\\S+) ([<>]) (\\S+)$`), (m) => ({ kind: 'halt-metric', object: obj(m), metric: 'request-duration', value: m[3], op: m[4] as '<' | '>', bound: m[5] })],
  [new RegExp(`^Halt ${OBJ} advancement waiting for approval (.+)$`), (m) => ({ kind: 'waiting-approval', object: obj(m), hook: m[3] })],
  [new RegExp(`^Halt ${OBJ} advancement waiting for (?:traffic increase|promotion) approval (.+)$`), (m) => ({ kind: 'halt-gate', object: obj(m), hook: m[3] })],
  [new RegExp(`^Halt ${OBJ} advancement (?:pre-rollout|external) check (\\S+) failed`), (m) => ({ kind: 'halt-webhook', object: obj(m), hook: m[3] })],
  [new RegExp(`^Halt ${OBJ} advancement (\\S+) (\\S+) ([<>]) (\\S+)$`), (m) => ({ kind: 'halt-metric', object: obj(m), metric: m[3], value: m[4], op: m[5] as '<' | '>', bound: m[6] })],
  [new RegExp(`^Halt advancement no values found for \\S+ metric (request-success-rate|request-duration) probably ${OBJ} is not receiving traffic`), (m) => ({ kind: 'halt-no-values', object: obj(m, 2), metric: m[1] })],
  [/^Halt advancement no values found for custom metric: ([^:]+):/, (m) => ({ kind: 'halt-no-values', metric: m[1] })],
  [/^Halt advancement no values found for metric: (.+)$/, (m) => ({ kind: 'halt-no-values', metric: m[1] })],
  [/^Prometheus query failed for ([^:]+):/, (m) => ({ kind: 'query-error', metric: m[1] })],
  [/^Prometheus query failed: /, () => ({ kind: 'query-error' })],
  [/^Metric query failed for (.+?): /, (m) => ({ kind: 'query-error', metric: m[1] })],
  [/^Metric query failed for no usable metrics template and query were configured$/, () => ({ kind: 'query-error' })],
  [/^Metric template \S+ /, () => ({ kind: 'query-error' })],
  [new RegExp(`^Rolling back ${OBJ} failed checks threshold reached (\\d+)$`), (m) => ({ kind: 'rollback', object: obj(m), failedChecks: Number(m[3]) })],
  [new RegExp(`^Rolling back ${OBJ} (?:manual webhook invoked|progress deadline exceeded)`), (m) => ({ kind: 'rollback', object: obj(m) })],
  [new RegExp(`^Canary failed! Scaling down ${OBJ}$`), (m) => ({ kind: 'failed', object: obj(m) })],
  [new RegExp(`^Copying ${OBJ} template spec to \\S+$`), (m) => ({ kind: 'promoting', object: obj(m) })],
  [/^Routing all traffic to primary$/, () => ({ kind: 'routing-primary' })],
  [/^(?:Routing all traffic to canary|Stop traffic mirroring and route all traffic to canary)$/, () => ({ kind: 'routing-canary' })],
  [new RegExp(`^Promotion completed! Canary analysis was skipped for ${OBJ}$`), (m) => ({ kind: 'skipped', object: obj(m) })],
  [new RegExp(`^Promotion completed! Scaling down ${OBJ}$`), (m) => ({ kind: 'succeeded', object: obj(m) })],
  [new RegExp(`^Promotion of ${OBJ} failed, primary not ready: `), (m) => ({ kind: 'promotion-failed', object: obj(m) })],
  [new RegExp(`^canary deployment ${OBJ} not ready: `), (m) => ({ kind: 'not-ready', object: obj(m) })],
  [/^(\S+)-primary\.([^.\s]+) not ready: /, (m) => ({ kind: 'not-ready', object: obj(m) })],
  [new RegExp(`^Initialization done! ${OBJ}$`), (m) => ({ kind: 'initialized', object: obj(m) })],
  [
    /^(?:all the metrics providers are available!|Error checking metric providers: .*|skipping canary run as object is suspended|(?:Confirm-rollout|Confirm-traffic-increase|Confirm-promotion|Pre-rollout|Post-rollout|Rollback) check \S+ passed|Post-rollout hook \S+ failed.*|Rollback hook \S+ not signaling a rollback|A\/B testing is not supported when using the kubernetes provider|Progressive traffic is not supported when using the kubernetes provider|Setting canaryAnalysis\.iterations: \d+|Terminat(?:ing|ed) canary \S+|Error building Prometheus client.*)$/,
    () => ({ kind: 'info' }),
  ],
];

/** Reads one of Flagger's event texts; null when it is not one. */
export function readFlaggerMessage(message: string): FlaggerMessage | null {
  const text = message.trim();
  for (const [re, make] of RULES) {
    const m = re.exec(text);
    if (m) {
      const r = make(m);
      return { ...r, object: r.object ?? null };
    }
  }
  return null;
}

/** Kinds that count as a failed check (flagger.md §4 step 20: failedChecks += 1). */
export const FAILED_CHECK_KINDS: ReadonlySet<FlaggerEventKind> = new Set(['halt-metric', 'halt-no-values', 'halt-webhook', 'query-error']);

/** Where a Flagger message starts in a line (for formats without columns). */
const MESSAGE_START =
  /(?:^|\s)(New revision detected!|Starting canary analysis|Advance \S+ (?:canary|primary)|Halt |Rolling back |Canary failed!|Copying \S+ template|Routing all traffic|Stop traffic mirroring|Promotion completed!|Promotion of |canary deployment |\S+-primary\.\S+ not ready: |Initialization done!|all the metrics providers|Error checking metric providers|skipping canary run|Confirm-|Pre-rollout|Post-rollout|Rollback (?:check|hook)|Prometheus query failed|Metric query failed|Metric template |A\/B testing is not supported|Progressive traffic is not supported|Setting canaryAnalysis|Terminat(?:ing|ed) canary|Error building Prometheus client)/;

// ---- times --------------------------------------------------------------------------------------------------------

const AGE = /^(?:(\d+)y)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** kubectl's age (`45s`, `3m12s`, `12m`, `5h3m`, `2d4h`, `3y10d`); null when it is not one. */
export function parseAge(text: string): { ageMs: number; resolutionMs: number } | null {
  const m = AGE.exec(text.trim());
  if (!m || text.trim() === '') return null;
  const [y, d, h, mi, s] = [1, 2, 3, 4, 5].map((i) => Number(m[i] ?? 0));
  const seconds = (((y * 365 + d) * 24 + h) * 60 + mi) * 60 + s;
  // HumanDuration prints seconds below 10 minutes, minutes below 8 hours, hours below 8 days, days beyond.
  const resolution = seconds < 600 ? 1 : seconds < 8 * 3600 ? 60 : seconds < 8 * 86400 ? 3600 : 86400;
  return { ageMs: seconds * 1000, resolutionMs: resolution * 1000 };
}

/** A time cell: an RFC 3339 time, an age, or an age with its aggregation (`2m (x3 over 5m)`). */
function parseTimeCell(cell: string): { time: EventTime; count: number; first: EventTime | null } | null {
  const t = cell.trim();
  if (t === '' || t === '<unknown>' || t === '<invalid>' || t === '<none>') return { time: { kind: 'none' }, count: 1, first: null };
  const abs = parseRfc3339(t);
  if (abs !== null) return { time: { kind: 'absolute', ms: abs, resolutionMs: /\.\d+/.test(t) ? 1 : 1000 }, count: 1, first: null };
  const agg = /^(\S+)\s+\(x(\d+) over (\S+)\)$/.exec(t);
  const age = parseAge(agg ? agg[1] : t);
  if (!age) return null;
  const time: EventTime = { kind: 'relative', ...age, text: agg ? agg[1] : t };
  if (!agg) return { time, count: 1, first: null };
  const first = parseAge(agg[3]);
  return { time, count: Number(agg[2]), first: first ? { kind: 'relative', ...first, text: agg[3] } : null };
}

// ---- formats ------------------------------------------------------------------------------------------------------

interface Row {
  line: number;
  column: number;
  type: string | null;
  message: string;
  time: string | null;
  first: string | null;
  count: string | null;
  object: string | null;
  /** The row is about a Canary (kubectl describe canary lists only its events). */
  aboutCanary?: boolean;
}

class Reader {
  readonly events: ParsedEvent[] = [];
  readonly diagnostics: Diagnostic[] = [];
  constructor(readonly file: string) {}

  error(line: number, column: number, message: string, path = ''): void {
    this.diagnostics.push({ severity: 'error', file: this.file, line, column, path, message });
  }

  warning(line: number, column: number, message: string, path = ''): void {
    this.diagnostics.push({ severity: 'warning', file: this.file, line, column, path, message });
  }

  /** Adds an event from a row; false when the row cannot be read (reported). */
  row(r: Row): void {
    const message = r.message.trim();
    const flagger = readFlaggerMessage(message);
    if (!flagger) {
      // Only a row about a Canary whose text is not Flagger's is worth a word; other objects' events are skipped.
      if (r.aboutCanary || (r.object !== null && /^canary(\.flagger\.app)?\//i.test(r.object))) this.warning(r.line, r.column, `not one of Flagger's event texts, ignored: ${JSON.stringify(message.slice(0, 120))}`);
      return;
    }
    let time: EventTime = { kind: 'none' };
    let count = 1;
    let firstTime: EventTime | null = null;
    if (r.time !== null) {
      const t = parseTimeCell(r.time);
      if (t === null) {
        this.error(r.line, r.column, `cannot read the time ${JSON.stringify(r.time.trim())}: expected an age as kubectl prints it (45s, 3m12s, 12m, 2m (x3 over 5m)) or an RFC 3339 time`);
        return;
      }
      time = t.time;
      count = t.count;
      firstTime = t.first;
    }
    if (r.count !== null && /^\d+$/.test(r.count.trim())) count = Number(r.count.trim());
    if (r.first !== null) {
      const f = parseTimeCell(r.first);
      if (f && f.time.kind !== 'none') firstTime = f.time;
    }
    if (time.kind === 'none' && firstTime === null) this.warning(r.line, r.column, 'the event has no time; it is used for what happened, not when');
    const type = r.type === 'Normal' || r.type === 'Warning' ? r.type : null;
    this.events.push({ file: this.file, line: r.line, type, message, time, firstTime, count, object: r.object, flagger });
  }
}

/** `kubectl describe canary`: the rows of every `Events:` section. */
function readDescribe(lines: string[], reader: Reader): void {
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*Events:\s*(<none>)?\s*$/.test(lines[i])) continue;
    const indent = (lines[i].match(/^\s*/) as RegExpMatchArray)[0].length;
    let cols: number[] | null = null;
    for (i++; i < lines.length; i++) {
      const line = lines[i];
      if (line.trim() === '') continue;
      const lead = (line.match(/^\s*/) as RegExpMatchArray)[0].length;
      if (lead <= indent && !/^\s*(Normal|Warning)\s/.test(line)) {
        i--;
        break; // the next section
      }
      if (/^\s*Type\s+Reason\s+Age\s+From\s+Message\s*$/.test(line)) {
        cols = ['Type', 'Reason', 'Age', 'From', 'Message'].map((h) => line.indexOf(h));
        continue;
      }
      if (/^\s*-+(\s+-+)*\s*$/.test(line)) continue;
      // A row: Type, Reason, Age (an age kubectl prints), From, Message, all present.
      const readable = (c: string[]) => /^(Normal|Warning)$/.test(c[0]) && c[2] !== '' && parseTimeCell(c[2]) !== null && c[3] !== '' && c[4] !== '';
      let cells: string[] | null = null;
      const at = cols;
      if (at !== null && aligned(line, at)) cells = at.map((c, k) => line.slice(c, k + 1 < at.length ? at[k + 1] : undefined).trim());
      if (cells === null || !readable(cells)) {
        const m = /^\s*(Normal|Warning)\s+(\S+)\s+(\S+(?:\s+\(x\d+ over \S+\))?)\s+(\S+)\s+(\S.*)$/.exec(line);
        cells = m && readable([m[1], m[2], m[3], m[4], m[5]]) ? [m[1], m[2], m[3], m[4], m[5]] : null;
      }
      if (cells === null) {
        reader.error(i + 1, lead + 1, 'cannot read this line of the Events section: expected Type (Normal or Warning), Reason, Age, From and Message');
        continue;
      }
      reader.row({ line: i + 1, column: lead + 1, type: cells[0], message: cells[4], time: cells[2], first: null, count: null, object: null, aboutCanary: true });
    }
  }
}

/** Whether a row can be cut at the header's column starts: each cut right after a blank (an empty cell is blanks). */
function aligned(line: string, cols: readonly number[]): boolean {
  return cols.slice(1).every((c) => c > 0 && (c > line.length || line[c - 1] === ' '));
}

const TIME_HEADERS = ['LAST SEEN', 'AGE', 'TIME', 'LAST', 'LASTTIMESTAMP', 'LAST TIMESTAMP', 'TIMESTAMP', 'EVENTTIME'];

/** `kubectl get events` (or custom columns): a header with MESSAGE, then rows cut at the header's columns. */
function readTable(lines: string[], headerAt: number, reader: Reader): void {
  const header = lines[headerAt];
  const names: string[] = [];
  const starts: number[] = [];
  const re = /\S+(?: \S+)*/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    names.push(m[0].toUpperCase());
    starts.push(m.index);
  }
  const col = (...want: string[]) => names.findIndex((n) => want.includes(n));
  const iMessage = col('MESSAGE');
  const iTime = col(...TIME_HEADERS);
  const iFirst = col('FIRST SEEN', 'FIRST', 'FIRSTTIMESTAMP', 'FIRST TIMESTAMP');
  const iCount = col('COUNT');
  const iType = col('TYPE');
  const iObject = col('OBJECT');
  const iKind = col('KIND');
  const iName = col('NAME');
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    if (/^[A-Z][A-Z ]*MESSAGE/.test(line.trim())) continue; // a repeated header
    const plausible = (cs: string[]) => (iType < 0 || /^(Normal|Warning|)$/.test(cs[iType])) && (iTime < 0 || parseTimeCell(cs[iTime]) !== null) && cs[iMessage] !== '';
    let cells: string[] | null = null;
    if (aligned(line, starts)) cells = starts.map((c, k) => line.slice(c, k + 1 < starts.length ? starts[k + 1] : undefined).trim());
    if (cells === null || !plausible(cells)) {
      cells = null;
      // Columns padded by at least three blanks (kubectl's tabwriter); a last MESSAGE column takes the rest.
      const parts = line.trim().split(/\s{3,}/);
      if (parts.length === names.length) cells = parts;
      else if (parts.length > names.length && iMessage === names.length - 1) cells = [...parts.slice(0, names.length - 1), parts.slice(names.length - 1).join('   ')];
    }
    const lead = (line.match(/^\s*/) as RegExpMatchArray)[0].length;
    if (cells === null) {
      reader.error(i + 1, lead + 1, `cannot cut this line into the header's ${names.length} columns (${names.join(', ')})`);
      continue;
    }
    const object = iObject >= 0 ? cells[iObject] : iKind >= 0 && iName >= 0 ? `${cells[iKind].toLowerCase()}/${cells[iName]}` : null;
    reader.row({
      line: i + 1,
      column: lead + 1,
      type: iType >= 0 ? cells[iType] : null,
      message: cells[iMessage],
      time: iTime >= 0 ? cells[iTime] : null,
      first: iFirst >= 0 ? cells[iFirst] : null,
      count: iCount >= 0 ? cells[iCount] : null,
      object,
    });
  }
}

/** Lines that start with a time (RFC 3339 or an age) and hold a Flagger message. */
function readLines(lines: string[], reader: Reader): void {
  lines.forEach((line, i) => {
    const text = line.trim();
    if (text === '' || text.startsWith('#') || text.startsWith('$ ')) return;
    const lead = (line.match(/^\s*/) as RegExpMatchArray)[0].length;
    const m = MESSAGE_START.exec(text);
    if (!m) {
      reader.error(i + 1, lead + 1, 'no Flagger event in this line (expected a time, then a message such as "Advance podinfo.test canary weight 10")');
      return;
    }
    const start = m.index + (m[0].length - m[1].length);
    const before = text.slice(0, start).trim().split(/\s+/).filter((s) => s !== '');
    const timeCell = before.length > 0 ? (/^\(x\d+$/.test(before[1] ?? '') ? before.slice(0, 4).join(' ') : before[0]) : null;
    reader.row({
      line: i + 1,
      column: lead + 1,
      type: before.find((s) => s === 'Normal' || s === 'Warning') ?? null,
      message: text.slice(start),
      time: timeCell,
      first: null,
      count: null,
      object: before.find((s) => /^canary(\.flagger\.app)?\//i.test(s)) ?? null,
    });
  });
}

/** `kubectl get events -o json` (EventList or events one per line) and Flagger's JSON logs. */
function readJson(text: string, reader: Reader): 'json' | 'flagger-log' {
  const lines = new LineIndex(text);
  const docs: JsonNode[] = [];
  const whole = parseJson(text);
  if (whole.ok && whole.end === text.length) docs.push(whole.node);
  else {
    for (let pos = 0; pos < text.length; ) {
      const r = parseJson(text, pos);
      if (!r.ok) {
        const at = lines.locate(r.at);
        reader.error(at.line, at.column, `JSON: ${r.message}`);
        break;
      }
      docs.push(r.node);
      pos = r.end;
    }
  }
  let logs = 0;
  const str = (n: JsonNode | undefined) => (n?.kind === 'string' ? n.value : null);
  const one = (n: JsonNode, path: string) => {
    const at = lines.locate(n.at);
    if (n.kind !== 'object') {
      reader.error(at.line, at.column, `expected an event object, found a ${n.kind}`, path);
      return;
    }
    const msg = str(member(n, 'msg'));
    if (msg !== null) {
      logs++;
      const ts = member(n, 'ts');
      // zap writes ts as RFC 3339 (Flagger's ISO 8601 encoder) or as float seconds.
      const time = ts?.kind === 'number' ? formatRfc3339(ts.value * 1000) : ts?.kind === 'string' ? ts.value : null;
      const level = str(member(n, 'level'));
      reader.row({ line: at.line, column: at.column, type: level === 'error' || level === 'warn' ? 'Warning' : 'Normal', message: msg, time, first: null, count: null, object: str(member(n, 'canary')) === null ? null : `canary/${(str(member(n, 'canary')) as string).replace(/\.[^.]+$/, '')}` });
      return;
    }
    const message = str(member(n, 'message')) ?? str(member(n, 'note'));
    if (message === null) {
      reader.error(at.line, at.column, 'expected an event with a "message" (kubectl get events -o json) or a Flagger log line with "msg"', path);
      return;
    }
    const involved = member(n, 'involvedObject') ?? member(n, 'regarding');
    const kind = str(involved && member(involved, 'kind'));
    const name = str(involved && member(involved, 'name'));
    const series = member(n, 'series');
    const count = member(n, 'count') ?? (series && member(series, 'count'));
    const last = str(member(n, 'lastTimestamp')) ?? str(series && member(series, 'lastObservedTime')) ?? str(member(n, 'eventTime')) ?? str(member(n, 'firstTimestamp')) ?? str(member(member(n, 'metadata') ?? n, 'creationTimestamp'));
    reader.row({
      line: at.line,
      column: at.column,
      type: str(member(n, 'type')),
      message,
      time: last,
      first: str(member(n, 'firstTimestamp')),
      count: count?.kind === 'number' ? String(count.value) : null,
      object: kind !== null && name !== null ? `${kind.toLowerCase()}/${name}` : null,
    });
  };
  docs.forEach((d, i) => {
    const items = member(d, 'items');
    if (items?.kind === 'array') items.items.forEach((it, j) => one(it, `${docs.length > 1 ? `[${i}].` : ''}items[${j}]`));
    else if (d.kind === 'array') d.items.forEach((it, j) => one(it, `[${j}]`));
    else one(d, docs.length > 1 ? `[${i}]` : '');
  });
  return logs > 0 ? 'flagger-log' : 'json';
}

/** Parses a file of Flagger events in any of the accepted formats. Never throws. */
export function parseEvents(file: string, text: string): EventsParse {
  const reader = new Reader(file);
  const lines = text.split(/\r?\n/);
  let format: EventsParse['format'];
  if (/^\s*[[{]/.test(text)) {
    format = readJson(text, reader);
  } else if (lines.some((l) => /^\s*Events:\s*(<none>)?\s*$/.test(l))) {
    format = 'describe';
    readDescribe(lines, reader);
  } else {
    const headerAt = lines.findIndex((l) => /(^|\s)MESSAGE(\s|$)/.test(l) && /^[A-Z][A-Z_ ]*$/.test(l.trim()));
    if (headerAt >= 0) {
      format = 'table';
      readTable(lines, headerAt, reader);
    } else {
      format = 'lines';
      readLines(lines, reader);
    }
  }
  if (reader.events.length === 0 && !reader.diagnostics.some((d) => d.severity === 'error')) {
    reader.error(1, 1, 'no Flagger events found (expected kubectl describe canary, kubectl get events, or Flagger\'s log lines)');
  }
  return { format, events: reader.events, diagnostics: reader.diagnostics };
}

// ---- times and the Canary -----------------------------------------------------------------------------------------

/** An event in time: its best estimate (ms) and how far the truth may be from it. */
export interface PlacedEvent extends ParsedEvent {
  /** The estimated time of the last occurrence; null without one. */
  tMs: number | null;
  /** The estimated time of the first occurrence (aggregated events). */
  firstMs: number | null;
  /** The true time lies within this many ms of tMs (before it for ages, after it for absolute times). */
  uncertaintyMs: number;
}

/** Whether every timed event has an absolute time (no anchor needed). */
export function needsAnchor(events: readonly ParsedEvent[]): boolean {
  return events.some((e) => e.time.kind === 'relative');
}

/**
 * Events placed in time: absolute times as they are (the start of their
 * second, Kubernetes keeps whole seconds), ages counted back from `nowMs`
 * (the moment kubectl printed them: the latest time the age allows).
 */
export function placeEvents(events: readonly ParsedEvent[], nowMs: number | null): PlacedEvent[] {
  const at = (t: EventTime | null): number | null => (t === null || t.kind === 'none' ? null : t.kind === 'absolute' ? t.ms : nowMs === null ? null : nowMs - t.ageMs);
  return events
    .map((e) => ({ ...e, tMs: at(e.time), firstMs: at(e.firstTime), uncertaintyMs: e.time.kind === 'none' ? 0 : e.time.resolutionMs }))
    .sort((a, b) => (a.tMs ?? Infinity) - (b.tMs ?? Infinity) || a.line - b.line);
}

/** Whether an event names this Canary (or its target) in its text, or is about it. */
export function isAbout(e: ParsedEvent, canary: Pick<CanarySpec, 'name' | 'namespace' | 'target'>): boolean {
  const o = e.flagger.object;
  if (o !== null) return o.namespace === canary.namespace && (o.name === canary.name || o.name === canary.target);
  if (e.object !== null && /^canary(\.flagger\.app)?\//i.test(e.object)) return e.object.replace(/^[^/]+\//, '') === canary.name;
  return true;
}

/** What happened, read from Flagger's events. */
export interface ActualRollout {
  source: 'events' | 'traffic';
  outcome: 'promoted' | 'rolled-back' | 'promoted-or-rolled-back' | 'in-progress' | 'no-analysis' | 'skipped';
  /** "New revision detected! Scaling up" */
  detectedAtMs: number | null;
  /** "Starting canary analysis" (the first one of the analysis). */
  startMs: number | null;
  /** "Copying … template spec" (promotion) or "Rolling back …" / "Canary failed!" (rollback). */
  decidedAtMs: number | null;
  /** The tick that took the canary's traffic away: "Routing all traffic to primary" (or the last "Advance … primary weight"), or the rollback. */
  endMs: number | null;
  /** Flagger's words for the decision. */
  reason: string | null;
  /** Failed checks before the decision (the rollback's "threshold reached N", else the halts counted). */
  failedChecks: number | null;
  halts: Array<{ tMs: number | null; count: number; message: string; kind: FlaggerEventKind }>;
  weights: Array<{ tMs: number | null; weight: number }>;
}

/**
 * The last analysis of the Canary in the events: from its last "New revision
 * detected" (or the first event) on.
 */
export function actualFromEvents(placed: readonly PlacedEvent[], canary: Pick<CanarySpec, 'name' | 'namespace' | 'target'>): ActualRollout {
  const mine = placed.filter((e) => isAbout(e, canary));
  let from = 0;
  mine.forEach((e, i) => {
    if (e.flagger.kind === 'detected' || e.flagger.kind === 'restarted') from = i;
  });
  const events = mine.slice(from);
  const find = (...kinds: FlaggerEventKind[]) => events.find((e) => kinds.includes(e.flagger.kind)) ?? null;
  const detected = find('detected', 'restarted');
  const started = find('started');
  const promoting = find('promoting');
  const rollback = find('rollback', 'failed', 'promotion-failed');
  const skipped = find('skipped');
  const routed = find('routing-primary') ?? events.filter((e) => e.flagger.kind === 'advance-primary-weight' && e.flagger.weight === 100)[0] ?? null;
  const succeeded = find('succeeded');
  const halts = events.filter((e) => FAILED_CHECK_KINDS.has(e.flagger.kind) || e.flagger.kind === 'halt-gate' || e.flagger.kind === 'not-ready').map((e) => ({ tMs: e.tMs, count: e.count, message: e.message, kind: e.flagger.kind }));
  const weights = events.filter((e) => e.flagger.kind === 'advance-weight').map((e) => ({ tMs: e.tMs, weight: e.flagger.weight as number }));
  const counted = (until: number | null) => events.filter((e) => FAILED_CHECK_KINDS.has(e.flagger.kind) && (until === null || e.tMs === null || e.tMs < until)).reduce((n, e) => n + e.count, 0);
  const base = { source: 'events' as const, detectedAtMs: detected?.tMs ?? null, startMs: started?.tMs ?? null, halts, weights };
  if (skipped) return { ...base, outcome: 'skipped', decidedAtMs: skipped.tMs, endMs: skipped.tMs, reason: skipped.message, failedChecks: 0 };
  if (rollback) {
    const threshold = events.find((e) => e.flagger.kind === 'rollback' && e.flagger.failedChecks !== undefined)?.flagger.failedChecks;
    return { ...base, outcome: 'rolled-back', decidedAtMs: rollback.tMs, endMs: rollback.tMs, reason: rollback.message, failedChecks: threshold ?? counted(rollback.tMs) };
  }
  if (promoting) {
    const end = routed?.tMs ?? (succeeded?.tMs ?? null);
    return { ...base, outcome: 'promoted', decidedAtMs: promoting.tMs, endMs: end, reason: promoting.message, failedChecks: counted(promoting.tMs) };
  }
  if (started || detected || weights.length > 0) return { ...base, outcome: 'in-progress', decidedAtMs: null, endMs: null, reason: null, failedChecks: counted(null) };
  return { ...base, outcome: 'no-analysis', decidedAtMs: null, endMs: null, reason: null, failedChecks: null };
}

/** Events of other Canaries in the file, for a warning. */
export function otherCanaries(events: readonly ParsedEvent[], canary: Pick<CanarySpec, 'name' | 'namespace' | 'target'>): string[] {
  const names = new Set<string>();
  for (const e of events) {
    if (isAbout(e, canary)) continue;
    const o = e.flagger.object;
    names.add(o ? `${o.name}.${o.namespace}` : (e.object ?? '?'));
  }
  return [...names].sort();
}

/** A one-line account of an actual rollout, for people. */
export function describeActual(a: ActualRollout): string {
  const at = (ms: number | null) => (ms === null ? 'at an unknown time' : `at ${formatClock(ms)}`);
  switch (a.outcome) {
    case 'promoted':
      return `promoted ${at(a.decidedAtMs)} (${a.reason})${a.failedChecks ? ` after ${a.failedChecks} failed check${a.failedChecks === 1 ? '' : 's'}` : ''}`;
    case 'rolled-back':
      return `rolled back ${at(a.decidedAtMs)} (${a.reason})`;
    case 'skipped':
      return `promoted without analysis ${at(a.decidedAtMs)} (skipAnalysis)`;
    case 'in-progress':
      return 'still analysing when the events end';
    case 'promoted-or-rolled-back':
      return 'ended: promoted or rolled back (the recording cannot tell)';
    case 'no-analysis':
      return 'no analysis in the events';
  }
}
