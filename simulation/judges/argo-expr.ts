/**
 * The condition language of Argo Rollouts' AnalysisTemplates: the `expr`
 * language (expr-lang/expr, formerly antonmedv/expr) as Argo embeds it in
 * `utils/evaluate/evaluate.go`, over one variable, `result`, plus Argo's own
 * functions `isNaN`, `isInf`, `isNil`, `default`, `asInt` and `asFloat`.
 *
 * Three stages, as expr has them:
 *
 * 1. {@link parseExpr}: tokens → AST, with the precedence table of expr's
 *    parser (`||`/`or` 10, `&&`/`and` 15, comparisons, `in`, `matches`,
 *    `contains`, `startsWith`, `endsWith` 20, `..` 25, `+ -` 30, `* / %` 60,
 *    unary `not`/`!` 50, `**`/`^` 100 right-associative, unary `- +` 90,
 *    `??` 500, the conditional `? :` lowest). Errors carry the offset in the
 *    expression text.
 * 2. {@link checkExpr}: expr compiles every condition against its
 *    environment, so unknown names, wrong arities and mismatched operand
 *    types are errors before anything runs — including in a branch that
 *    would not be taken. The checker needs `result`'s type: a Prometheus
 *    instant vector is `[]float64`, a scalar `float64` (Argo's Prometheus
 *    provider, `processResponse`).
 * 3. {@link evaluateExpr}: the value; Argo then requires a boolean
 *    (`expected bool, but got float64`).
 *
 * Numbers are JavaScript numbers; whether one is an int or a float64 (which
 * decides `%`, `/` and the names in messages) comes from the checker, as in
 * expr. No `eval`, no `Function`.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import { suggest } from '../scenario/issues';
import { parseGoFloat } from '../util/go-float';

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

/** A static type, as expr's checker sees it. `any` is Go's `interface {}`: checked only when the program runs. */
export type ExprType =
  | { k: 'int' }
  | { k: 'float' }
  | { k: 'bool' }
  | { k: 'string' }
  | { k: 'nil' }
  | { k: 'array'; of: ExprType }
  | { k: 'map'; of: ExprType }
  | { k: 'any' };

export const T = {
  int: { k: 'int' } as ExprType,
  float: { k: 'float' } as ExprType,
  bool: { k: 'bool' } as ExprType,
  string: { k: 'string' } as ExprType,
  nil: { k: 'nil' } as ExprType,
  any: { k: 'any' } as ExprType,
  array: (of: ExprType): ExprType => ({ k: 'array', of }),
  map: (of: ExprType): ExprType => ({ k: 'map', of }),
};

/** `result` of a Prometheus answer: an instant vector is a list of its values, a scalar one value. */
export const PROMETHEUS_VECTOR: ExprType = T.array(T.float);
export const PROMETHEUS_SCALAR: ExprType = T.float;

/** A runtime value. */
export type ExprValue = number | string | boolean | null | ExprValue[] | { [key: string]: ExprValue };

/** An error located in the expression text: [pos, end) are 0-based offsets (UTF-16 code units). */
export interface ExprError {
  message: string;
  pos: number;
  end: number;
}

type BinaryOp =
  | '||'
  | '&&'
  | '=='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | 'in'
  | 'not in'
  | 'matches'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | '..'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '**'
  | '??';

interface Span {
  pos: number;
  end: number;
}

export type ExprNode = Span &
  (
    | { kind: 'number'; value: number; int: boolean }
    | { kind: 'string'; value: string }
    | { kind: 'bool'; value: boolean }
    | { kind: 'nil' }
    | { kind: 'ident'; name: string }
    /** `#` (the predicate's element) or `#index`. */
    | { kind: 'pointer'; name: '' | 'index' }
    | { kind: 'unary'; op: '!' | '-' | '+'; operand: ExprNode }
    | { kind: 'binary'; op: BinaryOp; left: ExprNode; right: ExprNode }
    | { kind: 'conditional'; test: ExprNode; then: ExprNode; otherwise: ExprNode }
    | { kind: 'member'; object: ExprNode; property: string; optional: boolean }
    | { kind: 'index'; object: ExprNode; index: ExprNode; optional: boolean }
    | { kind: 'slice'; object: ExprNode; from: ExprNode | null; to: ExprNode | null }
    | { kind: 'call'; callee: string; calleeEnd: number; args: ExprNode[] }
    | { kind: 'predicate'; body: ExprNode }
    | { kind: 'array'; items: ExprNode[] }
    | { kind: 'map'; entries: Array<{ key: string; value: ExprNode }> }
  );

export type ParseResult = { ok: true; ast: ExprNode } | { ok: false; error: ExprError };

// ---------------------------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------------------------

type TokenKind = 'number' | 'string' | 'ident' | 'pointer' | 'op' | 'eof';

interface Token extends Span {
  kind: TokenKind;
  /** Operator or identifier text; for strings the decoded value; for numbers the source text. */
  text: string;
}

class Fail {
  constructor(readonly error: ExprError) {}
}

function fail(message: string, pos: number, end = pos + 1): never {
  throw new Fail({ message, pos, end: Math.max(end, pos + 1) });
}

