import { BoundedMemo } from '../util/memo';

/**
 * Traefik's HTTP router rule language (the `match` of an IngressRoute, the
 * `rule` of a router), parsed once and evaluated against simulated requests.
 *
 * Facts this module follows (Traefik v3 source unless noted):
 * - Grammar: rules are parsed by vulcand/predicate on top of Go's expression
 *   parser (pkg/rules/parser.go). Arguments are Go string literals: raw
 *   strings in backticks or interpreted strings in double quotes (single
 *   quotes are rejected). `!` binds tighter than `&&`, which binds tighter
 *   than `||`; parentheses group. Matcher names are accepted as written, in
 *   lower case, in upper case and in Title case of the lower-cased name
 *   (`Host`, `host`, `HOST`, `Pathprefix` for PathPrefix).
 * - Every matcher needs at least one argument and no argument may be empty
 *   (rules.CheckRule).
 * - v3 matchers (pkg/muxer/http/matcher.go): Host compares the request host
 *   lower-cased and without port, accepting one trailing dot on either side;
 *   HostRegexp, PathRegexp, HeaderRegexp and QueryRegexp use Go's
 *   regexp.MatchString, i.e. they are NOT anchored; Path is an exact
 *   comparison and PathPrefix a plain string prefix, both requiring a leading
 *   '/'; Method upper-cases its argument and compares exactly; Header compares
 *   a value of the (canonicalised) header exactly; Query(`k`, `v`) needs a
 *   value of parameter k equal to v, and Query(`k`) (also QueryRegexp(`k`))
 *   needs parameter k present with an EMPTY value (the value defaults to "");
 *   ClientIP takes one IP or CIDR, IPv4 or IPv6, compared with the remote
 *   address (not X-Forwarded-For).
 * - v2 matchers (pkg/muxer/http/matcher_v2.go, gorilla/mux regexp.go): Host,
 *   HostHeader, HostRegexp, Path, PathPrefix, Method and ClientIP take one or
 *   more arguments (any may match); Headers/HeadersRegexp take key/value
 *   pairs (an empty value only requires the header); Query takes `k=v` items
 *   that are split on the first '=' and regrouped as key/value pairs. Host,
 *   Path and PathPrefix regexps are gorilla templates: literal text plus
 *   `{name}` or `{name:regexp}` variables, anchored at both ends (PathPrefix
 *   only at the start); default variable regexps are `[^.]+` (host), `[^/]+`
 *   (path) and `.*` (query). Variable regexps may not contain capturing
 *   groups.
 * - Default priority (pkg/muxer/http/mux.go GetRulePriority): the length of
 *   the rule string in bytes (Go's len, so UTF-8 bytes).
 *
 * Regular expressions are Go RE2 syntax; they are translated to JavaScript
 * RegExps (with the `u` flag) at parse time. Constructs RE2 rejects
 * (backreferences, lookaround, atomic groups...) are rejected with RE2's
 * reason; RE2 constructs without a faithful JavaScript translation (the
 * ungreedy flag `U`, `(?i)` anywhere but at the very start, `\C`) are
 * rejected as unsupported.
 */

export interface RuleRequest {
  host: string; // Host header, may include :port
  path: string; // URL path, e.g. /api/orders
  method: string; // GET, POST, ...
  headers: Readonly<Record<string, string>>; // header names in canonical or any case
  query: Readonly<Record<string, string>>; // parsed query string (single value per key is enough)
  clientIP: string; // e.g. 10.0.0.7
}
export type RuleSyntax = 'v3' | 'v2';
export interface CompiledRule {
  readonly source: string;
  /** Traefik's default priority for this rule (the rule's length, as Traefik computes it). */
  readonly defaultPriority: number;
  match(req: RuleRequest): boolean;
}
export type RuleParseResult = { ok: true; rule: CompiledRule } | { ok: false; column: number; message: string };

/** The v3 matcher names, in the order they are listed in error messages. */
export const V3_MATCHERS: readonly string[] = [
  'Host',
  'HostRegexp',
  'Method',
  'Path',
  'PathPrefix',
  'PathRegexp',
  'Header',
  'HeaderRegexp',
  'Query',
  'QueryRegexp',
  'ClientIP',
];
/** The v2 matcher names, in the order they are listed in error messages. */
export const V2_MATCHERS: readonly string[] = [
  'Host',
  'HostHeader',
  'HostRegexp',
  'Method',
  'Path',
  'PathPrefix',
  'Headers',
  'HeadersRegexp',
  'Query',
  'ClientIP',
];

/**
 * Orders routers the way Traefik's muxer does: higher priority first.
 *
 * Tie-break: Traefik itself has none that a configuration can rely on. Its
 * router manager (pkg/server/router/router.go) adds routes while ranging over
 * a Go map, and the muxer (pkg/muxer/http/mux.go) orders them with the
 * unstable sort.Sort on priority alone, so two routers of equal priority
 * come in an unspecified order that can change between reloads. (The most
 * recent v3 releases add a configurable provider precedence for equal
 * priorities, traefik/traefik#12895; routers of one provider still tie.) A
 * simulator must be deterministic, so equal priorities are ordered by router
 * name, ascending by UTF-16 code units.
 */
export function compareRouters(a: { priority: number; name: string }, b: { priority: number; name: string }): number {
  if (a.priority !== b.priority) return a.priority > b.priority ? -1 : 1;
  if (a.name === b.name) return 0;
  return a.name < b.name ? -1 : 1;
}

/** Parses and compiles a rule. Never throws. */
export function parseRule(source: string, syntax: RuleSyntax = 'v3'): RuleParseResult {
  return parsedRules.get(`${syntax}\u0000${source}`, () => parseRuleOnce(source, syntax));
}

/**
 * Parsed rules by syntax and text. A parse result is immutable and its matcher
 * keeps no state, so one serves every router built from the same text — Traefik
 * builds its routers again at every configuration change, and each run of a
 * sweep builds its own. Bounded: cleared when full.
 */
const parsedRules = new BoundedMemo<string, RuleParseResult>(256);

function parseRuleOnce(source: string, syntax: RuleSyntax): RuleParseResult {
  try {
    const tokens = lex(source);
    const parser = new Parser(source, tokens, syntax);
    const match = parser.parseRule();
    const rule: CompiledRule = { source, defaultPriority: utf8Length(source), match };
    return { ok: true, rule };
  } catch (e) {
    if (e instanceof RuleError) return { ok: false, column: e.column, message: e.message };
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Errors

class RuleError extends Error {
  constructor(
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

function fail(column: number, what: string): never {
  throw new RuleError(column, `${what.replace('{col}', `at column ${column}`)}`);
}

// ---------------------------------------------------------------------------
// Lexer

type TokenKind = 'ident' | 'string' | '(' | ')' | ',' | '&&' | '||' | '!' | 'newline' | 'eof';
interface Token {
  kind: TokenKind;
  /** 1-based column of the token's first character. */
  column: number;
  /** Identifier name, or the decoded value of a string literal. */
  text: string;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'ident':
      return `identifier "${t.text}"`;
    case 'string':
      return 'a string literal';
    case 'newline':
      return 'a line break (Go ends the expression there)';
    case 'eof':
      return 'end of input';
    default:
      return `"${t.kind}"`;
  }
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}
function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    const column = i + 1;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\n') {
      // Go inserts a semicolon after a line ending in an identifier, a
      // literal or ')'; ParseExpr then stops the expression there.
      const prev = tokens[tokens.length - 1];
      if (prev && (prev.kind === 'ident' || prev.kind === 'string' || prev.kind === ')')) {
        tokens.push({ kind: 'newline', column, text: '' });
      }
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(src[j])) j++;
      tokens.push({ kind: 'ident', column, text: src.slice(i, j) });
      i = j;
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) fail(column, 'unterminated string {col}: the backtick-quoted string is never closed; expected a closing "`", found end of input');
      // Go discards carriage returns inside raw strings.
      tokens.push({ kind: 'string', column, text: src.slice(i + 1, end).replaceAll('\r', '') });
      i = end + 1;
      continue;
    }
    if (c === '"') {
      const r = lexInterpreted(src, i);
      tokens.push({ kind: 'string', column, text: r.value });
      i = r.end;
      continue;
    }
    if (c === "'") {
      fail(column, "unexpected single quote {col}: single quotes are not accepted (rule values are Go string literals); expected a string in backticks or double quotes");
    }
    if (c === '(' || c === ')' || c === ',' || c === '!') {
      tokens.push({ kind: c as TokenKind, column, text: c });
      i++;
      continue;
    }
    if ((c === '&' || c === '|') && src[i + 1] === c) {
      tokens.push({ kind: c === '&' ? '&&' : '||', column, text: c + c });
      i += 2;
      continue;
    }
    const cp = src.codePointAt(i) as number;
    fail(column, `unexpected character ${JSON.stringify(String.fromCodePoint(cp))} {col}; expected a matcher, "(", ")", ",", "!", "&&", "||" or a string literal`);
  }
  tokens.push({ kind: 'eof', column: n + 1, text: '' });
  return tokens;
}

