/**
 * Traefik `circuitBreaker` middleware (vulcand/oxy `cbreaker`), reference
 * traefik.md §5.3. Pure and allocation-free per request once constructed.
 *
 * Facts relied on (oxy v2 cbreaker/{cbreaker,ratio,predicates}.go,
 * memmetrics/{counter,roundtrip,histogram}.go, vulcand/predicate parse.go,
 * HdrHistogram/hdrhistogram-go):
 * - Expression language: a Go expression (go/parser) interpreted by
 *   vulcand/predicate. Supported: parentheses, `&&`, `||`, and the comparisons
 *   `>`, `>=`, `<`, `<=`, `==`, `!=` with the function call on the LEFT and a
 *   literal constant on the RIGHT. `!` is parsed by Go but oxy defines no NOT
 *   operator, so it is rejected ("! is not supported"); so are arithmetic and
 *   unary minus. Typing is strict (reflection): NetworkErrorRatio() and
 *   ResponseCodeRatio() are float64 and must be compared with a float literal
 *   (`0.5`, `1.0`; `1` is an int and is rejected); LatencyAtQuantileMS() is
 *   an int (ms) and must be compared with an int literal (`50`; `50.0` is
 *   rejected). Arguments: ResponseCodeRatio takes 4 int literals,
 *   LatencyAtQuantileMS one float literal (`50.0`; `50` is rejected).
 *   `>=`/`<=` are (gt||eq)/(lt||eq). RequestThreshold() exists only in oxy
 *   v2.2.0 (Traefik master), not in Traefik ≤ v3.7.9: unsupported here.
 * - States: standby → (expression true at a check) → tripped for
 *   fallbackDuration, metrics reset; the first request at/after `until` enters
 *   recovering (until = now + recoveryDuration, new ratio controller) and is
 *   then judged by the ratio controller; in recovering, a request strictly
 *   after `until` moves to standby and passes. Ratio controller: allow iff
 *   (allowed+1)/(allowed+1+denied) < 0.5·(now − start)/recoveryDuration.
 * - After every recorded response: if now > lastCheck, lastCheck = now +
 *   checkPeriod and, unless tripped, the expression is evaluated; true → trip.
 *   (lastCheck starts at the zero time, so the first response is checked.)
 * - Metrics: counters of 10 × 1 s buckets keyed by Unix second (window = the
 *   current second and the 9 before it, read at evaluation time); network
 *   errors are 502 and 504; ResponseCodeRatio counts [from,to) over
 *   [dividedByFrom,dividedByTo), 0 when the denominator is 0; NetworkErrorRatio
 *   is 0 when there were no requests.
 * - Latency: a rolling HDR histogram of 6 sub-histograms (lowest 1, highest
 *   3 600 000 000 µs, 2 significant figures). Before each record, if
 *   now − lastRoll ≥ 10 s the index advances (mod 6), that sub-histogram is
 *   cleared and lastRoll = now; lastRoll starts at the zero time (so the first
 *   record rotates) and a reset sets index 0 and lastRoll = now. The quantile is
 *   read from the merge of all 6. Latency is truncated to whole µs, the result
 *   truncated to whole ms.
 *
 * HDR histogram model: not an approximation of the layout but the same
 * geometry as hdrhistogram-go for (1, 3.6e9, 2): sub-bucket count 256 (half
 * 128), unit magnitude 0, 25 buckets, 3328 counters. Values 0–255 µs are
 * exact; above, bucket b ≥ 1 covers [128·2^b, 256·2^b) in steps of 2^b, i.e.
 * a relative resolution below 1/128. ValueAtQuantile(q): target =
 * floor(q/100·total + 0.5) (q capped at 100), walk the counters until the
 * running sum ≥ target and return the highest value equivalent to that
 * counter (v1.1.x behaviour: no "at least 1" floor, so an empty histogram or a
 * target of 0 gives 0). Values that do not fit (≥ 2^32 µs, negative) are
 * dropped, as RecordValues' error is ignored by oxy. The six sub-histograms
 * are kept together with their running sum so a read does not re-merge.
 *
 * Simplifications: status codes are counted per code for 0–999 only (others
 * still count in the total and, for 502/504, as network errors); simulated
 * time 0 is taken to be a whole Unix second; latency is converted from float
 * seconds to ns by rounding.
 */

// ---------------------------------------------------------------------------
// Expression AST and parser

export type ComparisonOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