const OPERATORS = ['**', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '..', '<', '>', '+', '-', '*', '/', '%', '^', '!', '?', ':', '.', ',', '(', ')', '[', ']', '{', '}', '|'];
const WORD_OPERATORS = new Set(['and', 'or', 'not', 'in', 'matches', 'contains', 'startsWith', 'endsWith']);
const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9]/.test(c)) {
      const m = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*(?:\.(?!\.)[0-9_]*)?(?:[eE][+-]?[0-9_]+)?)/.exec(src.slice(i)) as RegExpExecArray;
      i += m[0].length;
      if (i < src.length && /[A-Za-z_$]/.test(src[i])) fail(`bad number literal ${JSON.stringify(src.slice(start, i + 1))}`, start, i + 1);
      out.push({ kind: 'number', text: m[0], pos: start, end: i });
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      i++;
      let value = '';
      for (;;) {
        if (i >= src.length || (c !== '`' && src[i] === '\n')) fail('unterminated string literal', start, i);
        const d = src[i];
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\' && c !== '`') {
          const e = src[i + 1] ?? '';
          if (e in ESCAPES) {
            value += ESCAPES[e];
            i += 2;
          } else if (e === 'x' || e === 'u' || e === 'U') {
            const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
            const hex = src.slice(i + 2, i + 2 + n);
            if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) fail(`invalid escape \\${e}${hex} in string literal`, i, i + 2 + n);
            value += String.fromCodePoint(parseInt(hex, 16));
            i += 2 + n;
          } else if (/[0-7]/.test(e)) {
            const oct = src.slice(i + 1, i + 4);
            if (!/^[0-7]{3}$/.test(oct)) fail(`invalid escape \\${oct} in string literal`, i, i + 4);
            value += String.fromCharCode(parseInt(oct, 8));
            i += 4;
          } else {
            fail(`invalid escape \\${e} in string literal`, i, i + 2);
          }
          continue;
        }
        value += d;
        i++;
      }
      out.push({ kind: 'string', text: value, pos: start, end: i });
      continue;
    }
    if (c === '#') {
      i++;
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      if (m) i += m[0].length;
      out.push({ kind: 'pointer', text: m ? m[0] : '', pos: start, end: i });
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i)) as RegExpExecArray;
      i += m[0].length;
      out.push({ kind: WORD_OPERATORS.has(m[0]) ? 'op' : 'ident', text: m[0], pos: start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) fail(`unexpected character ${JSON.stringify(c)}`, i);
    i += op.length;
    out.push({ kind: 'op', text: op, pos: start, end: i });
  }
  out.push({ kind: 'eof', text: '', pos: src.length, end: src.length });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------------------------

const BINARY: Record<string, { prec: number; right?: boolean; op: BinaryOp }> = {
  '||': { prec: 10, op: '||' },
  or: { prec: 10, op: '||' },
  '&&': { prec: 15, op: '&&' },
  and: { prec: 15, op: '&&' },
  '==': { prec: 20, op: '==' },
  '!=': { prec: 20, op: '!=' },
  '<': { prec: 20, op: '<' },
  '>': { prec: 20, op: '>' },
  '<=': { prec: 20, op: '<=' },
  '>=': { prec: 20, op: '>=' },
  in: { prec: 20, op: 'in' },
  matches: { prec: 20, op: 'matches' },
  contains: { prec: 20, op: 'contains' },
  startsWith: { prec: 20, op: 'startsWith' },
  endsWith: { prec: 20, op: 'endsWith' },
  '..': { prec: 25, op: '..' },
  '+': { prec: 30, op: '+' },
  '-': { prec: 30, op: '-' },
  '*': { prec: 60, op: '*' },
  '/': { prec: 60, op: '/' },
  '%': { prec: 60, op: '%' },
  '**': { prec: 100, right: true, op: '**' },
  '^': { prec: 100, right: true, op: '**' },
  '??': { prec: 500, op: '??' },
};
const NOT_IN_PREC = 20;
const UNARY_NOT_PREC = 50;
const UNARY_SIGN_PREC = 90;

/** Builtins whose last argument is a predicate (`{ # > 0 }`, braces optional). */
const PREDICATE_BUILTINS = new Set(['all', 'any', 'none', 'one', 'filter', 'map', 'count']);

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the expression';
  if (t.kind === 'string') return `string ${JSON.stringify(t.text)}`;
  if (t.kind === 'number') return `number ${t.text}`;
  if (t.kind === 'pointer') return `#${t.text}`;
  return JSON.stringify(t.text);
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  private get tok(): Token {
    return this.tokens[this.i];
  }

  private is(text: string): boolean {
    return this.tok.kind === 'op' && this.tok.text === text;
  }

  private expect(text: string, what: string): Token {
    const t = this.tok;
    if (!this.is(text)) fail(`expected ${what}, found ${describe(t)}`, t.pos, t.end);
    this.i++;
    return t;
  }

  parse(): ExprNode {
    const node = this.expression(0);
    const t = this.tok;
    if (t.kind !== 'eof') fail(`unexpected ${describe(t)} after a complete expression (missing an operator such as && or ||?)`, t.pos, t.end);
    return node;
  }

  private expression(minPrec: number): ExprNode {
    if (++this.depth > 200) fail('the expression is nested too deeply', this.tok.pos);
    let left = this.unary();
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'op') break;
      // `not in`
      if (t.text === 'not' && this.tokens[this.i + 1]?.kind === 'op' && this.tokens[this.i + 1].text === 'in') {
        if (NOT_IN_PREC < minPrec) break;
        this.i += 2;
        const right = this.expression(NOT_IN_PREC + 1);
        left = { kind: 'binary', op: 'not in', left, right, pos: left.pos, end: right.end };
        continue;
      }
      const b = BINARY[t.text];
      if (!b || b.prec < minPrec) break;
      this.i++;
      const right = this.expression(b.right ? b.prec : b.prec + 1);
      left = { kind: 'binary', op: b.op, left, right, pos: left.pos, end: right.end };
    }
    if (minPrec === 0 && this.is('?')) {
      this.i++;
      const then = this.expression(0);
      this.expect(':', '":" of the conditional (cond ? a : b)');
      const otherwise = this.expression(0);
      left = { kind: 'conditional', test: left, then, otherwise, pos: left.pos, end: otherwise.end };
    }
    this.depth--;
    return left;
  }

  private unary(): ExprNode {
    const t = this.tok;
    if (t.kind === 'op' && (t.text === '!' || t.text === 'not')) {
      this.i++;
      const operand = this.expression(UNARY_NOT_PREC);
      return { kind: 'unary', op: '!', operand, pos: t.pos, end: operand.end };
    }
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.i++;
      const operand = this.expression(UNARY_SIGN_PREC);
      return { kind: 'unary', op: t.text, operand, pos: t.pos, end: operand.end };
    }
    return this.postfix(this.primary());
  }

  private primary(): ExprNode {
    const t = this.tok;
    switch (t.kind) {
      case 'number': {
        this.i++;
        const clean = t.text.replace(/_/g, '');
        const int = !/[.eE]/.test(clean) || /^0[xX]/.test(clean);
        let value: number;
        if (/^0[oO]/.test(clean)) value = parseInt(clean.slice(2), 8);
        else if (/^0[bB]/.test(clean)) value = parseInt(clean.slice(2), 2);
        else value = Number(clean);
        if (Number.isNaN(value)) fail(`bad number literal ${t.text}`, t.pos, t.end);
        return { kind: 'number', value, int, pos: t.pos, end: t.end };
      }
      case 'string':
        this.i++;
        return { kind: 'string', value: t.text, pos: t.pos, end: t.end };
      case 'pointer':
        this.i++;
        if (t.text !== '' && t.text !== 'index') fail(`unknown pointer #${t.text} (only # and #index exist)`, t.pos, t.end);
        return { kind: 'pointer', name: t.text === 'index' ? 'index' : '', pos: t.pos, end: t.end };
      case 'ident': {
        this.i++;
        if (t.text === 'true' || t.text === 'false') return { kind: 'bool', value: t.text === 'true', pos: t.pos, end: t.end };
        if (t.text === 'nil') return { kind: 'nil', pos: t.pos, end: t.end };
        if (t.text === 'let') fail('variable declarations (let) are not supported in AnalysisTemplate conditions by this simulator', t.pos, t.end);
        if (this.is('(')) return this.call(t);
        return { kind: 'ident', name: t.text, pos: t.pos, end: t.end };
      }
      case 'op':
        if (t.text === '(') {
          this.i++;
          const inner = this.expression(0);
          this.expect(')', '")" to close "("');
          return inner;
        }
        if (t.text === '[') {
          this.i++;
          const items: ExprNode[] = [];
          while (!this.is(']')) {
            items.push(this.expression(0));
            if (!this.is(',')) break;
            this.i++;
          }
          const close = this.expect(']', '"," or "]" in the array');
          return { kind: 'array', items, pos: t.pos, end: close.end };
        }
        if (t.text === '{') {
          this.i++;
          const entries: Array<{ key: string; value: ExprNode }> = [];
          while (!this.is('}')) {
            const k = this.tok;
            if (k.kind !== 'ident' && k.kind !== 'string' && k.kind !== 'number') fail(`expected a map key, found ${describe(k)}`, k.pos, k.end);
            this.i++;
            this.expect(':', '":" after the map key');
            entries.push({ key: k.text, value: this.expression(0) });
            if (!this.is(',')) break;
            this.i++;
          }
          const close = this.expect('}', '"," or "}" in the map');
          return { kind: 'map', entries, pos: t.pos, end: close.end };
        }
        if (t.text === '|') fail('pipes (|) are not supported by this simulator', t.pos, t.end);
        break;
      case 'eof':
        fail('unexpected end of the expression: expected a value (a number, a string, result, a function call, …)', t.pos, t.end);
    }
    return fail(`unexpected ${describe(t)}: expected a value (a number, a string, result, a function call, …)`, t.pos, t.end);
  }

  private call(name: Token): ExprNode {
    this.expect('(', '"("');
    const args: ExprNode[] = [];
    const predicate = PREDICATE_BUILTINS.has(name.text);
    while (!this.is(')')) {
      if (predicate && args.length === 1) {
        const open = this.tok;
        let body: ExprNode;
        if (this.is('{')) {
          this.i++;
          body = this.expression(0);
          const close = this.expect('}', '"}" to close the predicate');
          args.push({ kind: 'predicate', body, pos: open.pos, end: close.end });
        } else {
          body = this.expression(0);
          args.push({ kind: 'predicate', body, pos: body.pos, end: body.end });
        }
      } else {
        args.push(this.expression(0));
      }
      if (!this.is(',')) break;
      this.i++;
    }
    const close = this.expect(')', `"," or ")" in the call of ${name.text}`);
    return { kind: 'call', callee: name.text, calleeEnd: name.end, args, pos: name.pos, end: close.end };
  }

  private postfix(node: ExprNode): ExprNode {
    for (;;) {
      const t = this.tok;
      if (this.is('.') || this.is('?.')) {
        const optional = t.text === '?.';
        this.i++;
        if (optional && this.is('[')) {
          node = this.indexOrSlice(node, true);
          continue;
        }
        const p = this.tok;
        if (p.kind !== 'ident' && !(p.kind === 'op' && WORD_OPERATORS.has(p.text))) fail(`expected a field name after "${t.text}", found ${describe(p)}`, p.pos, p.end);
        this.i++;
        if (this.is('(')) fail(`method calls are not supported: ${p.text}(…) (call functions directly, e.g. len(result))`, p.pos, p.end);
        node = { kind: 'member', object: node, property: p.text, optional, pos: node.pos, end: p.end };
        continue;
      }
      if (this.is('[')) {
        node = this.indexOrSlice(node, false);
        continue;
      }
      return node;
    }
  }

  private indexOrSlice(object: ExprNode, optional: boolean): ExprNode {
    this.expect('[', '"["');
    let from: ExprNode | null = null;
    if (!this.is(':')) from = this.expression(0);
    if (this.is(':')) {
      this.i++;
      const to = this.is(']') ? null : this.expression(0);
      const close = this.expect(']', '"]" to close the slice');
      return { kind: 'slice', object, from, to, pos: object.pos, end: close.end };
    }
    const close = this.expect(']', '"]" to close the index');
    return { kind: 'index', object, index: from as ExprNode, optional, pos: object.pos, end: close.end };
  }
}