/** A Go interpreted string literal starting at src[start] === '"'. */
function lexInterpreted(src: string, start: number): { value: string; end: number } {
  let out = '';
  let i = start + 1;
  const n = src.length;
  const unterminated = () =>
    fail(start + 1, 'unterminated string {col}: the double-quoted string is never closed; expected a closing \'"\', found end of line');
  while (true) {
    if (i >= n || src[i] === '\n') unterminated();
    const c = src[i];
    if (c === '"') return { value: out, end: i + 1 };
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const col = i + 1;
    const e = src[i + 1];
    if (e === undefined) unterminated();
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };
    if (e in simple) {
      out += simple[e];
      i += 2;
      continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const digits = src.slice(i + 2, i + 2 + hexLen);
      if (!new RegExp(`^[0-9A-Fa-f]{${hexLen}}$`).test(digits)) {
        fail(col, `invalid escape "\\${e}" in double-quoted string {col}; expected ${hexLen} hexadecimal digits`);
      }
      const v = parseInt(digits, 16);
      if (e === 'x') {
        // A byte; non-ASCII bytes would be raw UTF-8 in Go.
        if (v > 0x7f) fail(col, `unsupported escape "\\x${digits}" {col}; only ASCII bytes (\\x00-\\x7f) are supported, use \\u for other characters`);
        out += String.fromCharCode(v);
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) fail(col, `invalid escape "\\${e}${digits}" {col}: not a Unicode code point`);
        out += String.fromCodePoint(v);
      }
      i += 2 + hexLen;
      continue;
    }
    if (e >= '0' && e <= '7') {
      const digits = src.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) fail(col, 'invalid escape in double-quoted string {col}; expected three octal digits after "\\"');
      const v = parseInt(digits, 8);
      if (v > 0x7f) fail(col, `unsupported escape "\\${digits}" {col}; only ASCII bytes are supported`);
      out += String.fromCharCode(v);
      i += 4;
      continue;
    }
    fail(col, `invalid escape "\\${e}" in double-quoted string {col}; expected one of \\a \\b \\f \\n \\r \\t \\v \\\\ \\" \\x \\u \\U or an octal escape (in a regexp, write "\\\\" or use backticks)`);
  }
}

// ---------------------------------------------------------------------------
// Parser and compiler

type MatchFn = (req: RuleRequest) => boolean;
interface Arg {
  value: string;
  column: number;
}
interface MatcherDef {
  /** Allowed argument counts; 'many' = one or more, 'pairs' = a positive even number. */
  arity: readonly number[] | 'many' | 'pairs';
  build(args: readonly Arg[], syntax: RuleSyntax): MatchFn;
}

class Parser {
  private pos = 0;
  private readonly names: readonly string[];
  private readonly defs: Readonly<Record<string, MatcherDef>>;
  private readonly aliases: Map<string, string>;

  constructor(
    private readonly src: string,
    private readonly tokens: readonly Token[],
    private readonly syntax: RuleSyntax,
  ) {
    this.names = syntax === 'v2' ? V2_MATCHERS : V3_MATCHERS;
    this.defs = syntax === 'v2' ? V2_DEFS : V3_DEFS;
    this.aliases = syntax === 'v2' ? V2_ALIASES : V3_ALIASES;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }
  private next(): Token {
    return this.tokens[this.pos++];
  }

  parseRule(): MatchFn {
    if (this.peek().kind === 'eof') fail(1, 'empty rule {col}; expected a matcher such as Host(`example.com`)');
    const fn = this.parseOr(null);
    const t = this.peek();
    if (t.kind === ')') fail(t.column, 'unbalanced parentheses: ")" {col} has no matching "("');
    if (t.kind === 'newline') {
      // A trailing line break is harmless; anything after it is not.
      const after = this.tokens[this.pos + 1];
      if (after.kind === 'eof') return fn;
      fail(after.column, `trailing input {col}: the rule ended at the line break before it (Go inserts a semicolon after a line ending in ")"); expected end of input, found ${describe(after)}`);
    }
    if (t.kind !== 'eof') fail(t.column, `trailing input {col}; expected "&&", "||" or end of input, found ${describe(t)}`);
    return fn;
  }

  /** `open` is the "(" token this expression is nested in, if any. */
  private parseOr(open: Token | null): MatchFn {
    let left = this.parseAnd(open);
    while (this.peek().kind === '||') {
      this.next();
      const right = this.parseAnd(open);
      const l = left;
      left = (req) => l(req) || right(req);
    }
    return left;
  }

  private parseAnd(open: Token | null): MatchFn {
    let left = this.parseUnary(open);
    while (this.peek().kind === '&&') {
      this.next();
      const right = this.parseUnary(open);
      const l = left;
      left = (req) => l(req) && right(req);
    }
    return left;
  }

  private parseUnary(open: Token | null): MatchFn {
    if (this.peek().kind === '!') {
      this.next();
      const inner = this.parseUnary(open);
      return (req) => !inner(req);
    }
    return this.parsePrimary(open);
  }

  private parsePrimary(open: Token | null): MatchFn {
    const t = this.next();
    if (t.kind === '(') {
      const inner = this.parseOr(t);
      const close = this.peek();
      if (close.kind !== ')') {
        if (close.kind === 'eof') fail(t.column, 'unbalanced parentheses: "(" {col} is never closed; expected ")", found end of input');
        fail(close.column, `expected "&&", "||" or ")" {col} (to close "(" at column ${t.column}), found ${describe(close)}`);
      }
      this.next();
      return inner;
    }
    if (t.kind === 'ident') return this.parseCall(t);
    if (t.kind === 'eof' && open) fail(open.column, 'unbalanced parentheses: "(" {col} is never closed; expected a matcher, found end of input');
    if (t.kind === ')' && !open) fail(t.column, 'unbalanced parentheses: ")" {col} has no matching "("');
    fail(t.column, `expected a matcher, "!" or "(" {col}, found ${describe(t)}`);
  }