export type BreakerMetric =
  | { readonly fn: 'NetworkErrorRatio' }
  | {
      readonly fn: 'ResponseCodeRatio';
      readonly from: number;
      readonly to: number;
      readonly dividedByFrom: number;
      readonly dividedByTo: number;
    }
  | { readonly fn: 'LatencyAtQuantileMS'; readonly quantile: number };

export type BreakerExpression =
  | { readonly kind: 'join'; readonly op: '&&' | '||'; readonly left: BreakerExpression; readonly right: BreakerExpression }
  | { readonly kind: 'compare'; readonly op: ComparisonOp; readonly metric: BreakerMetric; readonly value: number };

export type ParseResult = { ok: true; expr: BreakerExpression } | { ok: false; column: number; message: string };

const SUPPORTED =
  'supported functions: NetworkErrorRatio(), ResponseCodeRatio(from, to, dividedByFrom, dividedByTo), LatencyAtQuantileMS(quantile)';

type TokKind = 'ident' | 'int' | 'float' | 'string' | 'op' | '(' | ')' | ',' | 'eof' | 'bad';
interface Token {
  kind: TokKind;
  text: string;
  col: number;
}

class ParseError extends Error {
  constructor(
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<<', '>>', '&^', '<', '>', '!', '+', '-', '*', '/', '%', '&', '|', '^'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const col = i + 1;
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(src[j])) j++;
      out.push({ kind: 'ident', text: src.slice(i, j), col });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && i + 1 < n && /[0-9]/.test(src[i + 1]))) {
      const m = /^(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i));
      const text = m ? m[0] : c;
      const next = src[i + text.length];
      if (next !== undefined && /[A-Za-z0-9_.]/.test(next)) {
        // Hex/octal/binary prefixes, underscores, imaginary literals…: Go accepts
        // some of them, but strconv.Atoi / ParseFloat as used by predicate do not.
        let j = i + text.length;
        while (j < n && /[A-Za-z0-9_.]/.test(src[j])) j++;
        throw new ParseError(col, `unsupported number literal '${src.slice(i, j)}': use plain decimal numbers such as 5, 600 or 0.5`);
      }
      const isFloat = /[.eE]/.test(text);
      out.push({ kind: isFloat ? 'float' : 'int', text, col });
      i += text.length;
      continue;
    }
    if (c === '"' || c === '`' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c) j++;
      out.push({ kind: 'string', text: src.slice(i, j + 1), col });
      i = j + 1;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c, text: c, col });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', text: op, col });
      i += op.length;
      continue;
    }
    throw new ParseError(col, `unexpected character '${c}'`);
  }
  out.push({ kind: 'eof', text: '', col: n + 1 });
  return out;
}

type Value =
  | { t: 'pred'; expr: BreakerExpression; col: number }
  | { t: 'metric'; metric: BreakerMetric; type: 'int' | 'float64'; name: string; col: number }
  | { t: 'lit'; type: 'int' | 'float64' | 'string'; value: number; text: string; col: number };

const COMPARISONS: readonly string[] = ['>', '>=', '<', '<=', '==', '!='];
const ARITHMETIC: readonly string[] = ['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>', '&^'];