/** Parses an expression; errors name the offset where they are. Never throws. */
export function parseExpr(text: string): ParseResult {
  try {
    const ast = new Parser(tokenize(text)).parse();
    return { ok: true, ast };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------------------------------------------

/** Every function a condition may call: expr's builtins this simulator implements, then Argo's environment. */
export const EXPR_FUNCTIONS = [
  'len',
  'all',
  'any',
  'none',
  'one',
  'filter',
  'map',
  'count',
  'sum',
  'mean',
  'median',
  'min',
  'max',
  'abs',
  'ceil',
  'floor',
  'round',
  'int',
  'float',
  'string',
  'first',
  'last',
  'isNaN',
  'isInf',
  'isNil',
  'default',
  'asInt',
  'asFloat',
] as const;

const ARITY: Record<string, [number, number]> = {
  len: [1, 1],
  all: [2, 2],
  any: [2, 2],
  none: [2, 2],
  one: [2, 2],
  filter: [2, 2],
  map: [2, 2],
  count: [2, 2],
  sum: [1, 1],
  mean: [1, 1],
  median: [1, 1],
  min: [1, Infinity],
  max: [1, Infinity],
  abs: [1, 1],
  ceil: [1, 1],
  floor: [1, 1],
  round: [1, 1],
  int: [1, 1],
  float: [1, 1],
  string: [1, 1],
  first: [1, 1],
  last: [1, 1],
  isNaN: [1, 1],
  isInf: [1, 1],
  isNil: [1, 1],
  default: [2, 2],
  asInt: [1, 1],
  asFloat: [1, 1],
};

// ---------------------------------------------------------------------------------------------------------------
// Checker
// ---------------------------------------------------------------------------------------------------------------

/** Go's name of a type, as expr's messages print it. */
export function typeName(t: ExprType): string {
  switch (t.k) {
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'bool':
      return 'bool';
    case 'string':
      return 'string';
    case 'nil':
      return 'nil';
    case 'array':
      return `[]${t.of.k === 'any' ? 'interface {}' : typeName(t.of)}`;
    case 'map':
      return `map[string]${t.of.k === 'any' ? 'interface {}' : typeName(t.of)}`;
    case 'any':
      return 'interface {}';
  }
}

const isNum = (t: ExprType) => t.k === 'int' || t.k === 'float';
const isAny = (t: ExprType) => t.k === 'any';
const numOrAny = (t: ExprType) => isNum(t) || isAny(t);
const boolOrAny = (t: ExprType) => t.k === 'bool' || isAny(t);
const stringOrAny = (t: ExprType) => t.k === 'string' || isAny(t);

function sameType(a: ExprType, b: ExprType): boolean {
  if (a.k !== b.k) return false;
  if ((a.k === 'array' || a.k === 'map') && (b.k === 'array' || b.k === 'map')) return sameType(a.of, b.of);
  return true;
}

/** Annotations the checker leaves for the evaluator: each node's static type. */
export type TypeMap = Map<ExprNode, ExprType>;

class Checker {
  readonly types: TypeMap = new Map();
  /** Element types of the enclosing predicates, innermost last. */
  private readonly scopes: ExprType[] = [];

  constructor(private readonly env: ReadonlyMap<string, ExprType>) {}

  check(n: ExprNode): ExprType {
    const t = this.visit(n);
    this.types.set(n, t);
    return t;
  }

  private mismatch(op: string, n: ExprNode, a: ExprType, b: ExprType): never {
    return fail(`invalid operation: ${op} (mismatched types ${typeName(a)} and ${typeName(b)})`, n.pos, n.end);
  }

  private visit(n: ExprNode): ExprType {
    switch (n.kind) {
      case 'number':
        return n.int ? T.int : T.float;
      case 'string':
        return T.string;
      case 'bool':
        return T.bool;
      case 'nil':
        return T.nil;
      case 'ident': {
        const t = this.env.get(n.name);
        if (t) return t;
        if ((EXPR_FUNCTIONS as readonly string[]).includes(n.name)) fail(`${n.name} is a function: call it, e.g. ${n.name}(result)`, n.pos, n.end);
        const hint = suggest(n.name, [...this.env.keys()]);
        return fail(`unknown name ${n.name}${hint ? ` (did you mean ${hint}?)` : ` (the only variable is ${[...this.env.keys()].join(', ')})`}`, n.pos, n.end);
      }
      case 'pointer': {
        const scope = this.scopes.at(-1);
        if (!scope) fail(`#${n.name} is only allowed inside a predicate, e.g. all(result, {# < 0.5})`, n.pos, n.end);
        return n.name === 'index' ? T.int : scope;
      }
      case 'unary': {
        const t = this.check(n.operand);
        if (n.op === '!') {
          if (!boolOrAny(t)) fail(`invalid operation: ! (mismatched type ${typeName(t)})`, n.pos, n.end);
          return T.bool;
        }
        if (!numOrAny(t)) fail(`invalid operation: ${n.op} (mismatched type ${typeName(t)})`, n.pos, n.end);
        return t;
      }
      case 'binary':
        return this.binary(n);
      case 'conditional': {
        const c = this.check(n.test);
        if (!boolOrAny(c)) fail(`non-bool expression (type ${typeName(c)}) used as condition`, n.test.pos, n.test.end);
        const a = this.check(n.then);
        const b = this.check(n.otherwise);
        return sameType(a, b) ? a : T.any;
      }
      case 'member': {
        const o = this.check(n.object);
        if (o.k === 'map') return o.of;
        if (isAny(o) || (n.optional && o.k === 'nil')) return T.any;
        return fail(`type ${typeName(o)} has no field ${n.property}`, n.pos, n.end);
      }
      case 'index': {
        const o = this.check(n.object);
        const i = this.check(n.index);
        if (o.k === 'array') {
          if (!(i.k === 'int' || isAny(i))) fail(`invalid operation: cannot use ${typeName(i)} as index to ${typeName(o)}`, n.index.pos, n.index.end);
          return o.of;
        }
        if (o.k === 'map') {
          if (!stringOrAny(i)) fail(`invalid operation: cannot use ${typeName(i)} as index to ${typeName(o)}`, n.index.pos, n.index.end);
          return o.of;
        }
        if (o.k === 'string') {
          if (!(i.k === 'int' || isAny(i))) fail(`invalid operation: cannot use ${typeName(i)} as index to string`, n.index.pos, n.index.end);
          return T.string;
        }
        if (isAny(o) || (n.optional && o.k === 'nil')) return T.any;
        return fail(`invalid operation: type ${typeName(o)} does not support indexing`, n.pos, n.end);
      }
      case 'slice': {
        const o = this.check(n.object);
        for (const b of [n.from, n.to]) {
          if (!b) continue;
          const t = this.check(b);
          if (!(t.k === 'int' || isAny(t))) fail(`invalid operation: cannot use ${typeName(t)} as a slice bound`, b.pos, b.end);
        }
        if (o.k === 'array' || o.k === 'string' || isAny(o)) return o;
        return fail(`invalid operation: type ${typeName(o)} does not support slicing`, n.pos, n.end);
      }
      case 'call':
        return this.call(n);
      case 'predicate':
        return this.check(n.body);
      case 'array': {
        const items = n.items.map((x) => this.check(x));
        const first = items[0];
        return T.array(first && items.every((t) => sameType(t, first)) ? first : T.any);
      }
      case 'map': {
        const vals = n.entries.map((e) => this.check(e.value));
        return T.map(vals.length > 0 && vals.every((t) => sameType(t, vals[0])) ? vals[0] : T.any);
      }
    }
  }

  private binary(n: Extract<ExprNode, { kind: 'binary' }>): ExprType {
    const a = this.check(n.left);
    const b = this.check(n.right);
    const anyOf = isAny(a) || isAny(b);
    switch (n.op) {
      case '||':
      case '&&':
        if (!boolOrAny(a) || !boolOrAny(b)) this.mismatch(n.op, n, a, b);
        return T.bool;
      case '==':
      case '!=':
        if (!anyOf && a.k !== 'nil' && b.k !== 'nil' && !(isNum(a) && isNum(b)) && !sameType(a, b)) this.mismatch(n.op, n, a, b);
        return T.bool;
      case '<':
      case '>':
      case '<=':
      case '>=':
        if (anyOf) {
          // One side is only known when the program runs: each side must at least be orderable.
          if (!(numOrAny(a) || a.k === 'string') || !(numOrAny(b) || b.k === 'string')) this.mismatch(n.op, n, a, b);
        } else if (!((isNum(a) && isNum(b)) || (a.k === 'string' && b.k === 'string'))) {
          this.mismatch(n.op, n, a, b);
        }
        return T.bool;
      case 'in':
      case 'not in':
        if (!(b.k === 'array' || b.k === 'map' || isAny(b))) fail(`invalid operation: ${n.op} (mismatched types ${typeName(a)} and ${typeName(b)}): the right side must be a list or a map`, n.pos, n.end);
        if (b.k === 'map' && !stringOrAny(a)) this.mismatch(n.op, n, a, b);
        return T.bool;
      case 'matches':
        if (!stringOrAny(a) || !stringOrAny(b)) this.mismatch(n.op, n, a, b);
        if (n.right.kind === 'string') {
          try {
            new RegExp(n.right.value, 'u');
          } catch (e) {
            fail(`invalid regular expression ${JSON.stringify(n.right.value)}: ${(e as Error).message}`, n.right.pos, n.right.end);
          }
        }
        return T.bool;
      case 'contains':
      case 'startsWith':
      case 'endsWith':
        if (!stringOrAny(a) || !stringOrAny(b)) this.mismatch(n.op, n, a, b);
        return T.bool;
      case '..':
        if (!(a.k === 'int' || isAny(a)) || !(b.k === 'int' || isAny(b))) this.mismatch(n.op, n, a, b);
        return T.array(T.int);
      case '+':
        if (a.k === 'string' && b.k === 'string') return T.string;
        if (a.k === 'array' && b.k === 'array') return sameType(a, b) ? a : T.array(T.any);
        if (anyOf && (numOrAny(a) || stringOrAny(a)) && (numOrAny(b) || stringOrAny(b))) return T.any;
        if (!isNum(a) || !isNum(b)) this.mismatch(n.op, n, a, b);
        return a.k === 'int' && b.k === 'int' ? T.int : T.float;
      case '-':
      case '*':
        if (!numOrAny(a) || !numOrAny(b)) this.mismatch(n.op, n, a, b);
        if (anyOf) return T.any;
        return a.k === 'int' && b.k === 'int' ? T.int : T.float;
      case '/':
      case '**':
        if (!numOrAny(a) || !numOrAny(b)) this.mismatch(n.op, n, a, b);
        return T.float;
      case '%':
        if (!(a.k === 'int' || isAny(a)) || !(b.k === 'int' || isAny(b))) this.mismatch(n.op, n, a, b);
        return T.int;
      case '??':
        return a.k === 'nil' ? b : isAny(a) ? T.any : a;
    }
  }

  private call(n: Extract<ExprNode, { kind: 'call' }>): ExprType {
    const name = n.callee;
    const arity = ARITY[name];
    if (!arity) {
      if (this.env.has(name)) return fail(`${name} is not a function`, n.pos, n.calleeEnd);
      const hint = suggest(name, EXPR_FUNCTIONS);
      return fail(`unknown function ${name}${hint ? ` (did you mean ${hint}?)` : ''}`, n.pos, n.calleeEnd);
    }
    if (n.args.length < arity[0]) fail(`not enough arguments to call ${name}`, n.pos, n.end);
    if (n.args.length > arity[1]) fail(`too many arguments to call ${name}`, n.args[arity[1]].pos, n.end);
    const argTypes: ExprType[] = [];
    if (PREDICATE_BUILTINS.has(name)) {
      const arr = this.check(n.args[0]);
      if (!(arr.k === 'array' || isAny(arr))) fail(`builtin ${name} takes only array (got ${typeName(arr)})`, n.args[0].pos, n.args[0].end);
      const elem = arr.k === 'array' ? arr.of : T.any;
      this.scopes.push(elem);
      const body = this.check(n.args[1]);
      this.scopes.pop();
      if (name !== 'map' && !boolOrAny(body)) fail(`predicate should return boolean (got ${typeName(body)})`, n.args[1].pos, n.args[1].end);
      if (name === 'filter') return T.array(elem);
      if (name === 'map') return T.array(body);
      if (name === 'count') return T.int;
      return T.bool;
    }
    for (const a of n.args) argTypes.push(this.check(a));
    const [x] = argTypes;
    const argError = (want: string, i = 0): never => fail(`cannot use ${typeName(argTypes[i])} as argument (type ${want}) to call ${name}`, n.args[i].pos, n.args[i].end);
    switch (name) {
      case 'len':
        if (!(x.k === 'array' || x.k === 'map' || x.k === 'string' || isAny(x))) fail(`invalid argument for len (type ${typeName(x)})`, n.args[0].pos, n.args[0].end);
        return T.int;
      case 'isNaN':
      case 'isInf':
        if (!numOrAny(x)) argError('float64');
        return T.bool;
      case 'isNil':
        return T.bool;
      case 'default':
        return T.any;
      case 'asInt':
        return T.int;
      case 'asFloat':
        return T.float;
      case 'abs':
        if (!numOrAny(x)) argError('number');
        return x;
      case 'ceil':
      case 'floor':
      case 'round':
        if (!numOrAny(x)) argError('number');
        return T.float;
      case 'int':
        if (!(numOrAny(x) || x.k === 'string')) argError('number or string');
        return T.int;
      case 'float':
        if (!(numOrAny(x) || x.k === 'string')) argError('number or string');
        return T.float;
      case 'string':
        return T.string;
      case 'sum':
      case 'mean':
      case 'median':
        if (!(x.k === 'array' || isAny(x))) argError('array');
        if (x.k === 'array' && !numOrAny(x.of)) argError('array of numbers');
        return name === 'sum' && x.k === 'array' && x.of.k === 'int' ? T.int : T.float;
      case 'first':
      case 'last':
        if (!(x.k === 'array' || isAny(x))) argError('array');
        return x.k === 'array' ? x.of : T.any;
      case 'min':
      case 'max': {
        argTypes.forEach((t, i) => {
          if (!(numOrAny(t) || (t.k === 'array' && numOrAny(t.of)))) argError('number or array of numbers', i);
        });
        const flat = argTypes.map((t) => (t.k === 'array' ? t.of : t));
        return flat.every((t) => t.k === 'int') ? T.int : flat.every(isNum) ? T.float : T.any;
      }
    }
    return T.any;
  }
}

/** expr's compile step: the static type of every node, or the first error. */
export function checkExpr(ast: ExprNode, env: ReadonlyMap<string, ExprType>): { ok: true; type: ExprType; types: TypeMap } | { ok: false; error: ExprError } {
  const c = new Checker(env);
  try {
    const type = c.check(ast);
    return { ok: true, type, types: c.types };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluator
// ---------------------------------------------------------------------------------------------------------------

class RuntimeError {
  constructor(readonly message: string) {}
}

function runtime(message: string): never {
  throw new RuntimeError(message);
}

/** The Go type name of a runtime value (numbers by their static type when known). */
function valueTypeName(v: ExprValue, t?: ExprType): string {
  if (t && t.k !== 'any') return typeName(t);
  if (v === null) return 'nil';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return v.every((x) => typeof x === 'number') && v.length > 0 ? '[]float64' : '[]interface {}';
  return 'map[string]interface {}';
}

function equal(a: ExprValue, b: ExprValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (a === null || b === null) return a === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]));
  }
  return a === b;
}