  private parseCall(name: Token): MatchFn {
    const canonical = this.aliases.get(name.text);
    if (canonical === undefined) {
      const hint = didYouMean(name.text, this.names);
      const v2Only = this.syntax === 'v3' && V2_ALIASES.has(name.text) ? ' (it exists only in the v2 syntax)' : '';
      const v3Only = this.syntax === 'v2' && V3_ALIASES.has(name.text) ? ' (it exists only in the v3 syntax)' : '';
      fail(name.column, `unknown matcher "${name.text}" {col}${v2Only}${v3Only}; expected one of ${this.names.join(', ')}${hint ? `; did you mean "${hint}"?` : ''}`);
    }
    const open = this.next();
    if (open.kind !== '(') fail(open.column, `expected "(" after matcher ${canonical} {col}, found ${describe(open)}`);
    const args: Arg[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === ')') break;
      if (t.kind === 'string') {
        args.push({ value: t.text, column: t.column });
        const sep = this.next();
        if (sep.kind === ')') break;
        if (sep.kind === ',') continue;
        if (sep.kind === 'eof') fail(open.column, `unbalanced parentheses: "(" {col} of ${canonical} is never closed; expected "," or ")", found end of input`);
        fail(sep.column, `expected "," or ")" {col} in the arguments of ${canonical}, found ${describe(sep)}`);
      }
      if (t.kind === 'eof') fail(open.column, `unbalanced parentheses: "(" {col} of ${canonical} is never closed; expected a string literal or ")", found end of input`);
      fail(t.column, `expected a string literal in backticks or double quotes {col} as argument of ${canonical}, found ${describe(t)}`);
    }
    const def = this.defs[canonical];
    checkArity(canonical, def.arity, args, name.column);
    for (const a of args) {
      if (a.value === '') fail(a.column, `empty argument {col} for matcher ${canonical}; expected a non-empty string`);
    }
    return def.build(args, this.syntax);
  }
}

function arityText(arity: MatcherDef['arity']): string {
  if (arity === 'many') return 'one or more arguments';
  if (arity === 'pairs') return 'an even number of arguments (key/value pairs)';
  const words = arity.map((k) => `${k} argument${k === 1 ? '' : 's'}`);
  return words.join(' or ');
}

function checkArity(name: string, arity: MatcherDef['arity'], args: readonly Arg[], column: number): void {
  const n = args.length;
  const ok = arity === 'many' ? n >= 1 : arity === 'pairs' ? n >= 2 && n % 2 === 0 : arity.includes(n);
  if (!ok) fail(column, `wrong number of arguments for ${name} {col}; expected ${arityText(arity)}, found ${n}`);
}

function buildAliases(names: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    m.set(name, name);
    m.set(lower, name);
    m.set(name.toUpperCase(), name);
    m.set(lower[0].toUpperCase() + lower.slice(1), name);
  }
  return m;
}

function didYouMean(word: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const name of names) {
    const d = editDistance(w, name.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d.push([i]);
    for (let j = 1; j <= b.length; j++) d[i].push(i === 0 ? j : 0);
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2][j - 2] + 1);
      d[i][j] = v;
    }
  }
  return d[a.length][b.length];
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Request helpers (no allocation in steady state)

let lastRawHost = '';
let lastCanonHost = '';

/**
 * Traefik's canonized host: the Host header without port, lower-cased
 * (net.SplitHostPort; on failure the header is kept whole). Memoised on the
 * last input, so repeated hosts cost no allocation.
 */
export function canonicalHost(raw: string): string {
  if (raw === lastRawHost) return lastCanonHost;
  let host = raw;
  const colon = raw.lastIndexOf(':');
  if (colon >= 0) {
    if (raw[0] === '[') {
      if (colon > 0 && raw[colon - 1] === ']') host = raw.slice(1, colon - 1);
    } else if (raw.indexOf(':') === colon) {
      host = raw.slice(0, colon);
    }
  }
  lastRawHost = raw;
  lastCanonHost = host.toLowerCase();
  return lastCanonHost;
}

/** The host with any ':port' cut at the first colon (gorilla/mux's wildcard port). */
let lastRawHostV2 = '';
let lastNoPortV2 = '';
function hostWithoutPortV2(raw: string): string {
  if (raw === lastRawHostV2) return lastNoPortV2;
  const i = raw.indexOf(':');
  lastRawHostV2 = raw;
  lastNoPortV2 = i >= 0 ? raw.slice(0, i) : raw;
  return lastNoPortV2;
}