function describe(v: Value): string {
  if (v.t === 'pred') return 'a comparison';
  if (v.t === 'metric') return `${v.name}() (${v.type})`;
  return `the ${v.type} constant ${v.text}`;
}

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.pos];
  }
  private next(): Token {
    return this.toks[this.pos++];
  }

  parseTop(): BreakerExpression {
    const v = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'eof') throw new ParseError(t.col, `unexpected '${t.text}'`);
    if (v.t !== 'pred') {
      throw new ParseError(v.col, `expected a predicate such as NetworkErrorRatio() > 0.5, got ${describe(v)}`);
    }
    return v.expr;
  }

  private parseOr(): Value {
    let left = this.parseAnd();
    while (this.peek().kind === 'op' && this.peek().text === '||') {
      this.next();
      const right = this.parseAnd();
      left = this.join('||', left, right);
    }
    return left;
  }

  private parseAnd(): Value {
    let left = this.parseCmp();
    while (this.peek().kind === 'op' && this.peek().text === '&&') {
      this.next();
      const right = this.parseCmp();
      left = this.join('&&', left, right);
    }
    return left;
  }

  private join(op: '&&' | '||', left: Value, right: Value): Value {
    if (left.t !== 'pred') throw new ParseError(left.col, `operands of ${op} must be comparisons, got ${describe(left)}`);
    if (right.t !== 'pred') throw new ParseError(right.col, `operands of ${op} must be comparisons, got ${describe(right)}`);
    return { t: 'pred', expr: { kind: 'join', op, left: left.expr, right: right.expr }, col: left.col };
  }

  private parseCmp(): Value {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op') return left;
      if (ARITHMETIC.includes(t.text)) throw new ParseError(t.col, `${t.text} is not supported`);
      if (!COMPARISONS.includes(t.text)) return left;
      this.next();
      const right = this.parseUnary();
      left = this.compare(t.text as ComparisonOp, left, right);
    }
  }

  private compare(op: ComparisonOp, left: Value, right: Value): Value {
    if (left.t !== 'metric') {
      throw new ParseError(
        left.col,
        `the left side of ${op} must be a function call (${SUPPORTED.replace('supported functions: ', '')}) with the constant on the right, got ${describe(left)}`,
      );
    }
    if (right.t !== 'lit') {
      throw new ParseError(right.col, `the right side of ${op} must be a numeric constant, got ${describe(right)}`);
    }
    if (right.type !== left.type) {
      const want = left.type === 'int' ? 'an int constant such as 50' : 'a float constant such as 0.5';
      throw new ParseError(right.col, `${left.name}() returns ${left.type}: compare it with ${want}, got ${right.type} ${right.text}`);
    }
    return { t: 'pred', expr: { kind: 'compare', op, metric: left.metric, value: right.value }, col: left.col };
  }

  private parseUnary(): Value {
    const t = this.peek();
    if (t.kind === 'op') {
      throw new ParseError(t.col, `${t.text} is not supported`);
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Value {
    const t = this.next();
    switch (t.kind) {
      case '(': {
        const v = this.parseOr();
        const close = this.next();
        if (close.kind !== ')') throw new ParseError(close.col, `expected ')', got ${close.kind === 'eof' ? 'end of expression' : `'${close.text}'`}`);
        return v;
      }
      case 'int':
        return { t: 'lit', type: 'int', value: parseInt(t.text, 10), text: t.text, col: t.col };
      case 'float':
        return { t: 'lit', type: 'float64', value: parseFloat(t.text), text: t.text, col: t.col };
      case 'string':
        return { t: 'lit', type: 'string', value: NaN, text: t.text, col: t.col };
      case 'ident':
        return this.parseCall(t);
      case 'eof':
        throw new ParseError(t.col, 'unexpected end of expression');
      default:
        throw new ParseError(t.col, `unexpected '${t.text}'`);
    }
  }

  private parseCall(name: Token): Value {
    if (this.peek().kind !== '(') {
      throw new ParseError(name.col, `${name.text} is not defined (${SUPPORTED})`);
    }
    this.next();
    const args: Value[] = [];
    if (this.peek().kind !== ')') {
      for (;;) {
        const a = this.parseOr();
        args.push(a);
        const sep = this.next();
        if (sep.kind === ')') break;
        if (sep.kind !== ',') throw new ParseError(sep.col, `expected ',' or ')' in the arguments of ${name.text}, got ${sep.kind === 'eof' ? 'end of expression' : `'${sep.text}'`}`);
      }
    } else {
      this.next();
    }
    const lits = (types: ('int' | 'float64')[], sig: string): number[] => {
      if (args.length !== types.length) {
        throw new ParseError(name.col, `${name.text} takes ${types.length} argument(s): ${sig}, got ${args.length}`);
      }
      return args.map((a, i) => {
        if (a.t !== 'lit' || a.type !== types[i]) {
          const want = types[i] === 'int' ? 'an int constant' : 'a float constant such as 50.0';
          throw new ParseError(a.col, `argument ${i + 1} of ${name.text} must be ${want} (${sig}), got ${describe(a)}`);
        }
        return a.value;
      });
    };
    switch (name.text) {
      case 'NetworkErrorRatio':
        lits([], 'NetworkErrorRatio()');
        return { t: 'metric', metric: { fn: 'NetworkErrorRatio' }, type: 'float64', name: name.text, col: name.col };
      case 'ResponseCodeRatio': {
        const [from, to, dividedByFrom, dividedByTo] = lits(
          ['int', 'int', 'int', 'int'],
          'ResponseCodeRatio(from, to, dividedByFrom, dividedByTo)',
        );
        return {
          t: 'metric',
          metric: { fn: 'ResponseCodeRatio', from, to, dividedByFrom, dividedByTo },
          type: 'float64',
          name: name.text,
          col: name.col,
        };
      }
      case 'LatencyAtQuantileMS': {
        const [quantile] = lits(['float64'], 'LatencyAtQuantileMS(quantile), e.g. LatencyAtQuantileMS(50.0)');
        return { t: 'metric', metric: { fn: 'LatencyAtQuantileMS', quantile }, type: 'int', name: name.text, col: name.col };
      }
      case 'RequestThreshold':
        throw new ParseError(
          name.col,
          `unsupported function: RequestThreshold() (only in Traefik master / oxy v2.2.0, not in Traefik <= v3.7.9); ${SUPPORTED}`,
        );
      default:
        throw new ParseError(name.col, `unsupported function: ${name.text}(); ${SUPPORTED}`);
    }
  }
}

/** Parses a circuit-breaker expression; errors carry a 1-based column (offset in the string + 1). */
export function parseBreakerExpression(src: string): ParseResult {
  try {
    const expr = new Parser(tokenize(src)).parseTop();
    return { ok: true, expr };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, column: e.column, message: e.message };
    throw e;
  }
}