/** Go's strconv.FormatFloat(x, 'g', -1, 64) is what fmt prints for `string(float)`; JavaScript's shortest form is close enough for conditions. */
function goString(v: ExprValue): string {
  if (v === null) return '<nil>';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  return `map[${Object.keys(v)
    .sort()
    .map((k) => `${k}:${goString(v[k])}`)
    .join(' ')}]`;
}

interface Env {
  vars: ReadonlyMap<string, ExprValue>;
  /** Argo's isNil / default look at `result` itself, whatever their argument (evaluate.go). */
  resultIsNil: boolean;
  result: ExprValue;
}

class Evaluator {
  private readonly elems: Array<{ elem: ExprValue; index: number }> = [];

  constructor(
    private readonly env: Env,
    private readonly types: TypeMap,
  ) {}

  private num(v: ExprValue, op: string, n: ExprNode): number {
    if (typeof v !== 'number') runtime(`invalid operation: ${op} on ${valueTypeName(v, this.types.get(n))}`);
    return v;
  }

  eval(n: ExprNode): ExprValue {
    switch (n.kind) {
      case 'number':
      case 'string':
      case 'bool':
        return n.value;
      case 'nil':
        return null;
      case 'ident':
        return this.env.vars.get(n.name) ?? null;
      case 'pointer': {
        const top = this.elems.at(-1) as { elem: ExprValue; index: number };
        return n.name === 'index' ? top.index : top.elem;
      }
      case 'unary': {
        const v = this.eval(n.operand);
        if (n.op === '!') {
          if (typeof v !== 'boolean') runtime(`invalid operation: ! (mismatched type ${valueTypeName(v)})`);
          return !v;
        }
        const x = this.num(v, n.op, n.operand);
        return n.op === '-' ? -x : x;
      }
      case 'binary':
        return this.binary(n);
      case 'conditional': {
        const c = this.eval(n.test);
        if (typeof c !== 'boolean') runtime(`non-bool value (type ${valueTypeName(c)}) used as condition`);
        return c ? this.eval(n.then) : this.eval(n.otherwise);
      }
      case 'member': {
        const o = this.eval(n.object);
        if (o === null) {
          if (n.optional) return null;
          runtime(`cannot fetch ${n.property} from nil`);
        }
        if (typeof o !== 'object' || Array.isArray(o)) runtime(`cannot fetch ${n.property} from ${valueTypeName(o, this.types.get(n.object))}`);
        return Object.prototype.hasOwnProperty.call(o, n.property) ? o[n.property] : null;
      }
      case 'index': {
        const o = this.eval(n.object);
        if (o === null && n.optional) return null;
        const i = this.eval(n.index);
        return this.fetch(o, i, n.object);
      }
      case 'slice': {
        const o = this.eval(n.object);
        if (!(typeof o === 'string' || Array.isArray(o))) runtime(`cannot slice ${valueTypeName(o, this.types.get(n.object))}`);
        const len = o.length;
        const bound = (b: ExprNode | null, dflt: number) => {
          if (!b) return dflt;
          let x = this.num(this.eval(b), 'slice', b);
          if (x < 0) x += len;
          return Math.min(Math.max(x, 0), len);
        };
        const from = bound(n.from, 0);
        const to = bound(n.to, len);
        return from > to ? (typeof o === 'string' ? '' : []) : o.slice(from, to);
      }
      case 'call':
        return this.call(n);
      case 'predicate':
        return this.eval(n.body);
      case 'array':
        return n.items.map((x) => this.eval(x));
      case 'map': {
        const out: { [key: string]: ExprValue } = {};
        for (const e of n.entries) out[e.key] = this.eval(e.value);
        return out;
      }
    }
  }