/** ASCII case-insensitive equality of `s` with the lower-case `lower`. */
function equalsLowerAscii(s: string, lower: string): boolean {
  if (s.length !== lower.length) return false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Header names are case-insensitive (Go canonicalises them); every same-named entry is a value. */
function anyHeader(headers: Readonly<Record<string, string>>, lowerName: string, test: (v: string) => boolean): boolean {
  for (const k in headers) {
    if (equalsLowerAscii(k, lowerName) && test(headers[k])) return true;
  }
  return false;
}
function hasHeader(headers: Readonly<Record<string, string>>, lowerName: string): boolean {
  for (const k in headers) if (equalsLowerAscii(k, lowerName)) return true;
  return false;
}

function queryValue(query: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(query, key) ? query[key] : undefined;
}

function isASCII(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

// ---------------------------------------------------------------------------
// v3 matchers

function hostMatcher(hostArg: string): MatchFn {
  const host = hostArg.toLowerCase();
  const hostNoDot = host.endsWith('.') ? host.slice(0, -1) : null;
  return (req) => {
    const h = canonicalHost(req.host);
    if (h.length === 0) return false;
    if (h === host) return true;
    if (hostNoDot !== null && h === hostNoDot) return true;
    // A trailing dot on the request host.
    return h.length === host.length + 1 && h.charCodeAt(h.length - 1) === 46 && h.startsWith(host);
  };
}

function requireASCII(name: string, a: Arg): void {
  if (!isASCII(a.value)) fail(a.column, `invalid value ${JSON.stringify(a.value)} for ${name} {col}: non-ASCII characters are not allowed`);
}
function requireSlash(name: string, a: Arg): void {
  if (!a.value.startsWith('/')) fail(a.column, `invalid path ${JSON.stringify(a.value)} for ${name} {col}; expected a path starting with "/"`);
}

/** Compiles an argument as an unanchored Go regexp, reporting errors at the argument. */
function argRegexp(name: string, a: Arg): RegExp {
  const r = compileGoRegexp(a.value);
  if (!r.ok) fail(a.column, `bad regular expression for ${name} {col}: ${r.message}`);
  return r.regexp;
}

const V3_DEFS: Readonly<Record<string, MatcherDef>> = {
  Host: {
    arity: [1],
    build([a]) {
      requireASCII('Host', a);
      return hostMatcher(a.value);
    },
  },
  HostRegexp: {
    arity: [1],
    build([a]) {
      requireASCII('HostRegexp', a);
      const re = argRegexp('HostRegexp', a);
      return (req) => re.test(canonicalHost(req.host));
    },
  },
  Method: {
    arity: [1],
    build([a]) {
      const m = a.value.toUpperCase();
      return (req) => req.method === m;
    },
  },
  Path: {
    arity: [1],
    build([a]) {
      requireSlash('Path', a);
      const p = a.value;
      return (req) => req.path === p;
    },
  },
  PathPrefix: {
    arity: [1],
    build([a]) {
      requireSlash('PathPrefix', a);
      const p = a.value;
      return (req) => req.path.startsWith(p);
    },
  },
  PathRegexp: {
    arity: [1],
    build([a]) {
      const re = argRegexp('PathRegexp', a);
      return (req) => re.test(req.path);
    },
  },
  Header: {
    arity: [2],
    build([k, v]) {
      const name = k.value.toLowerCase();
      const value = v.value;
      const eq = (x: string) => x === value;
      return (req) => anyHeader(req.headers, name, eq);
    },
  },
  HeaderRegexp: {
    arity: [2],
    build([k, v]) {
      const name = k.value.toLowerCase();
      const re = argRegexp('HeaderRegexp', v);
      const test = (x: string) => re.test(x);
      return (req) => anyHeader(req.headers, name, test);
    },
  },
  Query: {
    arity: [1, 2],
    build(args) {
      const key = args[0].value;
      const value = args.length === 2 ? args[1].value : '';
      return (req) => queryValue(req.query, key) === value;
    },
  },
  QueryRegexp: {
    arity: [1, 2],
    build(args) {
      const key = args[0].value;
      if (args.length === 1) return (req) => queryValue(req.query, key) === '';
      const re = argRegexp('QueryRegexp', args[1]);
      return (req) => {
        const v = queryValue(req.query, key);
        return v !== undefined && re.test(v);
      };
    },
  },
  ClientIP: {
    arity: [1],
    build(args) {
      return clientIPMatcher('ClientIP', args);
    },
  },
};

// ---------------------------------------------------------------------------
// v2 matchers

function anyOf(fns: readonly MatchFn[]): MatchFn {
  if (fns.length === 1) return fns[0];
  return (req) => {
    for (let i = 0; i < fns.length; i++) if (fns[i](req)) return true;
    return false;
  };
}

/** Go's regexp.QuoteMeta. */
function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

type TemplateKind = 'host' | 'path' | 'prefix' | 'queryValue';

/**
 * Compiles a gorilla/mux template (`/users/{id:[0-9]+}`) into an anchored
 * RegExp, as gorilla's newRouteRegexp does. Errors point at the argument.
 */
function compileTemplate(matcher: string, a: Arg, tpl: string, kind: TemplateKind): { regexp: RegExp; pattern: string } {
  // braceIndices: first-level braces, balanced.
  const idxs: number[] = [];
  let level = 0;
  let start = 0;
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === '{') {
      if (++level === 1) start = i;
    } else if (tpl[i] === '}') {
      if (--level === 0) idxs.push(start, i + 1);
      else if (level < 0) fail(a.column, `bad template for ${matcher} {col}: unbalanced braces in ${JSON.stringify(tpl)}`);
    }
  }
  if (level !== 0) fail(a.column, `bad template for ${matcher} {col}: unbalanced braces in ${JSON.stringify(tpl)}`);
  const defaultPattern = kind === 'host' ? '[^.]+' : kind === 'queryValue' ? '.*' : '[^/]+';
  let pattern = '^';
  let end = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = tpl.slice(end, idxs[i]);
    end = idxs[i + 1];
    const inner = tpl.slice(idxs[i] + 1, end - 1);
    const colon = inner.indexOf(':');
    const name = colon < 0 ? inner : inner.slice(0, colon);
    const patt = colon < 0 ? defaultPattern : inner.slice(colon + 1);
    if (name === '' || patt === '') {
      fail(a.column, `bad template for ${matcher} {col}: missing name or pattern in ${JSON.stringify(tpl.slice(idxs[i], end))}`);
    }
    const check = translateGoRegexp(patt);
    if (!check.ok) fail(a.column, `bad regular expression in template variable "${name}" of ${matcher} {col}: ${check.message}`);
    if (check.captures > 0) {
      fail(a.column, `bad template for ${matcher} {col}: the regexp of variable "${name}" contains capturing groups; expected non-capturing groups such as (?:pattern)`);
    }
    pattern += `${quoteMeta(raw)}(${patt})`;
  }
  pattern += quoteMeta(tpl.slice(end));
  // gorilla appends the default pattern to a query template with an empty value.
  if (kind === 'queryValue' && tpl === '') pattern += defaultPattern;
  if (kind !== 'prefix') pattern += '$';
  const r = compileGoRegexp(pattern);
  if (!r.ok) fail(a.column, `bad regular expression for ${matcher} {col}: ${r.message}`);
  return { regexp: r.regexp, pattern };
}

function headersV2(name: string, args: readonly Arg[], regexp: boolean): MatchFn {
  const fns: MatchFn[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i].value.toLowerCase();
    const v = args[i + 1];
    // An empty value only requires the header (unreachable through the rule
    // language, which rejects empty arguments, but kept for fidelity).
    if (v.value === '') {
      fns.push((req) => hasHeader(req.headers, key));
    } else if (regexp) {
      const re = argRegexp(name, v);
      const test = (x: string) => re.test(x);
      fns.push((req) => anyHeader(req.headers, key, test));
    } else {
      const value = v.value;
      const eq = (x: string) => x === value;
      fns.push((req) => anyHeader(req.headers, key, eq));
    }
  }
  return allOf(fns);
}

function allOf(fns: readonly MatchFn[]): MatchFn {
  if (fns.length === 1) return fns[0];
  return (req) => {
    for (let i = 0; i < fns.length; i++) if (!fns[i](req)) return false;
    return true;
  };
}

const V2_DEFS: Readonly<Record<string, MatcherDef>> = {
  Host: {
    arity: 'many',
    build(args) {
      return anyOf(
        args.map((a) => {
          requireASCII('Host', a);
          return hostMatcher(a.value);
        }),
      );
    },
  },
  HostHeader: {
    arity: 'many',
    build(args) {
      return anyOf(
        args.map((a) => {
          requireASCII('HostHeader', a);
          return hostMatcher(a.value);
        }),
      );
    },
  },
  HostRegexp: {
    arity: 'many',
    build(args) {
      return anyOf(
        args.map((a): MatchFn => {
          requireASCII('HostRegexp', a);
          const { regexp, pattern } = compileTemplate('HostRegexp', a, a.value, 'host');
          // gorilla/mux ignores the request port unless the template names one.
          if (pattern.includes(':')) return (req) => regexp.test(req.host);
          return (req) => regexp.test(hostWithoutPortV2(req.host));
        }),
      );
    },
  },
  Method: {
    arity: 'many',
    build(args) {
      const methods = args.map((a) => a.value.toUpperCase());
      return (req) => methods.includes(req.method);
    },
  },
  Path: {
    arity: 'many',
    build(args) {
      return anyOf(
        args.map((a): MatchFn => {
          requireSlash('Path', a);
          const { regexp } = compileTemplate('Path', a, a.value, 'path');
          return (req) => regexp.test(req.path);
        }),
      );
    },
  },
  PathPrefix: {
    arity: 'many',
    build(args) {
      return anyOf(
        args.map((a): MatchFn => {
          requireSlash('PathPrefix', a);
          const { regexp } = compileTemplate('PathPrefix', a, a.value, 'prefix');
          return (req) => regexp.test(req.path);
        }),
      );
    },
  },
  Headers: {
    arity: 'pairs',
    build(args) {
      return headersV2('Headers', args, false);
    },
  },
  HeadersRegexp: {
    arity: 'pairs',
    build(args) {
      return headersV2('HeadersRegexp', args, true);
    },
  },
  Query: {
    arity: 'many',
    build(args) {
      // Each `k=v` is split on the first '=' and the pieces regrouped as
      // key/value pairs (gorilla Queries); an odd count is an error.
      const pieces: Arg[] = [];
      for (const a of args) {
        const eq = a.value.indexOf('=');
        if (eq < 0) pieces.push(a);
        else pieces.push({ value: a.value.slice(0, eq), column: a.column }, { value: a.value.slice(eq + 1), column: a.column });
      }
      if (pieces.length % 2 !== 0) {
        const culprit = args.find((a) => !a.value.includes('=')) ?? args[0];
        fail(culprit.column, `wrong query for Query {col}: expected key=value items (an even number of keys and values), found ${JSON.stringify(culprit.value)}`);
      }
      const fns: MatchFn[] = [];
      for (let i = 0; i < pieces.length; i += 2) {
        const key = pieces[i].value;
        const { regexp } = compileTemplate('Query', pieces[i + 1], pieces[i + 1].value, 'queryValue');
        fns.push((req) => {
          const v = queryValue(req.query, key);
          return v !== undefined && regexp.test(v);
        });
      }
      return allOf(fns);
    },
  },
  ClientIP: {
    arity: 'many',
    build(args) {
      return clientIPMatcher('ClientIP', args);
    },
  },
};

