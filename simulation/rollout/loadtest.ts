import { parseDuration } from '../util/duration';

/**
 * Flagger's load tester runs a webhook's `metadata.cmd` in the background
 * (one run per Canary and command at a time: a call while the same command
 * still runs is skipped) and answers the webhook at once. The usual command
 * is `hey`; this reads what traffic it sends, so that a Canary's load-test
 * webhook adds that traffic to the simulation.
 *
 * hey's flags: `-z` duration (else `-n` requests, default 200), `-q` rate
 * limit per worker in requests per second, `-c` workers (default 50), `-m`
 * method (default GET), `-t` timeout in seconds (default 20; 0 = none), the
 * URL last. Without `-q`, hey's workers send as fast as answers come back;
 * the simulator has no closed-loop client, so it models that as an open load
 * of UNLIMITED_QPS_PER_WORKER requests per second per worker and says so.
 */
export interface HeyLoad {
  /** Requests per second (all workers). */
  rate: number;
  /** Seconds the run lasts. */
  duration: number;
  method: string;
  /** Seconds before a request is given up; Infinity for none. */
  timeout: number;
  url: string;
  /** The Kubernetes Service the URL's host names, when it names one in cluster DNS form. */
  service: { name: string; namespace: string | null } | null;
  /** The URL's scheme, and its path (with the query). */
  scheme: string;
  path: string;
  /** The Host header: `-host`, or a `-H "Host: …"` header; null for the URL's host. */
  host: string | null;
  /** hey had no -q: the rate is the simulator's stand-in. */
  unlimited: boolean;
}

export const UNLIMITED_QPS_PER_WORKER = 10;

/** Reads a `hey` command line; null when the command is not hey; an error text when it is but cannot be read. */
export function parseHey(cmd: string): HeyLoad | string | null {
  const words = shellWords(cmd);
  if (words.length === 0 || !/(^|\/)hey$/.test(words[0])) return null;
  let duration: number | null = null;
  let requests = 200;
  let qps = 0;
  let workers = 50;
  let method = 'GET';
  let timeout = 20;
  let url: string | null = null;
  let host: string | null = null;
  const number = (flag: string, v: string | undefined): number | string => {
    const n = Number(v);
    return v !== undefined && Number.isFinite(n) && n >= 0 ? n : `hey ${flag} expects a number, found ${v === undefined ? 'nothing' : JSON.stringify(v)}`;
  };
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    const value = words[i + 1];
    switch (w) {
      case '-z': {
        const d = value === undefined ? null : parseDuration(value);
        if (typeof d !== 'number' || !(d > 0)) return `hey -z expects a duration such as 1m or 30s, found ${value === undefined ? 'nothing' : JSON.stringify(value)}`;
        duration = d;
        i++;
        break;
      }
      case '-n':
      case '-q':
      case '-c':
      case '-t': {
        const n = number(w, value);
        if (typeof n === 'string') return n;
        if (w === '-n') requests = n;
        else if (w === '-q') qps = n;
        else if (w === '-c') workers = n;
        else timeout = n;
        i++;
        break;
      }
      case '-m':
        if (value === undefined) return 'hey -m expects an HTTP method';
        method = value.toUpperCase();
        i++;
        break;
      case '-host':
        if (value === undefined) return 'hey -host expects a Host header value';
        host = value;
        i++;
        break;
      case '-H': {
        const h = /^\s*host\s*:\s*(.+?)\s*$/i.exec(value ?? '');
        if (h) host = h[1];
        i++;
        break;
      }
      case '-cpus':
      case '-A':
      case '-d':
      case '-D':
      case '-T':
      case '-a':
      case '-x':
      case '-o':
        i++; // flags with a value that do not change the load
        break;
      default:
        if (w.startsWith('-')) break; // -h2, -disable-compression, -disable-keepalive, -disable-redirects, -cpus N …
        url = w;
    }
  }
  if (url === null) return 'hey needs the URL to load, as its last argument';
  if (workers < 1) return 'hey -c expects at least one worker';
  const unlimited = qps === 0;
  const rate = (unlimited ? UNLIMITED_QPS_PER_WORKER : qps) * workers;
  return {
    rate,
    duration: duration ?? requests / rate,
    method,
    timeout: timeout === 0 ? Infinity : timeout,
    url,
    service: serviceOf(url),
    scheme: /^([a-z]+):/i.exec(url)?.[1].toLowerCase() ?? 'http',
    path: /^[a-z]+:\/\/[^/?#]*([^#]*)/i.exec(url)?.[1] || '/',
    host,
    unlimited,
  };
}

/** Splits a command line as sh does for plain words and '…' / "…" quoting (the load tester runs it with sh -c). */
function shellWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch === '\\' && i + 1 < cmd.length ? cmd[++i] : ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** `http://name.namespace[.svc[.cluster.local]][:port]/…` → the Service; a bare `name` has no namespace. */
function serviceOf(url: string): { name: string; namespace: string | null } | null {
  const m = /^[a-z]+:\/\/([^/:?#]+)/i.exec(url);
  if (!m) return null;
  const parts = m[1].toLowerCase().split('.');
  if (parts.length === 1) return { name: parts[0], namespace: null };
  const rest = parts.slice(2).join('.');
  if (rest !== '' && rest !== 'svc' && rest !== 'svc.cluster.local') return null;
  return { name: parts[0], namespace: parts[1] };
}