  private fetch(o: ExprValue, i: ExprValue, objectNode: ExprNode): ExprValue {
    if (Array.isArray(o) || typeof o === 'string') {
      if (typeof i !== 'number' || !Number.isInteger(i)) runtime(`cannot use ${valueTypeName(i)} as index to ${valueTypeName(o, this.types.get(objectNode))}`);
      const k = i < 0 ? o.length + i : i;
      if (k < 0 || k >= o.length) runtime(`index out of range: ${i} (array length is ${o.length})`);
      return o[k];
    }
    if (o !== null && typeof o === 'object') {
      if (typeof i !== 'string') runtime(`cannot use ${valueTypeName(i)} as a map key`);
      return Object.prototype.hasOwnProperty.call(o, i) ? o[i] : null;
    }
    return runtime(`cannot fetch ${goString(i)} from ${valueTypeName(o, this.types.get(objectNode))}`);
  }

  private binary(n: Extract<ExprNode, { kind: 'binary' }>): ExprValue {
    if (n.op === '||' || n.op === '&&') {
      const a = this.eval(n.left);
      if (typeof a !== 'boolean') runtime(`invalid operation: ${n.op} on ${valueTypeName(a)}`);
      if (n.op === '||' ? a : !a) return a;
      const b = this.eval(n.right);
      if (typeof b !== 'boolean') runtime(`invalid operation: ${n.op} on ${valueTypeName(b)}`);
      return b;
    }
    if (n.op === '??') {
      const a = this.eval(n.left);
      return a === null ? this.eval(n.right) : a;
    }
    const a = this.eval(n.left);
    const b = this.eval(n.right);
    const mismatch = (): never => runtime(`invalid operation: ${valueTypeName(a, this.types.get(n.left))} ${n.op} ${valueTypeName(b, this.types.get(n.right))}`);
    switch (n.op) {
      case '==':
        return equal(a, b);
      case '!=':
        return !equal(a, b);
      case '<':
      case '>':
      case '<=':
      case '>=': {
        if (!((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))) mismatch();
        const x = a as number | string;
        const y = b as number | string;
        return n.op === '<' ? x < y : n.op === '>' ? x > y : n.op === '<=' ? x <= y : x >= y;
      }
      case 'in':
      case 'not in': {
        let found: boolean;
        if (Array.isArray(b)) found = b.some((x) => equal(x, a));
        else if (b !== null && typeof b === 'object') found = typeof a === 'string' && Object.prototype.hasOwnProperty.call(b, a);
        else return mismatch();
        return n.op === 'in' ? found : !found;
      }
      case 'matches':
      case 'contains':
      case 'startsWith':
      case 'endsWith': {
        if (typeof a !== 'string' || typeof b !== 'string') return mismatch();
        if (n.op === 'contains') return a.includes(b);
        if (n.op === 'startsWith') return a.startsWith(b);
        if (n.op === 'endsWith') return a.endsWith(b);
        let re: RegExp;
        try {
          re = new RegExp(b, 'u');
        } catch (e) {
          return runtime(`invalid regular expression ${JSON.stringify(b)}: ${(e as Error).message}`);
        }
        return re.test(a);
      }
      case '..': {
        if (typeof a !== 'number' || typeof b !== 'number') return mismatch();
        const out: number[] = [];
        for (let x = a; x <= b && out.length < 1e6; x++) out.push(x);
        return out;
      }
      case '+':
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
        if (typeof a !== 'number' || typeof b !== 'number') return mismatch();
        return a + b;
      case '-':
      case '*':
      case '/':
      case '**':
      case '%': {
        if (typeof a !== 'number' || typeof b !== 'number') return mismatch();
        if (n.op === '-') return a - b;
        if (n.op === '*') return a * b;
        if (n.op === '/') return a / b;
        if (n.op === '**') return a ** b;
        if (b === 0) runtime('integer divide by zero');
        return Math.trunc(a) % Math.trunc(b);
      }
    }
  }