const V3_ALIASES = buildAliases(V3_MATCHERS);
const V2_ALIASES = buildAliases(V2_MATCHERS);

// ---------------------------------------------------------------------------
// IP addresses: every address is held as eight 16-bit groups, IPv4 as the
// IPv4-mapped IPv6 address ::ffff:a.b.c.d (as Go's net.IP does), so an IPv4
// CIDR /n is the mapped /96+n.

const scratch = new Uint16Array(8);

function parseIPv4Into(s: string, start: number, end: number, out: Uint16Array, at: number): boolean {
  let octet = 0;
  let digits = 0;
  let part = 0;
  let hi = 0;
  let lo = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 3) return false;
      if (part < 2) hi = (hi << 8) | octet;
      else lo = (lo << 8) | octet;
      part++;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return false; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return false;
    } else return false;
  }
  if (part !== 4) return false;
  out[at] = hi;
  out[at + 1] = lo;
  return true;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses s[start, end) as an IPv4 or IPv6 address into out; false when invalid. */
function parseIPInto(s: string, start: number, end: number, out: Uint16Array): boolean {
  let dots = false;
  let colons = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dots = true;
    else if (c === 58) colons = true;
  }
  if (!colons) {
    if (!dots) return false;
    out.fill(0, 0, 5);
    out[5] = 0xffff;
    return parseIPv4Into(s, start, end, out, 6);
  }
  // IPv6: up to eight groups, one "::", an optional trailing IPv4.
  let n = 0;
  let gap = -1;
  let i = start;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      out.fill(0);
      return true;
    }
  }
  while (i < end) {
    if (n === 8) return false;
    let j = i;
    let v = 0;
    while (j < end && j - i < 5) {
      const h = hexVal(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    if (j < end && s.charCodeAt(j) === 46) {
      // Embedded IPv4 in the last two groups.
      if (n > 6 || !parseIPv4Into(s, i, end, out, n)) return false;
      n += 2;
      break;
    }
    if (j === i || j - i > 4) return false;
    out[n++] = v;
    i = j;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
      if (i === end) break;
    } else if (i === end) return false;
  }
  if (gap < 0) return n === 8;
  if (n === 8) return false;
  const tail = n - gap;
  for (let k = 0; k < tail; k++) out[7 - k] = out[n - 1 - k];
  for (let k = gap; k < 8 - tail; k++) out[k] = 0;
  return true;
}

interface IPNet {
  net: Uint16Array;
  bits: number;
}

function inNet(addr: Uint16Array, n: IPNet): boolean {
  let bits = n.bits;
  for (let g = 0; g < 8 && bits > 0; g++) {
    const take = bits >= 16 ? 16 : bits;
    const mask = (0xffff << (16 - take)) & 0xffff;
    if ((addr[g] & mask) !== n.net[g]) return false;
    bits -= take;
  }
  return true;
}

/** Bounds of the address in a client address that may carry a port ("1.2.3.4:80", "[::1]:80"). */
function clientAddrBounds(s: string): number {
  // Returns (start << 16) | end without allocating; addresses are short.
  if (s.charCodeAt(0) === 91) {
    const close = s.indexOf(']');
    return close < 0 ? s.length : (1 << 16) | close;
  }
  const first = s.indexOf(':');
  if (first >= 0 && s.indexOf(':', first + 1) < 0) return first;
  return s.length;
}

function clientIPMatcher(name: string, args: readonly Arg[]): MatchFn {
  const nets: IPNet[] = [];
  for (const a of args) {
    const v = a.value;
    const slash = v.indexOf('/');
    const addr = new Uint16Array(8);
    const addrEnd = slash < 0 ? v.length : slash;
    if (!parseIPInto(v, 0, addrEnd, addr)) {
      fail(a.column, `invalid IP address ${JSON.stringify(v)} for ${name} {col}; expected an IPv4 or IPv6 address or CIDR, e.g. 10.0.0.0/8 or fd00::/8`);
    }
    const isV4 = !v.slice(0, addrEnd).includes(':');
    let bits = 128;
    if (slash >= 0) {
      const p = v.slice(slash + 1);
      const max = isV4 ? 32 : 128;
      if (!/^[0-9]{1,3}$/.test(p) || Number(p) > max || (p.length > 1 && p[0] === '0')) {
        fail(a.column, `invalid CIDR ${JSON.stringify(v)} for ${name} {col}; expected a prefix length between 0 and ${max}`);
      }
      bits = (isV4 ? 96 : 0) + Number(p);
    }
    // Mask the network address.
    let rest = bits;
    for (let g = 0; g < 8; g++) {
      const take = rest >= 16 ? 16 : rest > 0 ? rest : 0;
      addr[g] &= take === 0 ? 0 : (0xffff << (16 - take)) & 0xffff;
      rest -= take;
    }
    nets.push({ net: addr, bits });
  }
  return (req) => {
    const ip = req.clientIP;
    if (ip.length === 0 || ip.length > 0xffff) return false;
    const b = clientAddrBounds(ip);
    if (!parseIPInto(ip, b >>> 16, b & 0xffff, scratch)) return false;
    for (let i = 0; i < nets.length; i++) if (inNet(scratch, nets[i])) return true;
    return false;
  };
}

// ---------------------------------------------------------------------------
// Go RE2 -> JavaScript RegExp

export type GoRegexpResult = { ok: true; regexp: RegExp } | { ok: false; message: string };
export type GoTranslation =
  | { ok: true; source: string; flags: string; captures: number }
  | { ok: false; message: string };

/**
 * Compiled patterns by their text. Every run of a sweep compiles the same
 * router rules and PromQL matchers again; the translation is a pure function
 * of the pattern, and the RegExps (flag `u` only, no `g` or `y`) keep no
 * state between matches, so one compiled result serves all. Bounded: cleared
 * when full.
 */
const compiled = new BoundedMemo<string, GoRegexpResult>(512);

/** Compiles a Go (RE2) regular expression for unanchored matching, like Go's MatchString. */
export function compileGoRegexp(pattern: string): GoRegexpResult {
  return compiled.get(pattern, compileUncached);
}

function compileUncached(pattern: string): GoRegexpResult {
  const t = translateGoRegexp(pattern);
  if (!t.ok) return t;
  try {
    return { ok: true, regexp: new RegExp(t.source, t.flags) };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { ok: false, message: `invalid regexp ${JSON.stringify(pattern)} (${why})` };
  }
}

type Range = readonly [number, number];
const MAX_CP = 0x10ffff;

const POSIX: Readonly<Record<string, readonly Range[]>> = {
  alnum: [[48, 57], [65, 90], [97, 122]],
  alpha: [[65, 90], [97, 122]],
  ascii: [[0, 0x7f]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 0x1f], [0x7f, 0x7f]],
  digit: [[48, 57]],
  graph: [[0x21, 0x7e]],
  lower: [[97, 122]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[9, 13], [32, 32]],
  upper: [[65, 90]],
  word: [[48, 57], [65, 90], [95, 95], [97, 122]],
  xdigit: [[48, 57], [65, 70], [97, 102]],
};
/** Go's \s is ASCII-only [\t\n\f\r ] (no \v, no Unicode spaces, unlike JavaScript's). */
const GO_SPACE: readonly Range[] = [[9, 10], [12, 13], [32, 32]];

