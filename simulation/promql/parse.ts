/**
 * PromQL parsing as Prometheus 2.42 does it: the official grammar
 * (@prometheus-io/lezer-promql 0.42.0) gives the syntax tree, which is then
 * rebuilt into the evaluator's AST (simulation/promql/ast.ts) with the
 * operator precedence of Prometheus' yacc grammar (generated_parser.y), the
 * semantic checks of its grammar actions (durations, numbers, strings,
 * offset/@/range placement) and the type checks of parse.go `checkAST`.
 *
 * Where lezer's tree differs from Prometheus' parse, Prometheus wins: the
 * postfix modifiers `offset`, `@`, `[range]` and `[range:step]` bind to the
 * nearest operand (`a + b offset 5m` is `a + (b offset 5m)`), and a unary
 * sign binds looser than `^` (`-2 ^ 2` is `-(2 ^ 2)`).
 *
 * Never throws: every failure is `{ ok: false, position, message }` with the
 * 0-based offset Prometheus reports (the start of its error range).
 */
import type { SyntaxNode } from '@lezer/common';
import type { LRParser } from '@lezer/lr';
// @ts-expect-error -- the package's "exports" map hides dist/index.d.ts from moduleResolution "Bundler" (TS7016); typed below.
import { parser as lezerParser } from '@prometheus-io/lezer-promql';

const parser = lezerParser as LRParser;
import { translateGoRegexp } from '../routing/rule';
import type { AggregateOp, AtModifier, BinaryOp, Expr, LabelMatcher, MatchOp, ValueType, VectorMatching, VectorSelector } from './ast';
import { typeOf } from './ast';

export type ParseResult = { ok: true; expr: Expr } | { ok: false; position: number; message: string };