  private array(v: ExprValue, name: string, n: ExprNode): ExprValue[] {
    if (!Array.isArray(v)) runtime(`builtin ${name} takes only array (got ${valueTypeName(v, this.types.get(n))})`);
    return v;
  }

  private numbers(v: ExprValue, name: string, n: ExprNode): number[] {
    const xs = this.array(v, name, n);
    for (const x of xs) if (typeof x !== 'number') runtime(`invalid argument for ${name} (type ${valueTypeName(x)})`);
    return xs as number[];
  }

  private call(n: Extract<ExprNode, { kind: 'call' }>): ExprValue {
    const name = n.callee;
    if (PREDICATE_BUILTINS.has(name)) {
      const xs = this.array(this.eval(n.args[0]), name, n.args[0]);
      const results: ExprValue[] = [];
      const bool = (v: ExprValue) => {
        if (typeof v !== 'boolean') runtime(`predicate should return boolean (got ${valueTypeName(v)})`);
        return v;
      };
      let hits = 0;
      for (let index = 0; index < xs.length; index++) {
        this.elems.push({ elem: xs[index], index });
        const v = this.eval(n.args[1]);
        this.elems.pop();
        if (name === 'map') {
          results.push(v);
          continue;
        }
        const ok = bool(v);
        if (name === 'all' && !ok) return false;
        if (name === 'any' && ok) return true;
        if (name === 'none' && ok) return false;
        if (ok) {
          hits++;
          if (name === 'filter') results.push(xs[index]);
        }
      }
      switch (name) {
        case 'all':
        case 'none':
          return true;
        case 'any':
          return false;
        case 'one':
          return hits === 1;
        case 'count':
          return hits;
        default:
          return results;
      }
    }
    if (name === 'isNil') return this.env.resultIsNil;
    const args = n.args.map((a) => this.eval(a));
    const x = args[0];
    switch (name) {
      case 'default':
        // Argo's default() ignores its first argument: the default when `result` is nil, else `result` (evaluate.go).
        return this.env.resultIsNil ? args[1] : this.env.result;
      case 'len':
        if (typeof x === 'string' || Array.isArray(x)) return x.length;
        if (x !== null && typeof x === 'object') return Object.keys(x).length;
        return runtime(`invalid argument for len (type ${valueTypeName(x, this.types.get(n.args[0]))})`);
      case 'isNaN':
        return Number.isNaN(this.num(x, name, n.args[0]));
      case 'isInf': {
        const v = this.num(x, name, n.args[0]);
        return v === Infinity || v === -Infinity;
      }
      case 'asInt':
        if (typeof x === 'number') return Math.trunc(x);
        if (typeof x === 'string') {
          if (!/^[+-]?[0-9]+$/.test(x)) runtime(`strconv.ParseInt: parsing ${JSON.stringify(x)}: invalid syntax`);
          return Number(x);
        }
        return runtime(`asInt() not supported on ${valueTypeName(x)} ${goString(x)}`);
      case 'asFloat':
        if (typeof x === 'number') return x;
        if (typeof x === 'string') {
          const v = parseGoFloat(x);
          if (v === null) runtime(`strconv.ParseFloat: parsing ${JSON.stringify(x)}: invalid syntax`);
          return v;
        }
        return runtime(`asFloat() not supported on ${valueTypeName(x)} ${goString(x)}`);
      case 'abs':
        return Math.abs(this.num(x, name, n.args[0]));
      case 'ceil':
        return Math.ceil(this.num(x, name, n.args[0]));
      case 'floor':
        return Math.floor(this.num(x, name, n.args[0]));
      case 'round':
        return goRound(this.num(x, name, n.args[0]));
      case 'int':
        if (typeof x === 'number') return Math.trunc(x);
        if (typeof x === 'string' && /^[+-]?[0-9]+$/.test(x)) return Number(x);
        return runtime(`invalid operation: int(${valueTypeName(x)})`);
      case 'float':
        if (typeof x === 'number') return x;
        if (typeof x === 'string') {
          const v = parseGoFloat(x);
          if (v !== null) return v;
        }
        return runtime(`invalid operation: float(${valueTypeName(x)})`);
      case 'string':
        return goString(x);
      case 'sum':
        return this.numbers(x, name, n.args[0]).reduce((s, v) => s + v, 0);
      case 'mean': {
        const xs = this.numbers(x, name, n.args[0]);
        return xs.length === 0 ? 0 : xs.reduce((s, v) => s + v, 0) / xs.length;
      }
      case 'median': {
        const xs = [...this.numbers(x, name, n.args[0])].sort((p, q) => p - q);
        if (xs.length === 0) return 0;
        const mid = xs.length >> 1;
        return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
      }
      case 'first':
        return this.array(x, name, n.args[0])[0] ?? null;
      case 'last':
        return this.array(x, name, n.args[0]).at(-1) ?? null;
      case 'min':
      case 'max': {
        const xs: number[] = [];
        args.forEach((v, i) => {
          if (Array.isArray(v)) xs.push(...this.numbers(v, name, n.args[i]));
          else xs.push(this.num(v, name, n.args[i]));
        });
        if (xs.length === 0) runtime(`not enough arguments to call ${name}`);
        if (xs.some(Number.isNaN)) return NaN;
        return name === 'min' ? Math.min(...xs) : Math.max(...xs);
      }
    }
    return runtime(`unknown function ${name}`);
  }
}