function complement(ranges: readonly Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

/**
 * A code point written so that it is literal in a JS `u` RegExp; `-` may
 * only be escaped inside a class there.
 */
function lit(cp: number, inClass = false): string {
  if ((cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122)) return String.fromCharCode(cp);
  if (cp >= 0x20 && cp < 0x7f) {
    const c = String.fromCharCode(cp);
    return '^$\\.*+?()[]{}|/'.includes(c) || (inClass && c === '-') ? `\\${c}` : c;
  }
  return `\\u{${cp.toString(16)}}`;
}

function rangesText(ranges: readonly Range[]): string {
  let s = '';
  for (const [lo, hi] of ranges) s += lo === hi ? lit(lo, true) : `${lit(lo, true)}-${lit(hi, true)}`;
  return s;
}

interface Flags {
  /** Case-insensitive: Go folds with Unicode simple case folding orbits. */
  i: boolean;
  /** Multi-line: ^ and $ match at line boundaries too. */
  m: boolean;
  /** . matches \n. */
  s: boolean;
  /** Ungreedy: x* means x*? and x*? means x*. */
  U: boolean;
}

function normalizeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Case folding, as Go's regexp does under (?i): a literal matches every code
// point of its orbit under unicode.SimpleFold (k, K and U+212A KELVIN SIGN;
// s, S and U+017F LONG S; ...), a class matches the closure of its set under
// those orbits, and a negated class is the complement of that closure.
//
// The orbits are derived once from the JavaScript engine's own Unicode data
// (pairs related by toLowerCase/toUpperCase that a `iu` RegExp also treats
// as equivalent, i.e. simple case folding), minus the code points that got
// a case partner after Unicode 13.0, the version of Go 1.19/1.20's tables
// that Prometheus 2.42 is built with. Multi-character foldings (ß ↔ "SS")
// are not simple foldings, in Go or here.

/** Cased code points added after Unicode 13.0 (14.0: U+2C2F, U+A7C0, Vithkuqi; 16.0: Garay, U+A7CB..; 17.0: U+A7CE.., Beria Erfe). */
const FOLD_AFTER_UNICODE_13: readonly Range[] = [
  [0x1c89, 0x1c8a], [0x2c2f, 0x2c2f], [0x2c5f, 0x2c5f], [0xa7c0, 0xa7c1], [0xa7cb, 0xa7dc],
  [0x10570, 0x105bf], [0x10d50, 0x10d8f], [0x16ea0, 0x16edf],
];
/** No code point above this has a case partner (Adlam ends at U+1E943). */
const MAX_CASED = 0x1ffff;

interface FoldTables {
  /** Each code point with a case partner -> its orbit, sorted. */
  readonly orbitOf: ReadonlyMap<number, readonly number[]>;
  /** The keys of orbitOf, sorted. */
  readonly members: readonly number[];
  readonly orbits: readonly (readonly number[])[];
}
let foldTables: FoldTables | null = null;

function inRanges(cp: number, ranges: readonly Range[]): boolean {
  for (const [lo, hi] of ranges) if (cp >= lo && cp <= hi) return true;
  return false;
}

function buildFoldTables(): FoldTables {
  const parent = new Map<number, number>();
  const root = (x: number): number => {
    let r = x;
    for (let p = parent.get(r); p !== undefined && p !== r; p = parent.get(r)) r = p;
    return r;
  };
  for (let cp = 0; cp <= MAX_CASED; cp++) {
    if (cp === 0xd800) cp = 0xe000;
    if (inRanges(cp, FOLD_AFTER_UNICODE_13)) continue;
    const s = String.fromCodePoint(cp);
    for (const other of [s.toLowerCase(), s.toUpperCase()]) {
      if (other === s) continue;
      const oc = other.codePointAt(0) as number;
      if (other.length !== (oc > 0xffff ? 2 : 1) || inRanges(oc, FOLD_AFTER_UNICODE_13)) continue;
      // toUpperCase relates some code points that simple folding keeps apart (ı and I).
      if (!new RegExp(`^${lit(cp)}$`, 'iu').test(other)) continue;
      if (!parent.has(cp)) parent.set(cp, cp);
      if (!parent.has(oc)) parent.set(oc, oc);
      const a = root(cp);
      const b = root(oc);
      if (a !== b) parent.set(b, a);
    }
  }
  const groups = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const r = root(cp);
    const g = groups.get(r);
    if (g) g.push(cp);
    else groups.set(r, [cp]);
  }
  const orbitOf = new Map<number, readonly number[]>();
  const orbits: number[][] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a - b);
    orbits.push(g);
    for (const cp of g) orbitOf.set(cp, g);
  }
  return { orbitOf, members: [...orbitOf.keys()].sort((a, b) => a - b), orbits };
}

function folding(): FoldTables {
  foldTables ??= buildFoldTables();
  return foldTables;
}

/** The orbit of cp under simple case folding, or null when cp has no case partner. */
function foldOrbit(cp: number): readonly number[] | null {
  return folding().orbitOf.get(cp) ?? null;
}

/** The closure of a set of code points under simple case folding. */
function foldRanges(ranges: readonly Range[]): Range[] {
  const { members, orbitOf } = folding();
  const out: Range[] = [...ranges];
  for (const [lo, hi] of ranges) {
    let a = 0;
    let b = members.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (members[mid] < lo) a = mid + 1;
      else b = mid;
    }
    for (let k = a; k < members.length && members[k] <= hi; k++) {
      for (const cp of orbitOf.get(members[k]) as readonly number[]) out.push([cp, cp]);
    }
  }
  return normalizeRanges(out);
}

const propertyExtras = new Map<string, Range[]>();
/** The code points that folding adds to a Unicode property class (`\p{Lu}`: the lower-case letters...). */
function propertyFoldExtras(prop: string): Range[] {
  let extras = propertyExtras.get(prop);
  if (extras) return extras;
  const re = new RegExp(`^\\p{${prop}}$`, 'u');
  const found: Range[] = [];
  for (const orbit of folding().orbits) {
    const inside = orbit.map((cp) => re.test(String.fromCodePoint(cp)));
    if (inside.some(Boolean)) orbit.forEach((cp, k) => inside[k] || found.push([cp, cp]));
  }
  extras = normalizeRanges(found);
  propertyExtras.set(prop, extras);
  return extras;
}

let allCodePoints: string | null = null;
const propertySets = new Map<string, Range[]>();
/** A Unicode property class as explicit ranges (for the rare complement of a folded property). */
function propertyRanges(prop: string): Range[] {
  let ranges = propertySets.get(prop);
  if (ranges) return ranges;
  if (allCodePoints === null) {
    // Every code point but the surrogates, which would pair up: U+0000..U+D7FF, U+E000..U+FFFF, then two units each.
    const parts: string[] = [];
    const chunk: number[] = [];
    for (let cp = 0; cp <= MAX_CP; cp++) {
      if (cp === 0xd800) cp = 0xe000;
      chunk.push(cp);
      if (chunk.length === 4096) parts.push(String.fromCodePoint(...chunk.splice(0)));
    }
    parts.push(String.fromCodePoint(...chunk));
    allCodePoints = parts.join('');
  }
  const cpAt = (idx: number): number => (idx < 0xd800 ? idx : idx < 0xf800 ? idx + 0x800 : 0x10000 + ((idx - 0xf800) >> 1));
  const found: Range[] = [];
  for (const m of allCodePoints.matchAll(new RegExp(`\\p{${prop}}+`, 'gu'))) {
    const end = m.index + m[0].length;
    found.push([cpAt(m.index), cpAt(end - (end > 0xf800 ? 2 : 1))]);
  }
  // The surrogates all share their properties (Cs, script Unknown).
  if (new RegExp(`\\p{${prop}}`, 'u').test('\ud800')) found.push([0xd800, 0xdfff]);
  ranges = normalizeRanges(found);
  propertySets.set(prop, ranges);
  return ranges;
}