/** Canonical text of an expression (fully parenthesised joins), e.g. for the UI. */
export function formatBreakerExpression(expr: BreakerExpression): string {
  if (expr.kind === 'join') {
    return `(${formatBreakerExpression(expr.left)} ${expr.op} ${formatBreakerExpression(expr.right)})`;
  }
  const m = expr.metric;
  const call =
    m.fn === 'NetworkErrorRatio'
      ? 'NetworkErrorRatio()'
      : m.fn === 'ResponseCodeRatio'
        ? `ResponseCodeRatio(${m.from}, ${m.to}, ${m.dividedByFrom}, ${m.dividedByTo})`
        : `LatencyAtQuantileMS(${Number.isInteger(m.quantile) ? m.quantile.toFixed(1) : m.quantile})`;
  const value = m.fn === 'LatencyAtQuantileMS' || !Number.isInteger(expr.value) ? String(expr.value) : expr.value.toFixed(1);
  return `${call} ${expr.op} ${value}`;
}

// ---------------------------------------------------------------------------
// Rolling metrics (oxy memmetrics.RTMetrics)

const WINDOW_BUCKETS = 10;
const CODES = 1000;
// HDR geometry for lowest 1, highest 3.6e9, 2 significant figures.
const SUB_HALF_MAG = 7;
const SUB_HALF = 1 << SUB_HALF_MAG; // 128
const HDR_COUNTS = 26 * SUB_HALF; // (bucketCount 25 + 1) · 128 = 3328
const HIST_SLOTS = 6;
const HIST_PERIOD = 10;

/** Counter index of a µs value, or −1 when it cannot be recorded. */
function hdrIndex(v: number): number {
  if (!(v >= 0) || v >= 4294967296) return -1;
  if (v < 256) return v;
  const bucket = 24 - Math.clz32(v >>> 0); // bit length − 8
  const sub = (v >>> 0) >>> bucket; // in [128, 256)
  return bucket * SUB_HALF + sub;
}

/** Highest value equivalent to counter `idx`. */
function hdrHighestEquivalent(idx: number): number {
  let bucket = (idx >> SUB_HALF_MAG) - 1;
  let sub = (idx & (SUB_HALF - 1)) + SUB_HALF;
  if (bucket < 0) {
    sub -= SUB_HALF;
    bucket = 0;
  }
  const unit = 2 ** bucket;
  return sub * unit + unit - 1;
}

export class BreakerMetrics {
  private readonly second = new Float64Array(WINDOW_BUCKETS).fill(-Infinity);
  private readonly total = new Float64Array(WINDOW_BUCKETS);
  private readonly netErrors = new Float64Array(WINDOW_BUCKETS);
  private readonly codes = new Float64Array(WINDOW_BUCKETS * CODES);
  private readonly hist = new Float64Array(HIST_SLOTS * HDR_COUNTS);
  private readonly merged = new Float64Array(HDR_COUNTS);
  private mergedTotal = 0;
  private histIdx = 0;
  private lastRoll = -Infinity;