/** Go's math.Round: half away from zero. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * Evaluates a checked expression with `result` (and nothing else) in scope. `resultIsNil` is Argo's test of the
 * measured value itself (a nil pointer or slice), which `isNil()` and `default()` answer from.
 */
export function evaluateExpr(ast: ExprNode, types: TypeMap, result: ExprValue, resultIsNil = result === null): { ok: true; value: ExprValue } | { ok: false; error: string } {
  try {
    const value = new Evaluator({ vars: new Map([['result', result]]), resultIsNil, result }, types).eval(ast);
    return { ok: true, value };
  } catch (e) {
    if (e instanceof RuntimeError) return { ok: false, error: e.message };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------------------------

/** A condition that parsed (its type checked at evaluation, against the answer's type). */
export interface Condition {
  text: string;
  ast: ExprNode;
}

/** Parses a success or failure condition; a syntax error comes back located in the text. */
export function parseCondition(text: string): { ok: true; condition: Condition } | { ok: false; error: ExprError } {
  const r = parseExpr(text);
  return r.ok ? { ok: true, condition: { text, ast: r.ast } } : r;
}

/** Argo's `EvalCondition`: compile against `result`'s type, run, and require a bool. Errors are Argo's measurement messages. */
export function evalCondition(c: Condition, result: ExprValue, resultType: ExprType): { ok: true; value: boolean } | { ok: false; error: string; pos?: number } {
  const checked = checkExpr(c.ast, new Map([['result', resultType]]));
  if (!checked.ok) return { ok: false, error: checked.error.message, pos: checked.error.pos };
  const r = evaluateExpr(c.ast, checked.types, result);
  if (!r.ok) return r;
  if (typeof r.value !== 'boolean') return { ok: false, error: `expected bool, but got ${valueTypeName(r.value, checked.type)}` };
  return { ok: true, value: r.value };
}

/** Type-checks a condition against a `result` type without running it (for load-time warnings). */
export function checkCondition(c: Condition, resultType: ExprType): ExprError | null {
  const checked = checkExpr(c.ast, new Map([['result', resultType]]));
  if (!checked.ok) return checked.error;
  const t = checked.type;
  if (t.k !== 'bool' && t.k !== 'any') return { message: `the condition's value is of type ${typeName(t)}, not bool (Argo answers "expected bool, but got ${typeName(t)}")`, pos: c.ast.pos, end: c.ast.end };
  return null;
}

/** One-shot evaluation, for tests and tools: parse, check against the value's own type, run. */
export function evalExpr(text: string, result: ExprValue, resultType: ExprType = inferType(result)): { ok: true; value: ExprValue } | { ok: false; error: string; pos?: number } {
  const p = parseExpr(text);
  if (!p.ok) return { ok: false, error: p.error.message, pos: p.error.pos };
  const checked = checkExpr(p.ast, new Map([['result', resultType]]));
  if (!checked.ok) return { ok: false, error: checked.error.message, pos: checked.error.pos };
  return evaluateExpr(p.ast, checked.types, result);
}

/** The static type of a value as Argo would hand it to expr (numbers as float64: providers decode floats). */
export function inferType(v: ExprValue): ExprType {
  if (v === null) return T.nil;
  if (typeof v === 'number') return T.float;
  if (typeof v === 'string') return T.string;
  if (typeof v === 'boolean') return T.bool;
  if (Array.isArray(v)) {
    const ts = v.map(inferType);
    return T.array(ts.length > 0 && ts.every((t) => sameType(t, ts[0])) ? ts[0] : ts.length === 0 ? T.float : T.any);
  }
  return T.map(T.any);
}