const GENERAL_CATEGORIES = new Set([
  'C', 'Cc', 'Cf', 'Co', 'Cs', 'L', 'Ll', 'Lm', 'Lo', 'Lt', 'Lu', 'M', 'Mc', 'Me', 'Mn',
  'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Pe', 'Pf', 'Pi', 'Po', 'Ps', 'S', 'Sc', 'Sk', 'Sm', 'So', 'Z', 'Zl', 'Zp', 'Zs',
]);

class RegexpError extends Error {}

/**
 * Translates Go RE2 syntax into the source and flags of an equivalent
 * JavaScript RegExp (always just the `u` flag). Flag groups `(?imsU)`,
 * `(?i-s)`, `(?-m)` and `(?flags:re)` work anywhere and are scoped as in Go
 * (to the end of the enclosing group, or to `re`), and are compiled away:
 * `.`, `^`, `$`, `\A`, `\z` and `\s` are rewritten so that Go's meaning is
 * kept under every flag combination, case-insensitive literals and classes
 * become classes of their case-folding closure (`k` -> `[Kk\u{212a}]`) and
 * ungreedy repetitions swap their laziness.
 */
export function translateGoRegexp(pattern: string): GoTranslation {
  try {
    return { ok: true, ...new Translator(pattern).run() };
  } catch (e) {
    if (e instanceof RegexpError) return { ok: false, message: e.message };
    throw e;
  }
}

/** Items of a class being translated: explicit ranges and JS class escapes (`\p{Lu}`, `\D`). */
interface ClassBody {
  ranges: Range[];
  text: string;
}

class Translator {
  private i = 0;
  private out = '';
  private captures = 0;
  private readonly names = new Set<string>();
  private flags: Flags = { i: false, m: false, s: false, U: false };
  private readonly stack: Flags[] = [];

  constructor(private readonly p: string) {}

  private err(what: string): never {
    throw new RegexpError(`${what} in ${JSON.stringify(this.p)}`);
  }

  run(): { source: string; flags: string; captures: number } {
    const p = this.p;
    while (this.i < p.length) {
      const c = p[this.i];
      if (c === '(' && p[this.i + 1] === '?' && this.tryFlagGroup()) continue;
      switch (c) {
        case '\\':
          this.escapeOutside();
          break;
        case '[':
          this.charClass();
          break;
        case '(':
          this.group();
          break;
        case ')':
          if (this.stack.length === 0) this.err('unexpected ")"');
          this.flags = this.stack.pop() as Flags;
          this.out += ')';
          this.i++;
          break;
        case '.':
          this.out += this.flags.s ? '[\\s\\S]' : '[^\\n]';
          this.i++;
          break;
        case '^':
          this.out += this.flags.m ? '(?<![^\\n])' : '^';
          this.i++;
          break;
        case '$':
          this.out += this.flags.m ? '(?![^\\n])' : '$';
          this.i++;
          break;
        case '|':
          this.out += c;
          this.i++;
          break;
        case '*':
        case '+':
        case '?':
          this.out += c;
          this.i++;
          this.afterQuantifier();
          break;
        case '{':
          this.brace();
          break;
        default: {
          const cp = p.codePointAt(this.i) as number;
          this.literal(cp);
          this.i += cp > 0xffff ? 2 : 1;
        }
      }
    }
    if (this.stack.length > 0) this.err('missing closing ")"');
    return { source: this.out, flags: 'u', captures: this.captures };
  }

  /** A literal code point; under (?i) the class of its case-folding orbit. */
  private literal(cp: number): void {
    const orbit = this.flags.i ? foldOrbit(cp) : null;
    this.out += orbit ? `[${orbit.map((c) => lit(c, true)).join('')}]` : lit(cp);
  }

  /** After `*`, `+`, `?` or `{n,m}`: an optional lazy `?` (swapped under (?U)); a further repetition is an RE2 error. */
  private afterQuantifier(): void {
    let lazy = false;
    if (this.p[this.i] === '?') {
      lazy = true;
      this.i++;
    }
    if (lazy !== this.flags.U) this.out += '?';
    const n = this.p[this.i];
    if (n === '*' || n === '+' || n === '?' || (n === '{' && this.repeatAt(this.i) !== null)) {
      this.err('invalid nested repetition operator');
    }
  }

  /** `{n}`, `{n,}` or `{n,m}` at index j, else null (then `{` is a literal, as in Go). */
  private repeatAt(j: number): { text: string; min: number; max: number } | null {
    const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(this.p.slice(j));
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    return { text: m[0], min, max };
  }

  private brace(): void {
    const r = this.repeatAt(this.i);
    if (r === null) {
      this.out += '\\{';
      this.i++;
      return;
    }
    if (r.min > 1000 || r.max > 1000 || (r.max >= 0 && r.max < r.min)) this.err(`invalid repeat count ${r.text}`);
    this.out += r.text;
    this.i += r.text.length;
    this.afterQuantifier();
  }