  /** Records one response: status code and latency in seconds. */
  record(now: number, code: number, latencySeconds: number): void {
    const s = Math.floor(now);
    const b = ((s % WINDOW_BUCKETS) + WINDOW_BUCKETS) % WINDOW_BUCKETS;
    if (this.second[b] !== s) {
      this.second[b] = s;
      this.total[b] = 0;
      this.netErrors[b] = 0;
      this.codes.fill(0, b * CODES, (b + 1) * CODES);
    }
    this.total[b]++;
    if (code === 502 || code === 504) this.netErrors[b]++;
    if (code >= 0 && code < CODES) this.codes[b * CODES + Math.trunc(code)]++;

    if (now - this.lastRoll >= HIST_PERIOD) {
      this.histIdx = (this.histIdx + 1) % HIST_SLOTS;
      this.clearSlot(this.histIdx);
      this.lastRoll = now;
    }
    const us = Math.trunc(Math.round(latencySeconds * 1e9) / 1000);
    const idx = hdrIndex(us);
    if (idx >= 0) {
      this.hist[this.histIdx * HDR_COUNTS + idx]++;
      this.merged[idx]++;
      this.mergedTotal++;
    }
  }

  /** Forgets everything (on trip). */
  reset(now: number): void {
    this.second.fill(-Infinity);
    this.hist.fill(0);
    this.merged.fill(0);
    this.mergedTotal = 0;
    this.histIdx = 0;
    this.lastRoll = now;
  }

  /** Requests recorded in the 10 s window ending in the current second. */
  totalCount(now: number): number {
    return this.sumWindow(this.total, now);
  }

  networkErrorRatio(now: number): number {
    const total = this.sumWindow(this.total, now);
    return total === 0 ? 0 : this.sumWindow(this.netErrors, now) / total;
  }

  responseCodeRatio(now: number, from: number, to: number, dividedByFrom: number, dividedByTo: number): number {
    const lowest = Math.floor(now) - (WINDOW_BUCKETS - 1);
    let a = 0;
    let d = 0;
    for (let b = 0; b < WINDOW_BUCKETS; b++) {
      const s = this.second[b];
      if (s < lowest || s > Math.floor(now)) continue;
      a += this.sumCodes(b, from, to);
      d += this.sumCodes(b, dividedByFrom, dividedByTo);
    }
    return d === 0 ? 0 : a / d;
  }

  /** Latency at quantile q (0–100) in whole ms, over the 6 sub-histograms. */
  latencyAtQuantileMS(q: number): number {
    return Math.trunc(this.valueAtQuantileMicros(q) / 1000);
  }

  /** hdrhistogram-go ValueAtQuantile on the merged histogram, in µs. */
  valueAtQuantileMicros(q: number): number {
    if (q > 100) q = 100;
    const target = Math.trunc((q / 100) * this.mergedTotal + 0.5);
    let sum = 0;
    for (let i = 0; i < HDR_COUNTS; i++) {
      sum += this.merged[i];
      if (sum >= target) return hdrHighestEquivalent(i);
    }
    return 0;
  }

  private sumCodes(b: number, from: number, to: number): number {
    const lo = Math.max(0, Math.ceil(from));
    const hi = Math.min(CODES, Math.ceil(to));
    let n = 0;
    const base = b * CODES;
    for (let c = lo; c < hi; c++) n += this.codes[base + c];
    return n;
  }

  private sumWindow(arr: Float64Array, now: number): number {
    const cur = Math.floor(now);
    const lowest = cur - (WINDOW_BUCKETS - 1);
    let n = 0;
    for (let b = 0; b < WINDOW_BUCKETS; b++) {
      const s = this.second[b];
      if (s >= lowest && s <= cur) n += arr[b];
    }
    return n;
  }

  private clearSlot(slot: number): void {
    const base = slot * HDR_COUNTS;
    for (let i = 0; i < HDR_COUNTS; i++) {
      const c = this.hist[base + i];
      if (c !== 0) {
        this.merged[i] -= c;
        this.mergedTotal -= c;
        this.hist[base + i] = 0;
      }
    }
  }
}

function metricValue(m: BreakerMetric, metrics: BreakerMetrics, now: number): number {
  switch (m.fn) {
    case 'NetworkErrorRatio':
      return metrics.networkErrorRatio(now);
    case 'ResponseCodeRatio':
      return metrics.responseCodeRatio(now, m.from, m.to, m.dividedByFrom, m.dividedByTo);
    case 'LatencyAtQuantileMS':
      return metrics.latencyAtQuantileMS(m.quantile);
  }
}