/** Prometheus' rendering of a parse error: `line:col: parse error: message` (col counts UTF-8 bytes, 1-based). */
export function formatParseError(query: string, position: number, message: string): string {
  if (position < 0 || position > query.length) return `invalid position: parse error: ${message}`;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${utf8Length(query.slice(lineStart, position)) + 1}: parse error: ${message}`;
}

function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

class ParseError {
  constructor(
    readonly position: number,
    readonly message: string,
  ) {}
}

function fail(position: number, message: string): never {
  throw new ParseError(position, message);
}

export function parsePromQL(query: string): ParseResult {
  try {
    return { ok: true, expr: new Builder(query).run() };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, position: e.position, message: e.message };
    const why = e instanceof Error ? e.message : String(e);
    return { ok: false, position: 0, message: `unexpected error: ${why}` };
  }
}

// ---------------------------------------------------------------------------
// Tables (Prometheus 2.42 promql/parser/functions.go, lex.go)

interface FunctionDef {
  args: ValueType[];
  /** 0: fixed arity; n > 0: up to n optional trailing args of the last type; -1: unbounded. */
  variadic: number;
  ret: ValueType;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

const fn = (args: ValueType[], variadic = 0, ret: ValueType = V): FunctionDef => ({ args, variadic, ret });

/** The functions Prometheus 2.42 knows (the same names lezer-promql 0.42 specializes). */
export const FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  abs: fn([V]),
  absent: fn([V]),
  absent_over_time: fn([M]),
  acos: fn([V]),
  acosh: fn([V]),
  asin: fn([V]),
  asinh: fn([V]),
  atan: fn([V]),
  atanh: fn([V]),
  avg_over_time: fn([M]),
  ceil: fn([V]),
  changes: fn([M]),
  clamp: fn([V, S, S]),
  clamp_max: fn([V, S]),
  clamp_min: fn([V, S]),
  cos: fn([V]),
  cosh: fn([V]),
  count_over_time: fn([M]),
  days_in_month: fn([V], 1),
  day_of_month: fn([V], 1),
  day_of_week: fn([V], 1),
  day_of_year: fn([V], 1),
  deg: fn([V]),
  delta: fn([M]),
  deriv: fn([M]),
  exp: fn([V]),
  floor: fn([V]),
  histogram_count: fn([V]),
  histogram_fraction: fn([S, S, V]),
  histogram_quantile: fn([S, V]),
  histogram_sum: fn([V]),
  holt_winters: fn([M, S, S]),
  hour: fn([V], 1),
  idelta: fn([M]),
  increase: fn([M]),
  irate: fn([M]),
  label_join: fn([V, STR, STR, STR], -1),
  label_replace: fn([V, STR, STR, STR, STR]),
  last_over_time: fn([M]),
  ln: fn([V]),
  log10: fn([V]),
  log2: fn([V]),
  max_over_time: fn([M]),
  min_over_time: fn([M]),
  minute: fn([V], 1),
  month: fn([V], 1),
  pi: fn([], 0, S),
  predict_linear: fn([M, S]),
  present_over_time: fn([M]),
  quantile_over_time: fn([S, M]),
  rad: fn([V]),
  rate: fn([M]),
  resets: fn([M]),
  round: fn([V, S], 1),
  scalar: fn([V], 0, S),
  sgn: fn([V]),
  sin: fn([V]),
  sinh: fn([V]),
  sort: fn([V]),
  sort_desc: fn([V]),
  sqrt: fn([V]),
  stddev_over_time: fn([M]),
  stdvar_over_time: fn([M]),
  sum_over_time: fn([M]),
  tan: fn([V]),
  tanh: fn([V]),
  time: fn([], 0, S),
  timestamp: fn([V]),
  vector: fn([S]),
  year: fn([V], 1),
};

const AGGREGATORS = new Set<string>(['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'quantile', 'topk', 'bottomk', 'count_values', 'group']);
const PARAM_AGGREGATORS = new Set<string>(['quantile', 'topk', 'bottomk', 'count_values']);

/** lezer node name of a binary operator → PromQL operator. */
const BINARY_OPS: Readonly<Record<string, BinaryOp>> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
  Atan2: 'atan2',
};

/** yacc precedence (generated_parser.y: %left LOR / LAND LUNLESS / comparisons / ADD SUB / MUL DIV MOD ATAN2 / %right POW). */
const PRECEDENCE: Readonly<Record<BinaryOp, number>> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '<': 3,
  '>=': 3,
  '<=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};
const POW_PRECEDENCE = 6;

const MATCH_OPS: Readonly<Record<string, MatchOp>> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

const COMPARISONS = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set<BinaryOp>(['and', 'or', 'unless']);

/** Prometheus' DocumentedType. */
function documented(t: ValueType): string {
  return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}

// ---------------------------------------------------------------------------
// Values

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS = [365 * 24 * 3600e3, 7 * 24 * 3600e3, 24 * 3600e3, 3600e3, 60e3, 1e3, 1];
const MAX_INT64 = 9223372036854775807n;

/** prometheus/common model.ParseDuration + promql parseDuration (must be > 0), in ms. */
export function parseDuration(ds: string): { ok: true; ms: number } | { ok: false; message: string } {
  if (ds === '0') return { ok: false, message: 'duration must be greater than 0' };
  if (ds === '') return { ok: false, message: 'empty duration string' };
  const m = DURATION_RE.exec(ds);
  if (!m) return { ok: false, message: `not a valid duration string: ${goQuote(ds)}` };
  let ns = 0n;
  for (let i = 0; i < DURATION_UNITS.length; i++) {
    const part = m[i + 1];
    if (part === undefined) continue;
    const unitNs = BigInt(DURATION_UNITS[i]) * 1_000_000n;
    const n = BigInt(part);
    if (n > MAX_INT64 / unitNs) return { ok: false, message: 'duration out of range' };
    ns += n * unitNs;
    if (ns > MAX_INT64) return { ok: false, message: 'duration out of range' };
  }
  if (ns === 0n) return { ok: false, message: 'duration must be greater than 0' };
  return { ok: true, ms: Number(ns / 1_000_000n) };
}

/** Go's strconv.ParseInt(s, 0, 64), falling back to ParseFloat, as parser.number does. */
function parseNumber(text: string): number | null {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  let int: bigint | null = null;
  if (/^0x[0-9a-f]+$/.test(lower)) int = BigInt(lower);
  else if (/^0[0-7]+$/.test(lower)) int = BigInt(`0o${lower.slice(1)}`);
  else if (/^\d+$/.test(lower)) int = BigInt(lower);
  if (int !== null && int <= MAX_INT64) return Number(int);
  // Go's ParseFloat: decimal (with optional exponent), no hex without a p exponent.
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(lower)) return Number(lower);
  return null;
}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's %#U. */
function goRune(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return cp >= 0x20 && cp !== 0x7f ? `U+${hex} '${String.fromCodePoint(cp)}'` : `U+${hex}`;
}

/**
 * A string literal's value with the lexer's escape checks (lex.go lexEscape)
 * and strutil.Unquote's decoding; errors are reported at the literal's start.
 */
function unquote(text: string, start: number): string {
  const q = text[0];
  if (q === '`') {
    if (text.length < 2 || text[text.length - 1] !== '`') fail(start, 'unterminated raw string');
    return text.slice(1, -1);
  }
  if (text.length < 2 || text[text.length - 1] !== q || text[text.length - 2] === '\\' && !endsWithEscapedBackslash(text)) {
    fail(start, 'unterminated quoted string');
  }
  const body = text.slice(1, -1);
  const bytes: number[] = [];
  const pushCp = (cp: number) => {
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  };
  for (let i = 0; i < body.length; ) {
    const cp = body.codePointAt(i) ?? 0;
    if (cp === 10) fail(start, 'unterminated quoted string');
    if (cp !== 92) {
      pushCp(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const c = body[i + 1];
    i += 2;
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
    if (c === undefined) fail(start, 'escape sequence not terminated');
    if (c in simple) {
      bytes.push(simple[c]);
      continue;
    }
    if (c === q) {
      bytes.push(q.charCodeAt(0));
      continue;
    }
    let n: number;
    let base: number;
    let max: number;
    let digits: string;
    if (c >= '0' && c <= '7') {
      n = 3;
      base = 8;
      max = 255;
      digits = body.slice(i - 1, i + 2);
      i += 2;
    } else if (c === 'x' || c === 'u' || c === 'U') {
      n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      base = 16;
      max = c === 'x' ? 255 : 0x10ffff;
      digits = body.slice(i, i + n);
      i += n;
    } else {
      fail(start, `unknown escape sequence ${goRune(c.codePointAt(0) ?? 0)}`);
    }
    for (let k = 0; k < n; k++) {
      const d = digits[k];
      if (d === undefined) fail(start, 'escape sequence not terminated');
      if (Number.isNaN(parseInt(d, base))) fail(start, `illegal character ${goRune(d.codePointAt(0) ?? 0)} in escape sequence`);
    }
    const x = parseInt(digits, base);
    if (x > max || (x >= 0xd800 && x < 0xe000)) fail(start, 'escape sequence is an invalid Unicode code point');
    if (c === 'u' || c === 'U') pushCp(x);
    else bytes.push(x);
  }
  // Go strings are bytes; invalid UTF-8 (from \x or octal escapes) shows as U+FFFD, as Go's JSON encoder writes it.
  return decodeUtf8(bytes);
}

/** UTF-8 bytes to a string; each byte of an invalid sequence becomes U+FFFD (as Go's range loop reads it). */
function decodeUtf8(b: number[]): string {
  let out = '';
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n === 0) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    let cp = n === 1 ? c & 0x1f : n === 2 ? c & 0x0f : c & 0x07;
    let ok = n > 0 && i + n < b.length;
    for (let k = 1; ok && k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (x & 63);
    }
    const min = n === 1 ? 0x80 : n === 2 ? 0x800 : 0x10000;
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp < 0xe000)) {
      out += String.fromCodePoint(cp);
      i += n + 1;
    } else {
      out += '\ufffd';
      i++;
    }
  }
  return out;
}