  /**
   * `(?flags)`, `(?flags:` or `(?:`, parsed as Go's parsePerlFlags does:
   * flags among i, m, s, U, at most one `-` that must be followed by a
   * flag. Returns false when the group is something else (named, lookaround).
   */
  private tryFlagGroup(): boolean {
    const p = this.p;
    const next: Flags = { ...this.flags };
    let negate = false;
    let sawFlag = false;
    let j = this.i + 2;
    for (; j < p.length; j++) {
      const c = p[j];
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        next[c] = !negate;
        sawFlag = true;
      } else if (c === '-') {
        if (negate) break;
        negate = true;
        sawFlag = false;
      } else if (c === ':' || c === ')') {
        if (negate && !sawFlag) break;
        this.i = j + 1;
        if (c === ')') {
          this.flags = next;
        } else {
          this.stack.push(this.flags);
          this.flags = next;
          this.out += '(?:';
        }
        return true;
      } else {
        break;
      }
    }
    if (j === this.i + 2) return false;
    this.err(`invalid or unsupported Perl syntax ${JSON.stringify(p.slice(this.i, j + 1))}`);
  }

  private group(): void {
    const rest = this.p.slice(this.i);
    this.stack.push(this.flags);
    this.flags = { ...this.flags };
    if (!rest.startsWith('(?')) {
      this.captures++;
      this.out += '(';
      this.i++;
      return;
    }
    if (/^\(\?(=|!|<=|<!)/.test(rest)) this.err('lookahead and lookbehind assertions are not supported by Go regexps (RE2)');
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    if (named) {
      const name = named[1];
      if (!/^[A-Za-z0-9_]+$/.test(name)) this.err(`invalid named capture ${JSON.stringify(named[0])}`);
      if (this.names.has(name)) this.err(`duplicate capture group name ${JSON.stringify(name)}`);
      this.names.add(name);
      this.captures++;
      this.out += '(';
      this.i += named[0].length;
      return;
    }
    if (rest.startsWith('(?P=') || rest.startsWith('(?P>')) this.err('backreferences are not supported by Go regexps (RE2)');
    if (rest.startsWith('(?>')) this.err('atomic groups are not supported by Go regexps (RE2)');
    if (rest.startsWith('(?#')) this.err('comments (?#...) are not supported by Go regexps (RE2)');
    this.err(`invalid or unsupported Perl syntax ${JSON.stringify(rest.slice(0, 3))}`);
  }

  /** Reads `\x..`, octal and single-character escapes that stand for one code point; null if not one. */
  private codePointEscape(): number | null {
    const p = this.p;
    const e = p[this.i + 1];
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (e in simple) {
      this.i += 2;
      return simple[e];
    }
    if (e === 'x') {
      const braced = /^\\x\{([0-9A-Fa-f]+)\}/.exec(p.slice(this.i));
      const plain = /^\\x([0-9A-Fa-f]{2})/.exec(p.slice(this.i));
      const m = braced ?? plain;
      if (!m) this.err('invalid escape sequence \\x');
      const v = parseInt(m[1], 16);
      if (v > MAX_CP) this.err(`invalid escape sequence ${m[0]}`);
      this.i += m[0].length;
      return v;
    }
    if (e >= '0' && e <= '7') {
      if (e !== '0' && !(p[this.i + 2] >= '0' && p[this.i + 2] <= '7')) {
        this.err(`backreferences such as \\${e} are not supported by Go regexps (RE2)`);
      }
      let v = 0;
      let j = this.i + 1;
      while (j < p.length && j < this.i + 4 && p[j] >= '0' && p[j] <= '7') v = v * 8 + (p.charCodeAt(j++) - 48);
      this.i = j;
      return v;
    }
    if (e === '8' || e === '9') this.err(`invalid escape sequence \\${e}`);
    if (e !== undefined) {
      const cp = e.charCodeAt(0);
      if (cp < 0x80 && !/[A-Za-z0-9]/.test(e)) {
        this.i += 2;
        return cp;
      }
    }
    return null;
  }

  /** `\pL`, `\p{Greek}`, `\PN`, `\p{^Lu}`: the JS property name and whether negated. */
  private unicodeClass(): { prop: string; negate: boolean } | null {
    const m = /^\\([pP])(?:\{(\^?)([A-Za-z_]+)\}|([A-Za-z]))/.exec(this.p.slice(this.i));
    if (!m) return null;
    const negate = (m[1] === 'P') !== (m[2] === '^');
    const name = m[3] ?? m[4];
    const prop = name === 'Any' ? 'Any' : GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
    try {
      new RegExp(`\\p{${prop}}`, 'u');
    } catch {
      this.err(`invalid character class range ${JSON.stringify(m[0])}: unknown Unicode class`);
    }
    this.i += m[0].length;
    return { prop, negate };
  }

  /** `\w` or `\W` under (?i): Go folds the class (adding ſ and the Kelvin sign) before negating it. */
  private static foldedWord(): Range[] {
    return foldRanges(POSIX.word);
  }

  private escapeOutside(): void {
    const p = this.p;
    const e = p[this.i + 1];
    if (e === undefined) this.err('trailing backslash at end of expression');
    switch (e) {
      case 'A':
        this.out += '(?<![\\s\\S])';
        this.i += 2;
        return;
      case 'z':
        this.out += '(?![\\s\\S])';
        this.i += 2;
        return;
      case 'w':
      case 'W':
        this.out += this.flags.i ? `[${e === 'W' ? '^' : ''}${rangesText(Translator.foldedWord())}]` : `\\${e}`;
        this.i += 2;
        return;
      case 'b':
      case 'B':
      case 'd':
      case 'D':
        this.out += `\\${e}`;
        this.i += 2;
        return;
      case 's':
        this.out += `[${rangesText(GO_SPACE)}]`;
        this.i += 2;
        return;
      case 'S':
        this.out += `[^${rangesText(GO_SPACE)}]`;
        this.i += 2;
        return;
      case 'Q': {
        const end = p.indexOf('\\E', this.i + 2);
        const text = p.slice(this.i + 2, end < 0 ? p.length : end);
        for (const ch of text) this.literal(ch.codePointAt(0) as number);
        this.i = end < 0 ? p.length : end + 2;
        return;
      }
      case 'E':
        // A stray \E is ignored by Go.
        this.i += 2;
        return;
      case 'C':
        this.err('\\C (any byte) is not supported by this simulator');
        break;
      case 'Z':
        this.err('invalid escape sequence \\Z (Go has \\z)');
        break;
      case 'p':
      case 'P': {
        const u = this.unicodeClass();
        if (u === null) this.err(`invalid character class range \\${e}`);
        const extras = this.flags.i ? propertyFoldExtras(u.prop) : [];
        if (extras.length === 0) this.out += `\\${u.negate ? 'P' : 'p'}{${u.prop}}`;
        else this.out += `[${u.negate ? '^' : ''}\\p{${u.prop}}${rangesText(extras)}]`;
        return;
      }
    }
    const cp = this.codePointEscape();
    if (cp === null) this.err(`invalid escape sequence \\${e}`);
    this.literal(cp);
  }

  /** A class item that is a set, `[:^alpha:]` or `\W`: under (?i), Go folds it and then negates it. */
  private classGroup(body: ClassBody, ranges: readonly Range[], negate: boolean): void {
    if (!negate) body.ranges.push(...ranges);
    else body.ranges.push(...complement(this.flags.i ? foldRanges(ranges) : normalizeRanges(ranges)));
  }

  /** One class atom as a code point, or null when it is a class escape (added to `body`). */
  private classAtom(body: ClassBody): number | null {
    const p = this.p;
    if (p[this.i] !== '\\') {
      const cp = p.codePointAt(this.i) as number;
      this.i += cp > 0xffff ? 2 : 1;
      return cp;
    }
    const e = p[this.i + 1];
    if (e === undefined) this.err('missing closing ]');
    switch (e) {
      case 'd':
      case 'D':
        body.text += `\\${e}`;
        this.i += 2;
        return null;
      case 'w':
      case 'W':
        if (this.flags.i) this.classGroup(body, POSIX.word, e === 'W');
        else body.text += `\\${e}`;
        this.i += 2;
        return null;
      case 's':
      case 'S':
        this.classGroup(body, GO_SPACE, e === 'S');
        this.i += 2;
        return null;
      case 'p':
      case 'P': {
        const u = this.unicodeClass();
        if (u === null) this.err(`invalid character class range \\${e}`);
        const extras = this.flags.i ? propertyFoldExtras(u.prop) : [];
        if (extras.length === 0) {
          body.text += `\\${u.negate ? 'P' : 'p'}{${u.prop}}`;
        } else if (!u.negate) {
          body.text += `\\p{${u.prop}}`;
          body.ranges.push(...extras);
        } else {
          // The complement of the folded property, which a JS class cannot write as an item.
          body.ranges.push(...complement(normalizeRanges([...propertyRanges(u.prop), ...extras])));
        }
        return null;
      }
    }
    const cp = this.codePointEscape();
    if (cp === null) this.err(`invalid escape sequence \\${e}`);
    return cp;
  }

  private charClass(): void {
    const p = this.p;
    const start = this.i;
    this.i++;
    let negated = false;
    if (p[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const body: ClassBody = { ranges: [], text: '' };
    let first = true;
    for (;;) {
      if (this.i >= p.length) {
        this.i = start;
        this.err('missing closing ]');
      }
      if (p[this.i] === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.i));
      if (posix) {
        const ranges = POSIX[posix[2]];
        if (!ranges) this.err(`invalid character class range ${JSON.stringify(posix[0])}`);
        this.classGroup(body, ranges, posix[1] === '^');
        this.i += posix[0].length;
        continue;
      }
      const lo = this.classAtom(body);
      if (lo === null) continue;
      if (p[this.i] === '-' && this.i + 1 < p.length && p[this.i + 1] !== ']') {
        this.i++;
        const hi = this.classAtom(body);
        if (hi === null) this.err('invalid character class range: a class escape cannot end a range');
        if (hi < lo) this.err(`invalid character class range ${lit(lo)}-${lit(hi)}`);
        body.ranges.push([lo, hi]);
      } else {
        body.ranges.push([lo, lo]);
      }
    }
    const ranges = this.flags.i ? foldRanges(body.ranges) : normalizeRanges(body.ranges);
    this.out += `[${negated ? '^' : ''}${rangesText(ranges)}${body.text}]`;
  }
}
