/**
 * Durations in Go's time.ParseDuration syntax, as Flagger and Traefik write
 * them: a sequence of decimal numbers with units ns, us (or µs), ms, s, m, h,
 * such as "300ms", "90s", "1h30m" or "1.5h"; "0" alone; an optional sign.
 * Days are not a Go unit and are rejected, as Go rejects them.
 */
const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  'µs': 1e-6,
  'μs': 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const PART = /([0-9]*\.?[0-9]*)(ns|us|µs|μs|ms|s|m|h)/y;

/** Parses a Go duration to seconds, or returns an error message. */
export function parseDuration(text: string): number | { error: string } {
  let s = text.trim();
  if (s === '') return { error: 'empty duration' };
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (!m || m[1] === '' || m[1] === '.') {
      const rest = s.slice(pos);
      if (/^[0-9.]+$/.test(rest)) return { error: `missing unit in duration "${text}" (use ns, us, ms, s, m or h)` };
      const unit = /^[0-9]*\.?[0-9]+([a-zA-Zµμ]+)/.exec(rest);
      if (unit) return { error: `unknown unit "${unit[1]}" in duration "${text}" (use ns, us, ms, s, m or h)` };
      return { error: `invalid duration "${text}"` };
    }
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
    pos = PART.lastIndex;
  }
  return sign * total;
}

/** Formats seconds the way Go's Duration.String() does (e.g. 1h30m0s, 1.5s, 300ms). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let ns = Math.round(Math.abs(seconds) * 1e9);
  let out: string;
  if (ns < 1e9) {
    if (ns < 1e3) out = `${ns}ns`;
    else if (ns < 1e6) out = `${trim(ns / 1e3)}µs`;
    else out = `${trim(ns / 1e6)}ms`;
  } else {
    const h = Math.floor(ns / 3.6e12);
    ns -= h * 3.6e12;
    const m = Math.floor(ns / 6e10);
    ns -= m * 6e10;
    const sec = `${trim(ns / 1e9)}s`;
    out = h > 0 ? `${h}h${m}m${sec}` : m > 0 ? `${m}m${sec}` : sec;
  }
  return neg ? `-${out}` : out;
}

function trim(x: number): string {
  return String(Number(x.toFixed(9)));
}