/** Whether a quoted literal ending in `\<quote>` actually ends with an escaped backslash before the quote. */
function endsWithEscapedBackslash(text: string): boolean {
  let n = 0;
  for (let i = text.length - 2; i >= 1 && text[i] === '\\'; i--) n++;
  return n % 2 === 0;
}

/** Go's math.Round (half away from zero). */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Go's %f. */
function goFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  return x.toFixed(6);
}

// ---------------------------------------------------------------------------
// Tokens, for error messages (lex.go Item.desc)

const KEYWORDS = new Set(['offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'start', 'end']);
const WORD_OPERATORS = new Set(['and', 'or', 'unless', 'atan2']);
const SYMBOL_OPERATORS = ['==', '!=', '>=', '<=', '=~', '!~', '+', '-', '*', '/', '%', '^', '>', '<', '@'];

/** Describes the token at `pos` the way Prometheus' "unexpected …" messages do. */
function describeToken(q: string, pos: number): string {
  if (pos >= q.length) return 'end of input';
  const rest = q.slice(pos);
  const word = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest)?.[0];
  if (word) {
    const lw = word.toLowerCase();
    if (AGGREGATORS.has(lw)) return `<aggr:${word}>`;
    if (WORD_OPERATORS.has(lw)) return `<op:${word}>`;
    if (KEYWORDS.has(lw)) return `<${word}>`;
    if (lw === 'inf' || lw === 'nan') return `number ${goQuote(word)}`;
    return `${word.includes(':') ? 'metric identifier' : 'identifier'} ${goQuote(word)}`;
  }
  const num = /^(0x[0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(rest)?.[0];
  if (num) {
    const dur = /^\d+(ms|[smhdwy])(\d+(ms|[smhdw]))*/.exec(rest)?.[0];
    return dur && dur.length > num.length ? `duration ${goQuote(dur)}` : `number ${goQuote(num)}`;
  }
  const c = rest[0];
  if (c === '"' || c === "'" || c === '`') {
    let end = 1;
    while (end < rest.length && rest[end] !== c) end += rest[end] === '\\' && c !== '`' ? 2 : 1;
    const s = rest.slice(0, end + 1);
    return `string ${s.length > 10 ? `${goQuote(s).slice(0, 11)}...` : goQuote(s)}`;
  }
  for (const op of SYMBOL_OPERATORS) if (rest.startsWith(op)) return `<op:${op}>`;
  return goQuote(c === '=' ? '=' : String.fromCodePoint(rest.codePointAt(0) ?? 0));
}

function skipSpace(q: string, pos: number): number {
  while (pos < q.length && ' \t\n\r'.includes(q[pos])) pos++;
  return pos;
}

/**
 * Lexer-level errors Prometheus reports by themselves (lex.go): unbalanced
 * parentheses, brackets and braces. Returns the first, or null.
 */
function lexerError(q: string): ParseError | null {
  let paren = 0;
  let bracket = -1;
  let brace = -1;
  for (let i = 0; i < q.length; i++) {
    const c = q[i];
    if (c === '#') {
      while (i < q.length && q[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < q.length && q[j] !== c && !(c !== '`' && q[j] === '\n')) j += q[j] === '\\' && c !== '`' ? 2 : 1;
      i = j;
      continue;
    }
    if (brace >= 0) {
      if (c === '}') brace = -1;
      else if (c === '{') return new ParseError(i, "unexpected left brace '{'");
      continue;
    }
    if (bracket >= 0) {
      if (c === ']') bracket = -1;
      else if (c === '[') return new ParseError(i, "unexpected left bracket '['");
      continue;
    }
    if (c === '(') paren++;
    else if (c === ')') {
      if (--paren < 0) return new ParseError(i, "unexpected right parenthesis ')'");
    } else if (c === '[') bracket = i;
    else if (c === ']') return new ParseError(i, "unexpected right bracket ']'");
    else if (c === '{') brace = i;
    else if (c === '}') return new ParseError(i, "unexpected right brace '}'");
  }
  const end = skipSpace(q, q.length);
  if (brace >= 0) return new ParseError(end, 'unexpected end of input inside braces');
  if (bracket >= 0) return new ParseError(end, 'unclosed left bracket');
  if (paren > 0) return new ParseError(end, 'unclosed left parenthesis');
  return null;
}

// ---------------------------------------------------------------------------
// Building

type Item =
  | { kind: 'operand'; expr: Expr }
  | { kind: 'prefix'; op: '-' | '+'; pos: number }
  | { kind: 'binary'; op: BinaryOp; bool: boolean; matching: MatchingClause | null; pos: number }
  | { kind: 'offset'; node: SyntaxNode; negative: boolean; duration: SyntaxNode | null; end: number }
  | { kind: 'at'; node: SyntaxNode; value: SyntaxNode | null; end: number }
  | { kind: 'range'; open: number; duration: SyntaxNode | null; end: number }
  | { kind: 'subquery'; range: SyntaxNode | null; step: SyntaxNode | null; end: number };

interface MatchingClause {
  on: boolean;
  labels: string[];
  card: VectorMatching['card'];
  include: string[];
}

/** Per-node parse facts the AST does not carry. */
interface Extra {
  /** VectorSelector: the @ was a fixed timestamp (Prometheus' Timestamp != nil). */
  atTime?: boolean;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name !== 'LineComment') out.push(c);
  return out;
}

class Builder {
  private readonly extra = new WeakMap<object, Extra>();

  constructor(private readonly q: string) {}

  private text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  run(): Expr {
    const tree = parser.parse(this.q);
    this.syntaxErrors(tree.topNode);
    const top = children(tree.topNode);
    if (top.length === 0) fail(0, 'no expression found in input');
    const expr = this.expr(top[0]);
    this.check(expr);
    return expr;
  }

  // ---- syntax errors -----------------------------------------------------------

  private syntaxErrors(root: SyntaxNode): void {
    let first: SyntaxNode | null = null;
    const cursor = root.cursor();
    do {
      if (cursor.type.isError && (first === null || cursor.from < first.from)) first = cursor.node;
    } while (cursor.next());
    const lex = lexerError(this.q);
    if (skipSpace(this.q, 0) >= this.q.length || children(root).length === 0) {
      if (lex) throw lex;
      fail(0, 'no expression found in input');
    }
    if (!first) {
      if (lex) throw lex;
      return;
    }
    const pos = skipSpace(this.q, first.from);
    if (lex && lex.position <= pos) throw lex;
    this.unknownFunction(root, pos);
    const dur = this.badDuration(first, pos);
    if (dur) throw dur;
    fail(pos, this.unexpectedMessage(first, pos));
  }

  /** `foo(…)` with an unknown function name: lezer reads a selector `foo` and then fails at `(`. */
  private unknownFunction(root: SyntaxNode, pos: number): void {
    if (this.q[pos] !== '(') return;
    let before = pos - 1;
    while (before >= 0 && ' \t\n\r'.includes(this.q[before])) before--;
    const id = root.resolveInner(before, -1);
    if (id.name === 'Identifier' && id.parent?.name === 'VectorSelector' && id.to <= pos) {
      fail(id.from, `unknown function with name ${goQuote(this.text(id))}`);
    }
  }

  /** Durations Prometheus lexes as one token but cannot parse (`5m1h`, `1.5m`). */
  private badDuration(err: SyntaxNode, pos: number): ParseError | null {
    let open = -1;
    for (let i = pos - 1; i >= 0; i--) {
      if (this.q[i] === '[') {
        open = i;
        break;
      }
      if (this.q[i] === ']') break;
    }
    if (open < 0) return null;
    let s = pos;
    while (s > open + 1 && /[0-9a-zA-Z.]/.test(this.q[s - 1])) s--;
    const m = /^[0-9.]+[a-zA-Z0-9]*/.exec(this.q.slice(s));
    if (!m || !/[a-zA-Z]/.test(m[0]) || s + m[0].length <= pos) return null;
    void err;
    const res = parseDuration(m[0]);
    return res.ok ? null : new ParseError(s, res.message);
  }

  private unexpectedMessage(err: SyntaxNode, pos: number): string {
    const tok = describeToken(this.q, pos);
    let prev: SyntaxNode | null = err.prevSibling;
    while (prev && (prev.name === 'LineComment' || prev.type.isError)) prev = prev.prevSibling;
    const parent = err.parent;
    const prevName = prev?.name ?? '';
    if (this.q[pos] === ')' && parent?.name === 'FunctionCallBody') {
      let c = pos - 1;
      while (c >= 0 && ' \t\n\r'.includes(this.q[c])) c--;
      if (this.q[c] === ',') fail(c, 'trailing commas not allowed in function call args');
    }
    if (prevName === 'Offset' || prevName === 'Sub' && parent?.name === 'OffsetExpr') return `unexpected ${tok} in offset, expected duration`;
    if (prevName === 'At') return `unexpected ${tok} in @, expected timestamp`;
    if (prevName === 'AtModifierPreprocessors') return `unexpected ${tok} in @, expected "("`;
    if (parent?.name === 'MatrixSelector' || parent?.name === 'SubqueryExpr') {
      const durations = children(parent).filter((c) => c.name === 'Duration' && c.from < pos).length;
      const colon = this.q.slice(parent.from, pos).includes(':');
      if (durations === 0) return `unexpected ${tok} in subquery selector, expected duration`;
      if (!colon) return `unexpected ${tok} in subquery or range, expected ":" or "]"`;
      return durations >= 2 ? `unexpected ${tok} in subquery selector, expected "]"` : `unexpected ${tok} in subquery selector, expected duration or "]"`;
    }
    if (parent?.name === 'LabelMatchers' || parent?.name === 'LabelMatcher') {
      if (prevName === 'MatchOp') return `unexpected ${tok} in label matching, expected string`;
      if (prevName === 'LabelName') return `unexpected ${tok} in label matching, expected label matching operator`;
      if (prevName === 'LabelMatcher') return `unexpected ${tok} in label matching, expected "," or "}"`;
      return `unexpected ${tok} in label matching, expected identifier or "}"`;
    }
    if (parent?.name === 'GroupingLabels') return `unexpected ${tok} in grouping opts, expected label`;
    if (parent?.name === 'AggregateExpr' && pos >= this.q.length) return `unexpected end of input in aggregation`;
    return `unexpected ${tok}`;
  }

  // ---- expressions -----------------------------------------------------------

  private expr(node: SyntaxNode): Expr {
    const items: Item[] = [];
    this.flatten(node, items);
    const state = { i: 0 };
    const e = this.binary(items, state, 0);
    if (state.i !== items.length) fail(node.from, 'unexpected error');
    return e;
  }

  /** The node's tokens in text order: operands, prefix signs, binary operators and postfix modifiers. */
  private flatten(node: SyntaxNode, out: Item[]): void {
    const kids = children(node);
    switch (node.name) {
      case 'BinaryExpr': {
        const [lhs, op, ...rest] = kids;
        const rhs = rest[rest.length - 1];
        let bool = false;
        let matching: MatchingClause | null = null;
        for (const m of rest.slice(0, -1)) {
          if (m.name === 'BoolModifier') bool = true;
          else if (m.name === 'MatchingModifierClause') matching = this.matchingClause(m);
        }
        this.flatten(lhs, out);
        out.push({ kind: 'binary', op: BINARY_OPS[op.name], bool, matching, pos: op.from });
        this.flatten(rhs, out);
        return;
      }
      case 'UnaryExpr':
        out.push({ kind: 'prefix', op: this.text(kids[0]).trim() === '-' ? '-' : '+', pos: kids[0].from });
        this.flatten(kids[1], out);
        return;
      case 'NumberLiteral': {
        const t = this.text(node);
        if (t[0] === '-' || t[0] === '+') {
          out.push({ kind: 'prefix', op: t[0], pos: node.from });
          const start = skipSpace(this.q, node.from + 1);
          out.push({ kind: 'operand', expr: this.number(start, node.to) });
          return;
        }
        out.push({ kind: 'operand', expr: this.number(node.from, node.to) });
        return;
      }
      case 'OffsetExpr': {
        this.flatten(kids[0], out);
        out.push({ kind: 'offset', node, negative: kids.some((k) => k.name === 'Sub'), duration: kids.find((k) => k.name === 'Duration') ?? null, end: node.to });
        return;
      }
      case 'StepInvariantExpr': {
        this.flatten(kids[0], out);
        out.push({ kind: 'at', node, value: kids[2] ?? null, end: node.to });
        return;
      }
      case 'MatrixSelector': {
        this.flatten(kids[0], out);
        out.push({ kind: 'range', open: this.q.indexOf('[', kids[0].to), duration: kids.find((k) => k.name === 'Duration') ?? null, end: node.to });
        return;
      }
      case 'SubqueryExpr': {
        this.flatten(kids[0], out);
        const durs = kids.filter((k) => k.name === 'Duration');
        out.push({ kind: 'subquery', range: durs[0] ?? null, step: durs[1] ?? null, end: node.to });
        return;
      }
      default:
        out.push({ kind: 'operand', expr: this.atom(node) });
    }
  }

  /** Precedence climbing with Prometheus' yacc precedences. */
  private binary(items: Item[], st: { i: number }, minPrec: number): Expr {
    let lhs = this.unary(items, st);
    for (;;) {
      const it = items[st.i];
      if (!it || it.kind !== 'binary' || PRECEDENCE[it.op] < minPrec) return lhs;
      st.i++;
      const prec = PRECEDENCE[it.op];
      const rhs = this.binary(items, st, it.op === '^' ? prec : prec + 1);
      const m = it.matching;
      lhs = {
        type: 'binary',
        op: it.op,
        lhs,
        rhs,
        bool: it.bool,
        matching: { card: m?.card ?? 'one-to-one', on: m?.on ?? false, labels: m?.labels ?? [], include: m?.include ?? [] },
        start: lhs.start,
        end: rhs.end,
      };
    }
  }

  /** `unary_op expr %prec MUL`: the operand takes `^` and postfix modifiers; number literals fold. */
  private unary(items: Item[], st: { i: number }): Expr {
    const it = items[st.i];
    if (it && it.kind === 'prefix') {
      st.i++;
      const e = this.binary(items, st, POW_PRECEDENCE);
      if (e.type === 'number') return { type: 'number', value: it.op === '-' ? -e.value : e.value, start: it.pos, end: e.end };
      return { type: 'unary', op: it.op, expr: e, start: it.pos, end: e.end };
    }
    if (!it || it.kind !== 'operand') fail(it ? this.itemPos(it) : this.q.length, 'unexpected error');
    st.i++;
    let e = it.expr;
    for (let p = items[st.i]; p && (p.kind === 'offset' || p.kind === 'at' || p.kind === 'range' || p.kind === 'subquery'); p = items[++st.i]) {
      e = this.postfix(e, p);
    }
    return e;
  }

  private itemPos(it: Item): number {
    switch (it.kind) {
      case 'operand':
        return it.expr.start;
      case 'prefix':
      case 'binary':
        return it.pos;
      case 'offset':
      case 'at':
        return it.node.from;
      case 'range':
        return it.open;
      case 'subquery':
        return it.range?.from ?? it.end;
    }
  }

  private duration(n: SyntaxNode | null, fallback: number): number {
    if (!n) fail(fallback, 'unexpected error');
    const r = parseDuration(this.text(n));
    if (!r.ok) fail(n.from, r.message);
    return r.ms;
  }

  /** The grammar actions of offset_expr, step_invariant_expr, matrix_selector and subquery_expr. */
  private postfix(e: Expr, p: Item): Expr {
    switch (p.kind) {
      case 'offset': {
        const ms = this.duration(p.duration, p.end);
        const offset = p.negative ? -ms : ms;
        if (e.type === 'vectorSelector' || e.type === 'subquery') {
          if (e.offset !== 0) fail(e.start, 'offset may not be set multiple times');
          return { ...this.keep(e), offset, end: p.end } as Expr;
        }
        if (e.type === 'matrixSelector') {
          if (e.vector.offset !== 0) fail(e.start, 'offset may not be set multiple times');
          return { ...e, vector: { ...this.keep(e.vector), offset }, end: p.end };
        }
        return fail(e.start, 'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
      }
      case 'at': {
        let at: Exclude<AtModifier, null>;
        const v = p.value;
        if (!v) return fail(p.end, 'unexpected error');
        if (v.name === 'AtModifierPreprocessors') {
          at = { kind: this.text(v).toLowerCase() === 'start' ? 'start' : 'end' };
        } else {
          const t = this.text(v).replace(/\s+/g, '');
          const sign = t[0] === '-' ? -1 : 1;
          const n = parseNumber(t[0] === '-' || t[0] === '+' ? t.slice(1) : t);
          if (n === null) fail(v.from, `error parsing number: strconv.ParseFloat: parsing ${goQuote(t)}: invalid syntax`);
          const ts = sign * n;
          if (!Number.isFinite(ts) || ts >= 2 ** 63 || ts <= -(2 ** 63)) {
            fail(e.start, `timestamp out of bounds for @ modifier: ${goFloat(ts)}`);
          }
          at = { kind: 'time', ms: goRound(ts * 1000) };
        }
        const target = e.type === 'matrixSelector' ? e.vector : e;
        if (target.type !== 'vectorSelector' && target.type !== 'subquery') {
          return fail(e.start, '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
        }
        if (target.at !== null) fail(e.start, '@ <timestamp> may not be set multiple times');
        const updated = { ...this.keep(target), at } as typeof target;
        if (e.type !== 'matrixSelector') updated.end = p.end;
        if (at.kind === 'time') this.extra.set(updated, { ...this.extra.get(updated), atTime: true });
        if (e.type === 'matrixSelector') return { ...e, vector: updated as VectorSelector, end: p.end };
        return updated;
      }
      case 'range': {
        const range = this.duration(p.duration, p.end);
        let msg = '';
        if (e.type !== 'vectorSelector') msg = 'ranges only allowed for vector selectors';
        else if (e.offset !== 0) msg = 'no offset modifiers allowed before range';
        else if (this.extra.get(e)?.atTime) msg = 'no @ modifiers allowed before range';
        if (msg) fail(p.open, msg);
        return { type: 'matrixSelector', vector: e as VectorSelector, range, start: e.start, end: p.end };
      }
      case 'subquery': {
        const range = this.duration(p.range, p.end);
        const step = p.step ? this.duration(p.step, p.end) : 0;
        return { type: 'subquery', expr: e, range, step, offset: 0, at: null, start: e.start, end: p.end };
      }
      default:
        return fail(e.start, 'unexpected error');
    }
  }

  /** A copy that keeps the parse facts of `e`. */
  private keep<T extends object>(e: T): T {
    const copy = { ...e };
    const x = this.extra.get(e);
    if (x) this.extra.set(copy, x);
    return copy;
  }

  private number(from: number, to: number): Expr {
    const t = this.q.slice(from, to);
    const v = parseNumber(t);
    if (v === null) fail(from, `error parsing number: strconv.ParseFloat: parsing ${goQuote(t)}: invalid syntax`);
    return { type: 'number', value: v, start: from, end: to };
  }

  private atom(node: SyntaxNode): Expr {
    const kids = children(node);
    switch (node.name) {
      case 'StringLiteral':
        return { type: 'string', value: unquote(this.text(node), node.from), start: node.from, end: node.to };
      case 'VectorSelector':
        return this.vectorSelector(node, kids);
      case 'ParenExpr': {
        const inner = kids.filter((k) => !k.type.isError);
        if (inner.length !== 1) fail(node.from, 'unexpected error');
        return { type: 'paren', expr: this.expr(inner[0]), start: node.from, end: node.to };
      }
      case 'FunctionCall': {
        const id = kids.find((k) => k.name === 'FunctionIdentifier');
        const body = kids.find((k) => k.name === 'FunctionCallBody');
        if (!id || !body) return fail(node.from, 'unexpected error');
        const name = this.text(id);
        if (!(name in FUNCTIONS)) fail(id.from, `unknown function with name ${goQuote(name)}`);
        const args = children(body).map((a) => this.expr(a));
        return { type: 'call', func: name, args, start: node.from, end: node.to };
      }
      case 'AggregateExpr':
        return this.aggregate(node, kids);
      default:
        return fail(node.from, `unexpected ${describeToken(this.q, node.from)}`);
    }
  }

  private vectorSelector(node: SyntaxNode, kids: SyntaxNode[]): VectorSelector {
    const id = kids.find((k) => k.name === 'Identifier');
    const name = id ? this.text(id) : null;
    const matchers: LabelMatcher[] = [];
    if (name !== null) matchers.push({ name: '__name__', op: '=', value: name });
    const lms = kids.find((k) => k.name === 'LabelMatchers');
    for (const lm of lms ? children(lms) : []) {
      const [label, opNode, value] = children(lm);
      const op = MATCH_OPS[children(opNode)[0]?.name ?? ''];
      const v = unquote(this.text(value), value.from);
      if (op === '=~' || op === '!~') {
        const t = translateGoRegexp(v);
        if (!t.ok) fail(label.from, `invalid regular expression: ${t.message}`);
        try {
          new RegExp(`^(?:${t.source})$`, t.flags);
        } catch (e) {
          fail(label.from, `invalid regular expression ${goQuote(v)}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      matchers.push({ name: this.text(label), op, value: v });
    }
    return { type: 'vectorSelector', name, matchers, offset: 0, at: null, start: node.from, end: node.to };
  }

  private grouping(n: SyntaxNode | undefined): string[] {
    return n ? children(n).map((l) => this.text(l)) : [];
  }

  private matchingClause(node: SyntaxNode): MatchingClause {
    const kids = children(node);
    const on = kids[0]?.name === 'On';
    const labels = this.grouping(kids[1]);
    const g = kids[2]?.name;
    const card = g === 'GroupLeft' ? 'many-to-one' : g === 'GroupRight' ? 'one-to-many' : 'one-to-one';
    return { on, labels, card, include: g ? this.grouping(kids[3]) : [] };
  }

  private aggregate(node: SyntaxNode, kids: SyntaxNode[]): Expr {
    const opNode = kids.find((k) => k.name === 'AggregateOp');
    const body = kids.find((k) => k.name === 'FunctionCallBody');
    const mod = kids.find((k) => k.name === 'AggregateModifier');
    if (!opNode || !body) return fail(node.from, 'unexpected error');
    const op = this.text(opNode).toLowerCase() as AggregateOp;
    const args = children(body).map((a) => this.expr(a));
    if (args.length === 0) fail(node.from, 'no arguments for aggregate expression provided');
    const want = PARAM_AGGREGATORS.has(op) ? 2 : 1;
    if (args.length !== want) fail(node.from, `wrong number of arguments for aggregate expression provided, expected ${want}, got ${args.length}`);
    const modKids = mod ? children(mod) : [];
    return {
      type: 'aggregate',
      op,
      expr: args[want - 1],
      param: want === 2 ? args[0] : null,
      grouping: this.grouping(modKids.find((k) => k.name === 'GroupingLabels')),
      without: modKids[0]?.name === 'Without',
      start: node.from,
      end: node.to,
    };
  }

  // ---- checkAST ----------------------------------------------------------------

  private expectType(e: Expr, want: ValueType, context: string): void {
    const t = this.check(e);
    if (t !== want) fail(e.start, `expected type ${documented(want)} in ${context}, got ${documented(t)}`);
  }

  /** parse.go checkAST: the first error in Prometheus' order (children before their parent). */
  private check(e: Expr): ValueType {
    switch (e.type) {
      case 'number':
      case 'string':
        break;
      case 'aggregate':
        this.expectType(e.expr, 'vector', 'aggregation expression');
        if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'quantile') this.expectType(e.param as Expr, 'scalar', 'aggregation parameter');
        if (e.op === 'count_values') this.expectType(e.param as Expr, 'string', 'aggregation parameter');
        break;
      case 'binary':
        this.checkBinary(e);
        break;
      case 'call': {
        const f = FUNCTIONS[e.func];
        const nargs = f.args.length;
        if (f.variadic === 0) {
          if (nargs !== e.args.length) fail(e.start, `expected ${nargs} argument(s) in call to ${goQuote(e.func)}, got ${e.args.length}`);
        } else {
          const na = nargs - 1;
          if (na > e.args.length) fail(e.start, `expected at least ${na} argument(s) in call to ${goQuote(e.func)}, got ${e.args.length}`);
          if (f.variadic > 0 && na + f.variadic < e.args.length) {
            fail(e.start, `expected at most ${na + f.variadic} argument(s) in call to ${goQuote(e.func)}, got ${e.args.length}`);
          }
        }
        for (let i = 0; i < e.args.length; i++) {
          let k = i;
          if (k >= nargs) {
            if (f.variadic === 0) break;
            k = nargs - 1;
          }
          this.expectType(e.args[i], f.args[k], `call to function ${goQuote(e.func)}`);
        }
        break;
      }
      case 'paren':
        this.check(e.expr);
        break;
      case 'unary': {
        const t = this.check(e.expr);
        if (t !== 'scalar' && t !== 'vector') fail(e.start, `unary expression only allowed on expressions of type scalar or instant vector, got ${goQuote(documented(t))}`);
        break;
      }
      case 'subquery': {
        const t = this.check(e.expr);
        if (t !== 'vector') fail(e.start, `subquery is only allowed on instant vector, got ${t} instead`);
        break;
      }
      case 'matrixSelector':
        this.check(e.vector);
        break;
      case 'vectorSelector':
        if (e.name !== null) {
          for (const m of e.matchers.slice(1)) {
            if (m.name === '__name__') fail(e.start, `metric name must not be set twice: ${goQuote(e.name)} or ${goQuote(m.value)}`);
          }
          break;
        }
        if (!e.matchers.some((m) => !matchesEmpty(m))) fail(e.start, 'vector selector must contain at least one non-empty matcher');
        break;
    }
    return typeOf(e);
  }

  private checkBinary(n: Extract<Expr, { type: 'binary' }>): void {
    const lt = this.check(n.lhs);
    const rt = this.check(n.rhs);
    const opPos = (): number => skipSpace(this.q, n.lhs.end);
    const m = n.matching as VectorMatching;
    const comparison = COMPARISONS.has(n.op);
    const setOp = SET_OPS.has(n.op);
    if (n.bool && !comparison) fail(opPos(), 'bool modifier can only be used on comparison operators');
    if (comparison && !n.bool && lt === 'scalar' && rt === 'scalar') fail(opPos(), 'comparisons between scalars must use BOOL modifier');
    if (setOp && m.card === 'one-to-one') m.card = 'many-to-many';
    if (m.on) {
      for (const l of m.labels) if (m.include.includes(l)) fail(opPos(), `label ${goQuote(l)} must not occur in ON and GROUP clause at once`);
    }
    if (lt !== 'scalar' && lt !== 'vector') fail(n.lhs.start, 'binary expression must contain only scalar and instant vector types');
    if (rt !== 'scalar' && rt !== 'vector') fail(n.rhs.start, 'binary expression must contain only scalar and instant vector types');
    if (lt !== 'vector' || rt !== 'vector') {
      if (m.labels.length > 0) fail(n.start, 'vector matching only allowed between instant vectors');
      n.matching = null;
    } else if (setOp) {
      if (m.card === 'one-to-many' || m.card === 'many-to-one') fail(n.start, `no grouping allowed for ${goQuote(n.op)} operation`);
      if (m.card !== 'many-to-many') fail(n.start, 'set operations must always be many-to-many');
    }
    if ((lt === 'scalar' || rt === 'scalar') && setOp) fail(n.start, `set operator ${goQuote(n.op)} not allowed in binary scalar expression`);
  }
}

/** Whether a matcher matches the empty string (labels.Matcher.Matches("")). */
function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.op) {
    case '=':
      return m.value === '';
    case '!=':
      return m.value !== '';
    case '=~':
    case '!~': {
      const t = translateGoRegexp(m.value);
      if (!t.ok) return false;
      let hit: boolean;
      try {
        hit = new RegExp(`^(?:${t.source})$`, t.flags).test('');
      } catch {
        return false;
      }
      return m.op === '=~' ? hit : !hit;
    }
  }
}