/** Evaluates an expression against the metrics as they are at `now`. */
export function evaluateBreakerExpression(expr: BreakerExpression, metrics: BreakerMetrics, now: number): boolean {
  if (expr.kind === 'join') {
    return expr.op === '&&'
      ? evaluateBreakerExpression(expr.left, metrics, now) && evaluateBreakerExpression(expr.right, metrics, now)
      : evaluateBreakerExpression(expr.left, metrics, now) || evaluateBreakerExpression(expr.right, metrics, now);
  }
  const v = metricValue(expr.metric, metrics, now);
  switch (expr.op) {
    case '>':
      return v > expr.value;
    case '>=':
      return v > expr.value || v === expr.value;
    case '<':
      return v < expr.value;
    case '<=':
      return v < expr.value || v === expr.value;
    case '==':
      return v === expr.value;
    case '!=':
      return v !== expr.value;
  }
}

// ---------------------------------------------------------------------------
// The breaker

export type BreakerState = 'standby' | 'tripped' | 'recovering';

export type BreakerTransitionListener = (from: BreakerState, to: BreakerState, now: number) => void;

export interface CircuitBreakerConfig {
  expression: BreakerExpression;
  /** Seconds between expression checks (default 0.1). */
  checkPeriod?: number;
  /** Seconds in tripped state (default 10). */
  fallbackDuration?: number;
  /** Seconds of the recovering ramp (default 10). */
  recoveryDuration?: number;
  /** Status of fallback responses (default 503). */
  responseCode?: number;
  /** Called on every state change (set once, at configuration build time). */
  onTransition?: BreakerTransitionListener;
}

export class CircuitBreaker {
  readonly expression: BreakerExpression;
  readonly checkPeriod: number;
  readonly fallbackDuration: number;
  readonly recoveryDuration: number;
  readonly responseCode: number;
  readonly metrics = new BreakerMetrics();

  state: BreakerState = 'standby';
  /** Number of state changes so far. */
  transitions = 0;
  /** End of the tripped / recovering period (meaningless in standby). */
  until = 0;
  /** Ratio controller counters of the current recovering period. */
  recoveryAllowed = 0;
  recoveryDenied = 0;
  private recoveryStart = 0;
  /** Next instant strictly after which the expression may be checked. */
  private lastCheck = -Infinity;
  private readonly onTransition: BreakerTransitionListener | undefined;

  constructor(config: CircuitBreakerConfig) {
    this.expression = config.expression;
    this.checkPeriod = config.checkPeriod ?? 0.1;
    this.fallbackDuration = config.fallbackDuration ?? 10;
    this.recoveryDuration = config.recoveryDuration ?? 10;
    this.responseCode = config.responseCode ?? 503;
    this.onTransition = config.onTransition;
  }

  /**
   * A request reaches the breaker at `now`. True: forward it (and call
   * `record` with its response). False: answer `responseCode`, record nothing.
   */
  allow(now: number): boolean {
    if (this.state === 'standby') return true;
    if (this.state === 'tripped') {
      if (now < this.until) return false;
      this.setState('recovering', now, now + this.recoveryDuration);
      this.recoveryStart = now;
      this.recoveryAllowed = 0;
      this.recoveryDenied = 0;
    }
    // recovering
    if (now > this.until) {
      this.setState('standby', now, now);
      return true;
    }
    const target = (0.5 / this.recoveryDuration) * (now - this.recoveryStart);
    const allowed = this.recoveryAllowed + 1;
    if (allowed / (allowed + this.recoveryDenied) < target) {
      this.recoveryAllowed++;
      return true;
    }
    this.recoveryDenied++;
    return false;
  }

  /** The response of a forwarded request passes back through the breaker at `now`. */
  record(now: number, code: number, latencySeconds: number): void {
    this.metrics.record(now, code, latencySeconds);
    if (!(now > this.lastCheck)) return;
    this.lastCheck = now + this.checkPeriod;
    if (this.state === 'tripped') return;
    if (!evaluateBreakerExpression(this.expression, this.metrics, now)) return;
    this.setState('tripped', now, now + this.fallbackDuration);
    this.metrics.reset(now);
  }

  private setState(to: BreakerState, now: number, until: number): void {
    const from = this.state;
    this.state = to;
    this.until = until;
    this.transitions++;
    if (this.onTransition) this.onTransition(from, to, now);
  }
}
