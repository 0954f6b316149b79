/**
 * Flagger MetricTemplate query rendering: a faithful subset of Go's `text/template`.
 *
 * Flagger renders `MetricTemplate.spec.query` (and its built-in observer queries) with
 *
 * ```go
 * t, err := template.New("tmpl").Funcs(model.TemplateFunctions()).Parse(queryTemplate) // "template parsing failed: %w"
 * t.Execute(buf, nil)                                                                   // "template excution failed: %w"
 * ```
 *
 * This module re-implements that pipeline in pure TypeScript (no Node or DOM APIs): Go's lexer (trim markers,
 * comments, literals), parser (pipelines, parenthesised pipelines, chains, variables, `if`/`else if`/`with`/
 * `else with`/`range`/`break`/`continue`) and executor (the builtin functions used in queries and Go `fmt`
 * formatting). Error texts follow Go's (`template: tmpl:LINE: …` at parse time, `template: tmpl:LINE:COL:
 * executing "tmpl" at <NODE>: …` at execution time), wrapped the way Flagger wraps them.
 *
 * Deliberate choices (see docs/promql.md):
 * - a missing `variables` key is an execution error, as with Go's `missingkey=error`
 *   (`map has no entry for key "KEY"`);
 * - `{{define}}`, `{{template}}`, `{{block}}` and the `slice`/`call` builtins are rejected with an error naming
 *   them as not supported by the simulator;
 * - integers are JavaScript numbers (exact up to 2^53).
 *
 * @module
 */

import { type FloatVerb, formatFloat } from './format';
import { parseGoFloat } from '../util/go-float';

// ---------------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------------

/** The values Flagger exposes to a query template (its `MetricTemplateModel` and `TemplateFunctions`). */
export interface MetricTemplateModel {
  /** `{{ name }}`: the Canary's `metadata.name`. */
  name: string;
  /** `{{ namespace }}`: the Canary's namespace. */
  namespace: string;
  /** `{{ target }}`: `spec.targetRef.name`. */
  target: string;
  /** `{{ service }}`: the apex service name (`spec.service.name`, defaulting to the target). */
  service: string;
  /** `{{ ingress }}`: `spec.ingressRef.name`, or the target. */
  ingress: string;
  /** `{{ route }}`: `spec.routeRef.name`, or the target. */
  route: string;
  /** `{{ interval }}`: the metric's `interval` (empty string when unset on a templateRef metric). */
  interval: string;
  /** `{{ variables.KEY }}`: the metric's `templateVariables`. */
  variables: Readonly<Record<string, string>>;
}

/**
 * Outcome of {@link renderQuery}. On failure `error` is Flagger's full message, e.g.
 * `template parsing failed: template: tmpl:1: function "foo" not defined`; `line` is 1-based and `column` is Go's
 * column (the 0-based byte offset within the line; execution errors only).
 */
export type RenderResult =
  | { ok: true; query: string }
  | { ok: false; error: string; line?: number; column?: number };

/**
 * Flagger's two built-in Traefik observer queries (`pkg/metrics/observers/traefik.go`), byte for byte, including the
 * leading newline and tab indentation. Render them with {@link renderQuery} and send {@link collapseWhitespace} of
 * the result, as Flagger's Prometheus client does.
 */
export const TRAEFIK_BUILTIN_QUERIES: Readonly<Record<'request-success-rate' | 'request-duration', string>> = Object.freeze({
  'request-success-rate': `
	sum(
		rate(
			traefik_service_request_duration_seconds_bucket{
				service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd",
				code!~"5..",
				le="+Inf"
			}[{{ interval }}]
		)
	)
	/
	sum(
		rate(
			traefik_service_request_duration_seconds_bucket{
				service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd",
				le="+Inf"
			}[{{ interval }}]
		)
	) * 100`,
  'request-duration': `
	histogram_quantile(
		0.99,
		sum(
			rate(
				traefik_service_request_duration_seconds_bucket{
					service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd"
				}[{{ interval }}]
			)
		) by (le)
	) * 1000`,
});

/**
 * What Flagger's Prometheus client sends: every run of whitespace collapsed to one space (Go
 * `regexp.MustCompile(`\s+`).ReplaceAllString(q, " ")`; RE2's `\s` is `[\t\n\f\r ]`, so a vertical tab or a
 * non-ASCII space is kept). Leading and trailing runs become one space; nothing is trimmed.
 */
export function collapseWhitespace(query: string): string {
  return query.replace(/[\t\n\f\r ]+/g, ' ');
}

/**
 * Renders a Flagger query template for a model, like Flagger's `observers.RenderQuery`. Never throws: parse and
 * execution errors come back as `{ ok: false, error }` carrying Flagger's wrapped message.
 */
export function renderQuery(template: string, model: MetricTemplateModel): RenderResult {
  let tree: ListNode;
  try {
    tree = new Parser(template).parse();
  } catch (e) {
    if (e instanceof TemplateError) return { ok: false, error: `template parsing failed: ${e.message}`, line: e.line };
    return { ok: false, error: `template parsing failed: internal simulator error: ${String(e)}` };
  }
  try {
    return { ok: true, query: new Executor(template, model).run(tree) };
  } catch (e) {
    if (e instanceof TemplateError) {
      return { ok: false, error: `template excution failed: ${e.message}`, line: e.line, column: e.column };
    }
    return { ok: false, error: `template excution failed: internal simulator error: ${String(e)}` };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Errors and small helpers
// ---------------------------------------------------------------------------------------------------------------

class TemplateError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column?: number,
  ) {
    super(message);
  }
}

const TEMPLATE_NAME = 'tmpl';
const LEFT_DELIM = '{{';
const RIGHT_DELIM = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
const TRIM_MARKER_LEN = 2;
const EOF = -1;
/** Simulator guard against runaway templates (e.g. `{{ range 1000000000 }}`); Go has no such limit. */
const MAX_STEPS = 1_000_000;

const isSpace = (r: number): boolean => r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]$/u;
const isAlphaNumeric = (r: number): boolean => r === 0x5f || (r >= 0 && LETTER_OR_DIGIT.test(String.fromCodePoint(r)));
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
/** Go's `unicode.IsPrint`. */
const isPrint = (r: number): boolean => PRINTABLE.test(String.fromCodePoint(r));

function hasLeftTrimMarker(s: string, i: number): boolean {
  return i + 1 < s.length && s[i] === '-' && isSpace(s.charCodeAt(i + 1));
}
function hasRightTrimMarker(s: string, i: number): boolean {
  return i + 1 < s.length && isSpace(s.charCodeAt(i)) && s[i + 1] === '-';
}
function rightTrimLength(s: string): number {
  let n = s.length;
  while (n > 0 && isSpace(s.charCodeAt(n - 1))) n--;
  return s.length - n;
}
function leftTrimLength(s: string, from: number): number {
  let i = from;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  return i - from;
}

/** The UTF-8 encoding of a string (lone surrogates become U+FFFD, as Go would see them). */
function utf8Bytes(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    let c = ch.codePointAt(0) ?? 0;
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}
const utf8Len = (s: string): number => utf8Bytes(s).length;
const hex2 = (n: number, upper = false): string => {
  const h = n.toString(16).padStart(2, '0');
  return upper ? h.toUpperCase() : h;
};

/** Go's `strconv.Quote`. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (r >= 0x20 && r !== 0x7f && isPrint(r)) out += ch;
    else if (r === 7) out += '\\a';
    else if (r === 8) out += '\\b';
    else if (r === 12) out += '\\f';
    else if (r === 10) out += '\\n';
    else if (r === 13) out += '\\r';
    else if (r === 9) out += '\\t';
    else if (r === 11) out += '\\v';
    else if (r < 0x20 || r === 0x7f) out += '\\x' + hex2(r);
    else if (r < 0x10000) out += '\\u' + r.toString(16).padStart(4, '0');
    else out += '\\U' + r.toString(16).padStart(8, '0');
  }
  return out + '"';
}

/** Go's `%#U`. */
function goRuneU(r: number): string {
  const u = 'U+' + r.toString(16).toUpperCase().padStart(4, '0');
  return isPrint(r) ? `${u} '${String.fromCodePoint(r)}'` : u;
}

// ---------------------------------------------------------------------------------------------------------------
// Lexer (text/template/parse/lex.go semantics)
// ---------------------------------------------------------------------------------------------------------------

type ItemType =
  | 'error' | 'bool' | 'char' | 'charConstant' | 'complex' | 'assign' | 'declare' | 'eof' | 'field' | 'identifier'
  | 'leftDelim' | 'leftParen' | 'number' | 'pipe' | 'rawString' | 'rightDelim' | 'rightParen' | 'space' | 'string'
  | 'text' | 'variable'
  // keywords
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil' | 'range' | 'template' | 'with';

interface Item {
  typ: ItemType;
  pos: number;
  val: string;
  line: number;
}

const KEYWORDS: Readonly<Record<string, ItemType>> = {
  '.': 'dot', block: 'block', break: 'break', continue: 'continue', define: 'define', else: 'else', end: 'end',
  if: 'if', range: 'range', nil: 'nil', template: 'template', with: 'with',
};
const KEYWORD_TYPES = new Set<ItemType>(Object.values(KEYWORDS));

/** Go's `item.String()`, used in "unexpected X in Y" messages. */
function itemString(i: Item): string {
  if (i.typ === 'eof') return 'EOF';
  if (i.typ === 'error') return i.val;
  if (KEYWORD_TYPES.has(i.typ)) return `<${i.val}>`;
  const runes = [...i.val];
  if (runes.length > 10) return goQuote(runes.slice(0, 10).join('')) + '...';
  return goQuote(i.val);
}

type StateFn = (() => StateFn) | null;

class Lexer {
  private pos = 0;
  private start = 0;
  private atEOF = false;
  private parenDepth = 0;
  private insideAction = false;
  private item: Item | null = null;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly input: string) {
    for (let i = 0; i < input.length; i++) if (input.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** 1-based line of an input offset. */
  lineAt(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** All items up to and including EOF or the first error. */
  items(): Item[] {
    const out: Item[] = [];
    for (;;) {
      const it = this.nextItem();
      out.push(it);
      if (it.typ === 'eof' || it.typ === 'error') return out;
    }
  }

  private nextItem(): Item {
    this.item = { typ: 'eof', pos: this.pos, val: 'EOF', line: this.lineAt(this.start) };
    let state: StateFn = this.insideAction ? this.lexInsideAction : this.lexText;
    while (state !== null) state = state.call(this);
    return this.item;
  }

  private next(): number {
    if (this.pos >= this.input.length) {
      this.atEOF = true;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos) ?? 0;
    this.pos += r > 0xffff ? 2 : 1;
    return r;
  }

  private peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  private backup(): void {
    if (!this.atEOF && this.pos > 0) {
      const lo = this.input.charCodeAt(this.pos - 1);
      const isPair = lo >= 0xdc00 && lo <= 0xdfff && this.pos > 1 && this.input.charCodeAt(this.pos - 2) >= 0xd800 && this.input.charCodeAt(this.pos - 2) <= 0xdbff;
      this.pos -= isPair ? 2 : 1;
    }
  }

  private thisItem(typ: ItemType): Item {
    const it: Item = { typ, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.lineAt(this.start) };
    this.start = this.pos;
    return it;
  }

  private emit(typ: ItemType): StateFn {
    return this.emitItem(this.thisItem(typ));
  }

  private emitItem(it: Item): StateFn {
    this.item = it;
    return null;
  }

  private ignore(): void {
    this.start = this.pos;
  }

  private accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }

  private acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || !valid.includes(String.fromCodePoint(r))) break;
    }
    this.backup();
  }

  private errorf(message: string): StateFn {
    this.item = { typ: 'error', pos: this.start, val: message, line: this.lineAt(this.start) };
    this.start = this.input.length;
    this.pos = this.input.length;
    return null;
  }

  private atRightDelim(): { delim: boolean; trim: boolean } {
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT_DELIM, this.pos + TRIM_MARKER_LEN)) return { delim: true, trim: true };
    if (this.input.startsWith(RIGHT_DELIM, this.pos)) return { delim: true, trim: false };
    return { delim: false, trim: false };
  }

  private lexText(): StateFn {
    const x = this.input.indexOf(LEFT_DELIM, this.pos);
    if (x >= 0) {
      if (x > this.pos) {
        this.pos = x;
        const trim = hasLeftTrimMarker(this.input, x + LEFT_DELIM.length) ? rightTrimLength(this.input.slice(this.start, this.pos)) : 0;
        this.pos -= trim;
        const it = this.thisItem('text');
        this.pos += trim;
        this.ignore();
        if (it.val.length > 0) return this.emitItem(it);
      }
      return this.lexLeftDelim;
    }
    this.pos = this.input.length;
    if (this.pos > this.start) return this.emit('text');
    return this.emit('eof');
  }

  private lexLeftDelim(): StateFn {
    this.pos += LEFT_DELIM.length;
    const trim = hasLeftTrimMarker(this.input, this.pos);
    const afterMarker = trim ? TRIM_MARKER_LEN : 0;
    if (this.input.startsWith(LEFT_COMMENT, this.pos + afterMarker)) {
      this.pos += afterMarker;
      this.ignore();
      return this.lexComment;
    }
    const it = this.thisItem('leftDelim');
    this.insideAction = true;
    this.pos += afterMarker;
    this.ignore();
    this.parenDepth = 0;
    return this.emitItem(it);
  }

  private lexComment(): StateFn {
    this.pos += LEFT_COMMENT.length;
    const x = this.input.indexOf(RIGHT_COMMENT, this.pos);
    if (x < 0) return this.errorf('unclosed comment');
    this.pos = x + RIGHT_COMMENT.length;
    const { delim, trim } = this.atRightDelim();
    if (!delim) return this.errorf('comment ends before closing delimiter');
    if (trim) this.pos += TRIM_MARKER_LEN;
    this.pos += RIGHT_DELIM.length;
    if (trim) this.pos += leftTrimLength(this.input, this.pos);
    this.ignore();
    return this.lexText;
  }

  private lexRightDelim(): StateFn {
    const { trim } = this.atRightDelim();
    if (trim) {
      this.pos += TRIM_MARKER_LEN;
      this.ignore();
    }
    this.pos += RIGHT_DELIM.length;
    const it = this.thisItem('rightDelim');
    if (trim) {
      this.pos += leftTrimLength(this.input, this.pos);
      this.ignore();
    }
    this.insideAction = false;
    return this.emitItem(it);
  }

  private lexInsideAction(): StateFn {
    if (this.atRightDelim().delim) {
      if (this.parenDepth === 0) return this.lexRightDelim;
      return this.errorf('unclosed left paren');
    }
    const r = this.next();
    if (r === EOF) return this.errorf('unclosed action');
    if (isSpace(r)) {
      this.backup();
      return this.lexSpace;
    }
    switch (r) {
      case 0x3d: // =
        return this.emit('assign');
      case 0x3a: // :
        if (this.next() !== 0x3d) return this.errorf('expected :=');
        return this.emit('declare');
      case 0x7c: // |
        return this.emit('pipe');
      case 0x22: // "
        return this.lexQuote;
      case 0x60: // `
        return this.lexRawQuote;
      case 0x24: // $
        return this.lexVariable;
      case 0x27: // '
        return this.lexChar;
      case 0x28: // (
        this.parenDepth++;
        return this.emit('leftParen');
      case 0x29: // )
        this.parenDepth--;
        if (this.parenDepth < 0) return this.errorf('unexpected right paren');
        return this.emit('rightParen');
    }
    if (r === 0x2e) {
      // '.': a field unless a digit follows (then a number such as .5).
      if (this.pos < this.input.length) {
        const c = this.input.charCodeAt(this.pos);
        if (c < 0x30 || c > 0x39) return this.lexField;
      }
      this.backup();
      return this.lexNumber;
    }
    if (r === 0x2b || r === 0x2d || (r >= 0x30 && r <= 0x39)) {
      this.backup();
      return this.lexNumber;
    }
    if (isAlphaNumeric(r)) {
      this.backup();
      return this.lexIdentifier;
    }
    if (r <= 0x7f && r >= 0x20 && r !== 0x7f) return this.emit('char');
    return this.errorf(`unrecognized character in action: ${goRuneU(r)}`);
  }

  private lexSpace(): StateFn {
    let numSpaces = 0;
    while (isSpace(this.peek())) {
      this.next();
      numSpaces++;
    }
    if (hasRightTrimMarker(this.input, this.pos - 1) && this.input.startsWith(RIGHT_DELIM, this.pos - 1 + TRIM_MARKER_LEN)) {
      this.backup();
      if (numSpaces === 1) return this.lexRightDelim;
    }
    return this.emit('space');
  }

  private lexIdentifier(): StateFn {
    for (;;) {
      const r = this.next();
      if (isAlphaNumeric(r)) continue;
      this.backup();
      const word = this.input.slice(this.start, this.pos);
      if (!this.atTerminator()) return this.errorf(`bad character ${goRuneU(r)}`);
      const kw = KEYWORDS[word];
      if (kw !== undefined) return this.emit(kw);
      if (word === 'true' || word === 'false') return this.emit('bool');
      return this.emit('identifier');
    }
  }

  private lexField(): StateFn {
    return this.lexFieldOrVariable('field');
  }

  private lexVariable(): StateFn {
    if (this.atTerminator()) return this.emit('variable');
    return this.lexFieldOrVariable('variable');
  }

  private lexFieldOrVariable(typ: 'field' | 'variable'): StateFn {
    if (this.atTerminator()) return this.emit(typ === 'variable' ? 'variable' : 'dot');
    let r: number;
    for (;;) {
      r = this.next();
      if (!isAlphaNumeric(r)) {
        this.backup();
        break;
      }
    }
    if (!this.atTerminator()) return this.errorf(`bad character ${goRuneU(r)}`);
    return this.emit(typ);
  }

  private atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    if (r === EOF || r === 0x2e || r === 0x2c || r === 0x7c || r === 0x3a || r === 0x29 || r === 0x28) return true;
    return this.input.startsWith(RIGHT_DELIM, this.pos);
  }

  private lexChar(): StateFn {
    return this.lexQuoted(0x27, 'charConstant', 'unterminated character constant');
  }

  private lexNumber(): StateFn {
    if (!this.scanNumber()) return this.errorf(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
    const sign = this.peek();
    if (sign === 0x2b || sign === 0x2d) {
      if (!this.scanNumber() || this.input[this.pos - 1] !== 'i') {
        return this.errorf(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
      }
      return this.emit('complex');
    }
    return this.emit('number');
  }

  private scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }

  private lexQuote(): StateFn {
    return this.lexQuoted(0x22, 'string', 'unterminated quoted string');
  }

  /** A '…' or "…" literal: backslash escapes anything but a newline; a newline or EOF before the quote is an error. */
  private lexQuoted(quote: number, kind: 'charConstant' | 'string', unterminated: string): StateFn {
    for (;;) {
      let r = this.next();
      if (r === 0x5c) {
        r = this.next();
        if (r !== EOF && r !== 0x0a) continue;
        return this.errorf(unterminated);
      }
      if (r === EOF || r === 0x0a) return this.errorf(unterminated);
      if (r === quote) return this.emit(kind);
    }
  }

  private lexRawQuote(): StateFn {
    for (;;) {
      const r = this.next();
      if (r === EOF) return this.errorf('unterminated raw quoted string');
      if (r === 0x60) return this.emit('rawString');
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parse tree
// ---------------------------------------------------------------------------------------------------------------

interface ListNode { type: 'list'; pos: number; nodes: Node[] }
interface TextNode { type: 'text'; pos: number; text: string }
interface ActionNode { type: 'action'; pos: number; pipe: PipeNode }
interface ControlNode { type: 'if' | 'with' | 'range'; pos: number; pipe: PipeNode; list: ListNode; elseList: ListNode | null }
interface BranchNode { type: 'break' | 'continue'; pos: number }
interface EndOrElse { type: 'end' | 'else'; pos: number }
type Node = ListNode | TextNode | ActionNode | ControlNode | BranchNode;
const isEndOrElse = (n: Node | EndOrElse): n is EndOrElse => n.type === 'end' || n.type === 'else';

interface PipeNode { type: 'pipe'; pos: number; isAssign: boolean; decl: VariableNode[]; cmds: CommandNode[] }
interface CommandNode { type: 'command'; pos: number; args: ArgNode[] }
interface IdentifierNode { type: 'identifier'; pos: number; ident: string }
interface VariableNode { type: 'variable'; pos: number; ident: string[] }
interface FieldNode { type: 'field'; pos: number; ident: string[] }
interface ChainNode { type: 'chain'; pos: number; node: ArgNode; field: string[] }
interface DotNode { type: 'dot'; pos: number }
interface NilNode { type: 'nil'; pos: number }
interface BoolNode { type: 'bool'; pos: number; value: boolean }
interface StringNode { type: 'string'; pos: number; quoted: string; text: string }
interface NumberNode { type: 'number'; pos: number; text: string; isInt: boolean; isUint: boolean; isFloat: boolean; int: number; float: number }
type ArgNode = PipeNode | IdentifierNode | VariableNode | FieldNode | ChainNode | DotNode | NilNode | BoolNode | StringNode | NumberNode;
type PosNode = Node | ArgNode | CommandNode;

/** Go's `Node.String()` for the nodes that appear in error contexts. */
function nodeString(n: PosNode): string {
  switch (n.type) {
    case 'identifier': return n.ident;
    case 'variable': return n.ident.join('.');
    case 'field': return n.ident.map((f) => '.' + f).join('');
    case 'chain': return (n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + n.field.map((f) => '.' + f).join('');
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'bool': return String(n.value);
    case 'string': return n.quoted;
    case 'number': return n.text;
    case 'command': return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'pipe': {
      const decl = n.decl.length > 0 ? n.decl.map((d) => d.ident.join('.')).join(', ') + (n.isAssign ? ' = ' : ' := ') : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
    case 'action': return `{{${nodeString(n.pipe)}}}`;
    case 'text': return goQuote(n.text);
    case 'list': return n.nodes.map(nodeString).join('');
    case 'break': return '{{break}}';
    case 'continue': return '{{continue}}';
    case 'if':
    case 'with':
    case 'range':
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${n.elseList ? `{{else}}${nodeString(n.elseList)}` : ''}{{end}}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parser (text/template/parse/parse.go semantics)
// ---------------------------------------------------------------------------------------------------------------

const MODEL_FUNCTIONS = ['name', 'namespace', 'target', 'service', 'ingress', 'route', 'interval', 'variables'] as const;
type ModelFunction = (typeof MODEL_FUNCTIONS)[number];
const BUILTINS = ['and', 'or', 'not', 'len', 'index', 'print', 'printf', 'println', 'urlquery', 'js', 'html', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
/** Builtins Go defines that the simulator does not implement. */
const UNSUPPORTED_BUILTINS = new Set(['slice', 'call']);
const KNOWN_FUNCTIONS = new Set<string>([...MODEL_FUNCTIONS, ...BUILTINS]);
const unsupported = (what: string): string => `${what} is not supported by the GameDay simulator`;

class Parser {
  private readonly tokens: Item[];
  private i = 0;
  private furthest = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;

  constructor(text: string) {
    this.tokens = new Lexer(text).items();
  }

  parse(): ListNode {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== 'eof') {
      if (this.peek().typ === 'leftDelim') {
        const save = this.i;
        this.next();
        const kw = this.nextNonSpace();
        if (kw.typ === 'define') this.errorf(unsupported('{{define}}'));
        this.i = save;
      }
      const n = this.textOrAction();
      if (isEndOrElse(n)) return this.errorf(`unexpected {{${n.type}}}`);
      root.nodes.push(n);
    }
    return root;
  }

  // --- token stream -----------------------------------------------------------------------------------------

  private next(): Item {
    const t = this.tokens[Math.min(this.i, this.tokens.length - 1)];
    this.furthest = Math.max(this.furthest, Math.min(this.i, this.tokens.length - 1));
    this.i++;
    return t;
  }
  private backup(n = 1): void {
    this.i -= n;
  }
  private peek(): Item {
    const t = this.next();
    this.backup();
    return t;
  }
  private nextNonSpace(): Item {
    let t: Item;
    do t = this.next();
    while (t.typ === 'space');
    return t;
  }
  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  private errorf(message: string): never {
    const line = this.tokens[this.furthest].line;
    throw new TemplateError(`template: ${TEMPLATE_NAME}:${line}: ${message}`, line);
  }

  private unexpected(token: Item, context: string): never {
    if (token.typ === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${TEMPLATE_NAME}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(token)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  private expect(typ: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== typ) this.unexpected(t, context);
    return t;
  }

  // --- structure ----------------------------------------------------------------------------------------------

  private itemList(): { list: ListNode; next: EndOrElse } {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== 'eof') {
      const n = this.textOrAction();
      if (isEndOrElse(n)) return { list, next: n };
      list.nodes.push(n);
    }
    return this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndOrElse {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'text':
        return { type: 'text', pos: token.pos, text: token.val };
      case 'leftDelim': {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      default:
        return this.unexpected(token, 'input');
    }
  }

  private action(): Node | EndOrElse {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'block':
        return this.errorf(unsupported('{{block}}'));
      case 'template':
        return this.errorf(unsupported('{{template}}'));
      case 'define':
        return this.errorf(unsupported('{{define}}'));
      case 'break':
      case 'continue': {
        const t = this.nextNonSpace();
        if (t.typ !== 'rightDelim') this.unexpected(t, `{{${token.typ}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${token.typ}}} outside {{range}}`);
        return { type: token.typ, pos: token.pos };
      }
      case 'else': {
        const peek = this.peekNonSpace();
        if (peek.typ === 'if' || peek.typ === 'with') return { type: 'else', pos: peek.pos };
        return { type: 'else', pos: this.expect('rightDelim', 'else').pos };
      }
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
      case 'with':
      case 'range':
        return this.control(token.typ);
    }
    this.backup();
    const first = this.peek();
    return { type: 'action', pos: first.pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private control(context: 'if' | 'with' | 'range'): ControlNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      let parsed: { list: ListNode; next: EndOrElse };
      try {
        parsed = this.itemList();
      } finally {
        if (context === 'range') this.rangeDepth--;
      }
      const { list } = parsed;
      let next = parsed.next;
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        if (context === 'if' && this.peek().typ === 'if') {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.control('if')] };
        } else if (context === 'with' && this.peek().typ === 'with') {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.control('with')] };
        } else {
          const rest = this.itemList();
          elseList = rest.list;
          next = rest.next;
          if (next.type !== 'end') this.errorf('expected end; found {{else}}');
        }
      }
      return { type: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  // --- pipelines ------------------------------------------------------------------------------------------------

  private pipeline(context: string, end: ItemType): PipeNode {
    const pipe: PipeNode = { type: 'pipe', pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== 'variable') break;
      const save = this.i;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.typ === 'assign' || next.typ === 'declare') {
        pipe.isAssign = next.typ === 'assign';
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: v.val.split('.') });
        this.vars.push(v.val);
        break;
      }
      if (next.typ === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: v.val.split('.') });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const after = this.peekNonSpace().typ;
          if (after === 'variable' || after === 'rightDelim' || after === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.i = save;
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.typ === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (token.typ) {
        case 'bool': case 'charConstant': case 'complex': case 'dot': case 'field': case 'identifier':
        case 'number': case 'nil': case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0].type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const token = this.next();
      if (token.typ === 'space') continue;
      if (token.typ === 'rightDelim' || token.typ === 'rightParen') this.backup();
      else if (token.typ !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (node === null) return null;
    if (this.peek().typ !== 'field') return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos, ident: [...node.ident, ...fields] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        return this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
      default:
        return { type: 'chain', pos, node, field: fields };
    }
  }

  private term(): ArgNode | null {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case 'identifier':
        if (UNSUPPORTED_BUILTINS.has(token.val)) this.errorf(unsupported(`the ${goQuote(token.val)} function`));
        if (!KNOWN_FUNCTIONS.has(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { type: 'identifier', pos: token.pos, ident: token.val };
      case 'dot':
        return { type: 'dot', pos: token.pos };
      case 'nil':
        return { type: 'nil', pos: token.pos };
      case 'variable': {
        const ident = token.val.split('.');
        if (!this.vars.includes(ident[0])) this.errorf(`undefined variable ${goQuote(ident[0])}`);
        return { type: 'variable', pos: token.pos, ident };
      }
      case 'field':
        return { type: 'field', pos: token.pos, ident: token.val.slice(1).split('.') };
      case 'bool':
        return { type: 'bool', pos: token.pos, value: token.val === 'true' };
      case 'complex':
        return this.errorf(unsupported(`complex constant ${token.val}`));
      case 'charConstant':
      case 'number':
        return this.number(token);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString': {
        const text = unquote(token.val);
        if (text === null) return this.errorf('invalid syntax');
        return { type: 'string', pos: token.pos, quoted: token.val, text };
      }
    }
    this.backup();
    return null;
  }

  private number(token: Item): NumberNode {
    const n: NumberNode = { type: 'number', pos: token.pos, text: token.val, isInt: false, isUint: false, isFloat: false, int: 0, float: 0 };
    if (token.typ === 'charConstant') {
      const r = unquoteChar(token.val);
      if (r === null) return this.errorf('invalid syntax');
      if (r === 'malformed') return this.errorf(`malformed character constant: ${token.val}`);
      return { ...n, isInt: true, isUint: true, isFloat: true, int: r, float: r };
    }
    if (token.val.endsWith('i')) return this.errorf(unsupported(`imaginary constant ${token.val}`));
    const big = parseGoInt(token.val);
    if (big !== null) {
      const fitsInt = big >= -(1n << 63n) && big < 1n << 63n;
      const fitsUint = big >= 0n && big < 1n << 64n;
      if (fitsInt || fitsUint) return { ...n, isInt: fitsInt, isUint: fitsUint, isFloat: true, int: Number(big), float: Number(big) };
    }
    const f = parseGoFloat(token.val);
    if (f !== null) {
      if (!/[.eEpP]/.test(token.val)) return this.errorf(`integer overflow: ${goQuote(token.val)}`);
      const isInt = Number.isInteger(f) && Math.abs(f) < 2 ** 63;
      return { ...n, isFloat: true, float: f, isInt, int: isInt ? f : 0, isUint: isInt && f >= 0 };
    }
    return this.errorf(`illegal number syntax: ${goQuote(token.val)}`);
  }
}

/** `strconv.ParseInt(text, 0, 64)` syntax (value as BigInt, range unchecked), or null. */
function parseGoInt(text: string): bigint | null {
  const m = /^([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/.exec(text);
  if (m === null) return null;
  let body = m[2].replace(/_/g, '');
  if (/^0[0-7]+$/.test(body)) body = '0o' + body.slice(1);
  const v = BigInt(body);
  return m[1] === '-' ? -v : v;
}

/** Decodes one escape or character at `s[i]` inside a quote `q`; returns [codeUnits, nextIndex] or null. */
function unquoteOne(s: string, i: number, q: string): [string, number] | null {
  const c = s[i];
  if (c !== '\\') {
    if (c === q || c === '\n') return null;
    const cp = s.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    return [ch, i + ch.length];
  }
  const e = s[i + 1];
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
  if (e in simple) return [simple[e], i + 2];
  if (e === q && (q === '"' || q === "'")) return [q, i + 2];
  const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
  if (hexLen > 0) {
    const h = s.slice(i + 2, i + 2 + hexLen);
    if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(h)) return null;
    const v = parseInt(h, 16);
    if (e !== 'x' && (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))) return null;
    return [String.fromCodePoint(v), i + 2 + hexLen];
  }
  if (e >= '0' && e <= '7') {
    const o = s.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) return null;
    return [String.fromCharCode(parseInt(o, 8)), i + 4];
  }
  return null;
}

/** Go's `strconv.Unquote` for "…" and `…` literals (bytes ≥ 0x80 from \x/octal escapes become U+0080–U+00FF). */
function unquote(lit: string): string | null {
  if (lit.startsWith('`')) return lit.slice(1, -1).replace(/\r/g, '');
  let out = '';
  let i = 1;
  while (i < lit.length - 1) {
    const r = unquoteOne(lit, i, '"');
    if (r === null) return null;
    out += r[0];
    i = r[1];
  }
  return out;
}

/** A character constant's code point, 'malformed', or null for invalid syntax. */
function unquoteChar(lit: string): number | 'malformed' | null {
  if (lit.length < 3) return null;
  const r = unquoteOne(lit, 1, "'");
  if (r === null) return null;
  if (lit.slice(r[1]) !== "'") return 'malformed';
  return r[0].codePointAt(0) ?? 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Values and Go fmt
// ---------------------------------------------------------------------------------------------------------------

/** A Go value as the executor sees it. `invalid` is reflect.Value{} (e.g. the nil dot); `nil` is a nil interface. */
type Value =
  | { k: 'string'; v: string }
  | { k: 'int'; v: number }
  | { k: 'uint8'; v: number }
  | { k: 'float64'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'map'; v: Readonly<Record<string, string>> }
  | { k: 'nil' }
  | { k: 'invalid' };

const str = (v: string): Value => ({ k: 'string', v });
const int = (v: number): Value => ({ k: 'int', v });
const bool = (v: boolean): Value => ({ k: 'bool', v });
const INVALID: Value = { k: 'invalid' };
const NIL: Value = { k: 'nil' };

function typeName(v: Value): string {
  return v.k === 'map' ? 'map[string]string' : v.k;
}

/** fmt's default precision per float verb (-1: the shortest that round-trips). */
const FLOAT_VERB_PREC: Readonly<Record<FloatVerb, number>> = { v: -1, g: -1, G: -1, e: 6, E: 6, f: 6, F: 6 };
const isFloatVerb = (verb: string): verb is FloatVerb => Object.hasOwn(FLOAT_VERB_PREC, verb);

interface Flags { plus: boolean; minus: boolean; sharp: boolean; space: boolean; zero: boolean; width?: number; prec?: number }
const NO_FLAGS: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false };

function pad(s: string, f: Flags, numeric: boolean): string {
  const n = [...s].length;
  if (f.width === undefined || n >= f.width) return s;
  const fill = f.width - n;
  if (f.minus) return s + ' '.repeat(fill);
  if (f.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(fill) + s.slice(sign.length);
  }
  return (f.zero ? '0' : ' ').repeat(fill) + s;
}

function signed(s: string, negative: boolean, f: Flags): string {
  if (negative) return s;
  return (f.plus ? '+' : f.space ? ' ' : '') + s;
}

function formatInteger(v: number, verb: string, f: Flags): string | null {
  const neg = v < 0;
  const a = Math.abs(v);
  let body: string;
  switch (verb) {
    case 'd': case 'v': body = a.toString(); break;
    case 'x': body = a.toString(16); break;
    case 'X': body = a.toString(16).toUpperCase(); break;
    case 'o': body = a.toString(8); break;
    case 'O': body = '0o' + a.toString(8); break;
    case 'b': body = a.toString(2); break;
    case 'c': return pad(String.fromCodePoint(a), f, false);
    case 'q': return pad("'" + goQuote(String.fromCodePoint(a)).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'") + "'", f, false);
    default: return null;
  }
  if (f.sharp && (verb === 'x' || verb === 'X')) body = (verb === 'x' ? '0x' : '0X') + body;
  if (f.prec !== undefined) body = body.padStart(f.prec, '0');
  return pad(signed((neg ? '-' : '') + body, neg, f), f, f.prec === undefined);
}

/** Formats one operand like fmt's printArg; null means a bad verb for the type. */
function formatArg(v: Value, verb: string, f: Flags): string | null {
  switch (v.k) {
    case 'invalid':
    case 'nil':
      return verb === 'v' ? pad('<nil>', f, false) : null;
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(v.v), f, false) : null;
    case 'int':
    case 'uint8':
      return formatInteger(v.v, verb, f);
    case 'float64': {
      if (!isFloatVerb(verb)) return null;
      const s = formatFloat(v.v, verb, f.prec ?? FLOAT_VERB_PREC[verb]);
      const neg = s.startsWith('-');
      return pad(Number.isFinite(v.v) || Number.isNaN(v.v) ? signed(s, neg, f) : s, f, Number.isFinite(v.v));
    }
    case 'string': {
      let s = v.v;
      if (f.prec !== undefined && (verb === 's' || verb === 'q' || verb === 'v')) s = [...s].slice(0, f.prec).join('');
      switch (verb) {
        case 'v': case 's': return pad(s, f, false);
        case 'q': return pad(goQuote(s), f, false);
        case 'x': case 'X': {
          const h = utf8Bytes(s).map((b) => hex2(b, verb === 'X')).join('');
          return pad(h, f, false);
        }
        default: return null;
      }
    }
    case 'map': {
      const keys = Object.keys(v.v).sort();
      const parts = keys.map((k) => `${formatOrBad(str(k), verb, NO_FLAGS)}:${formatOrBad(str(v.v[k]), verb, NO_FLAGS)}`);
      return pad(`map[${parts.join(' ')}]`, f, false);
    }
  }
}

function formatOrBad(v: Value, verb: string, f: Flags): string {
  const s = formatArg(v, verb, f);
  if (s !== null) return s;
  if (v.k === 'nil' || v.k === 'invalid') return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatArg(v, 'v', NO_FLAGS)})`;
}

const isStringValue = (v: Value): boolean => v.k === 'string';

/** fmt.Sprint: spaces between operands when neither is a string. */
function sprint(args: Value[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && !isStringValue(a) && !isStringValue(args[i - 1])) out += ' ';
    out += formatOrBad(a, 'v', NO_FLAGS);
  });
  return out;
}

/** fmt.Sprintln: always spaces, then a newline. */
function sprintln(args: Value[]): string {
  return args.map((a) => formatOrBad(a, 'v', NO_FLAGS)).join(' ') + '\n';
}

/** fmt.Sprintf for flags `+-# 0`, width, precision and verbs v s q d x X o O b c t e E f F g G %. */
function sprintf(format: string, args: Value[]): string {
  let out = '';
  let argNum = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const f: Flags = { ...NO_FLAGS };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '+') f.plus = true;
      else if (c === '-') f.minus = true;
      else if (c === '#') f.sharp = true;
      else if (c === ' ') f.space = true;
      else if (c === '0') f.zero = !f.minus;
      else break;
    }
    const w = /^[0-9]+/.exec(format.slice(i));
    if (w !== null) {
      f.width = Number(w[0]);
      i += w[0].length;
    }
    if (format[i] === '.') {
      i++;
      const p = /^[0-9]+/.exec(format.slice(i));
      f.prec = p === null ? 0 : Number(p[0]);
      if (p !== null) i += p[0].length;
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) ?? 0);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOrBad(args[argNum++], verb, f);
  }
  if (argNum < args.length) {
    out += '%!(EXTRA ' + args.slice(argNum).map((a) => (a.k === 'nil' || a.k === 'invalid' ? '<nil>' : `${typeName(a)}=${formatOrBad(a, 'v', NO_FLAGS)}`)).join(', ') + ')';
  }
  return out;
}

/** url.QueryEscape. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (b === 0x20) out += '+';
    else out += '%' + hex2(b, true);
  }
  return out;
}

/** template.HTMLEscapeString. */
function htmlEscape(s: string): string {
  const m: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\0': '\uFFFD' };
  return s.replace(/["'&<>\0]/g, (c) => m[c]);
}

/** template.JSEscapeString. */
function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    const m: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };
    if (m[ch] !== undefined) out += m[ch];
    else if (r < 0x20) out += '\\u00' + hex2(r, true);
    else if (r < 0x80 || isPrint(r)) out += ch;
    else out += '\\u' + r.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Executor (text/template/exec.go and funcs.go semantics)
// ---------------------------------------------------------------------------------------------------------------

class BreakSignal {}
class ContinueSignal {}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

/** A function's Go signature, for argument-count checks and typing of arguments. */
interface Signature { fixed: number; variadic: boolean; firstIsString?: boolean }
const SIGNATURES: Readonly<Record<string, Signature>> = {
  ...Object.fromEntries(MODEL_FUNCTIONS.map((n) => [n, { fixed: 0, variadic: false }])),
  and: { fixed: 1, variadic: true }, or: { fixed: 1, variadic: true }, not: { fixed: 1, variadic: false },
  len: { fixed: 1, variadic: false }, index: { fixed: 1, variadic: true },
  print: { fixed: 0, variadic: true }, println: { fixed: 0, variadic: true }, printf: { fixed: 1, variadic: true, firstIsString: true },
  urlquery: { fixed: 0, variadic: true }, js: { fixed: 0, variadic: true }, html: { fixed: 0, variadic: true },
  eq: { fixed: 1, variadic: true }, ne: { fixed: 2, variadic: false }, lt: { fixed: 2, variadic: false },
  le: { fixed: 2, variadic: false }, gt: { fixed: 2, variadic: false }, ge: { fixed: 2, variadic: false },
};

/** Functions whose Go parameters are `any` (an invalid value arrives as a nil interface). */
const ANY_PARAMS = new Set(['print', 'println', 'printf', 'urlquery', 'js', 'html']);

class FuncError {
  constructor(readonly message: string) {}
}

function isTrue(v: Value): boolean {
  switch (v.k) {
    case 'invalid': case 'nil': return false;
    case 'bool': return v.v;
    case 'string': return v.v.length > 0;
    case 'map': return Object.keys(v.v).length > 0;
    case 'int': case 'uint8': case 'float64': return v.v !== 0;
  }
}

type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';
function basicKind(v: Value): BasicKind {
  switch (v.k) {
    case 'bool': return 'bool';
    case 'int': return 'int';
    case 'uint8': return 'uint';
    case 'float64': return 'float';
    case 'string': return 'string';
    default: return 'invalid';
  }
}
const ERR_BAD_COMPARISON = 'incompatible types for comparison';
const ERR_BAD_COMPARISON_TYPE = 'invalid type for comparison';

function goEq(a: Value, rest: Value[]): boolean {
  if (rest.length === 0) throw new FuncError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const b of rest) {
    const k2 = basicKind(b);
    let truth = false;
    if (k1 !== k2) {
      if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) truth = (a as { v: number }).v === (b as { v: number }).v;
      else if (a.k !== 'invalid' && a.k !== 'nil' && b.k !== 'invalid' && b.k !== 'nil') throw new FuncError(ERR_BAD_COMPARISON);
    } else if (k1 === 'invalid') {
      if (a.k === 'map' || b.k === 'map') {
        if (a.k === 'map' && b.k === 'map') throw new FuncError(`non-comparable type ${formatOrBad(b, 'v', NO_FLAGS)}: map[string]string`);
        truth = false;
      } else truth = true; // nil == nil
    } else truth = (a as { v: unknown }).v === (b as { v: unknown }).v;
    if (truth) return true;
  }
  return false;
}

function goLt(a: Value, b: Value): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new FuncError(ERR_BAD_COMPARISON_TYPE);
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return (a as { v: number }).v < (b as { v: number }).v;
    throw new FuncError(ERR_BAD_COMPARISON);
  }
  if (k1 === 'bool') throw new FuncError(ERR_BAD_COMPARISON_TYPE);
  if (k1 === 'string') return (a as { v: string }).v < (b as { v: string }).v;
  return (a as { v: number }).v < (b as { v: number }).v;
}

function goIndex(item: Value, indexes: Value[]): Value {
  if (item.k === 'invalid' || item.k === 'nil') throw new FuncError('index of untyped nil');
  let cur: Value = item;
  for (const ix of indexes) {
    if (cur.k === 'string') {
      let x: number;
      if (ix.k === 'int' || ix.k === 'uint8') x = ix.v;
      else if (ix.k === 'invalid' || ix.k === 'nil') throw new FuncError('cannot index slice/array with nil');
      else throw new FuncError(`cannot index slice/array with type ${typeName(ix)}`);
      const bytes = utf8Bytes(cur.v);
      if (x < 0 || x > bytes.length) throw new FuncError(`index out of range: ${x}`);
      if (x === bytes.length) throw new FuncError('reflect: string index out of range');
      cur = { k: 'uint8', v: bytes[x] };
    } else if (cur.k === 'map') {
      if (ix.k === 'invalid' || ix.k === 'nil') throw new FuncError('value is nil; should be of type string');
      if (ix.k !== 'string') throw new FuncError(`value has type ${typeName(ix)}; should be string`);
      cur = str(Object.prototype.hasOwnProperty.call(cur.v, ix.v) ? cur.v[ix.v] : '');
    } else throw new FuncError(`can't index item of type ${typeName(cur)}`);
  }
  return cur;
}

function goLen(v: Value): number {
  if (v.k === 'string') return utf8Len(v.v);
  if (v.k === 'map') return Object.keys(v.v).length;
  if (v.k === 'invalid' || v.k === 'nil') throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  throw new FuncError(`len of type ${typeName(v)}`);
}

/** template's evalArgs for urlquery/js/html: a lone string as is, else fmt.Sprint with <no value> for nil. */
function evalArgsText(args: Value[]): string {
  if (args.length === 1 && args[0].k === 'string') return args[0].v;
  return sprint(args.map((a) => (a.k === 'nil' || a.k === 'invalid' ? str('<no value>') : a)));
}

interface Variable { name: string; value: Value }

class Executor {
  private node: PosNode | null = null;
  private vars: Variable[] = [];
  private steps = 0;
  private out = '';
  private readonly lexer: Lexer;

  constructor(
    private readonly text: string,
    private readonly model: MetricTemplateModel,
  ) {
    this.lexer = new Lexer(text);
  }

  run(root: ListNode): string {
    this.vars = [{ name: '$', value: INVALID }];
    this.walk(INVALID, root);
    return this.out;
  }

  private at(n: PosNode): void {
    this.node = n;
  }

  private errorf(message: string): never {
    if (this.node === null) throw new TemplateError(`template: ${TEMPLATE_NAME}: ${message}`, 1);
    const pos = this.node.pos;
    const before = this.text.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const column = utf8Len(before.slice(nl + 1));
    const line = this.lexer.lineAt(pos);
    throw new TemplateError(
      `template: ${TEMPLATE_NAME}:${line}:${column}: executing ${goQuote(TEMPLATE_NAME)} at <${nodeString(this.node)}>: ${message}`,
      line,
      column,
    );
  }

  private step(): void {
    if (++this.steps > MAX_STEPS) this.errorf(`simulator limit of ${MAX_STEPS} evaluation steps exceeded`);
  }

  // --- walking ----------------------------------------------------------------------------------------------

  private walk(dot: Value, node: Node): void {
    this.step();
    this.at(node);
    switch (node.type) {
      case 'text':
        this.out += node.text;
        return;
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'range':
        return this.walkRange(dot, node);
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  private walkIfOrWith(dot: Value, node: ControlNode): void {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) this.walk(node.type === 'with' ? val : dot, node.list);
      else if (node.elseList !== null) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: Value, r: ControlNode): void {
    this.at(r);
    const outer = this.vars.length;
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.vars.length;
      const decl = r.pipe.decl;
      const one = (index: Value, elem: Value): boolean => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0].ident[0], decl.length > 1 ? index : elem);
          else this.vars[this.vars.length - 1].value = elem;
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1].ident[0], elem);
          else this.vars[this.vars.length - 2].value = index;
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.vars.length = mark;
        }
        return true;
      };
      let iterated = false;
      switch (val.k) {
        case 'map':
          for (const k of Object.keys(val.v).sort()) {
            iterated = true;
            if (!one(str(k), str(val.v[k]))) return;
          }
          if (iterated) return;
          break;
        case 'int':
        case 'uint8':
          if (decl.length > 1) this.errorf(`can't use ${val.v} to iterate over more than one variable`);
          for (let i = 0; i < val.v; i++) {
            this.step();
            iterated = true;
            if (!one(int(i), int(i))) return;
          }
          if (iterated) return;
          break;
        case 'invalid':
        case 'nil':
          break;
        default:
          this.errorf(`range can't iterate over ${formatOrBad(val, 'v', NO_FLAGS)}`);
      }
      if (r.elseList !== null) this.walk(dot, r.elseList);
    } finally {
      this.vars.length = outer;
    }
  }

  private printValue(node: ActionNode, v: Value): void {
    this.at(node);
    this.out += v.k === 'invalid' || v.k === 'nil' ? '<no value>' : formatOrBad(v, 'v', NO_FLAGS);
  }

  // --- variables --------------------------------------------------------------------------------------------

  private setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return this.errorf(`undefined variable: ${name}`);
  }

  // --- evaluation -------------------------------------------------------------------------------------------

  private evalPipeline(dot: Value, pipe: PipeNode): Value {
    this.at(pipe);
    let value: Value | undefined;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      if (value.k === 'nil') value = INVALID;
    }
    const result = value ?? INVALID;
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], result);
      else this.vars.push({ name: v.ident[0], value: result });
    }
    return result;
  }

  private evalCommand(dot: Value, cmd: CommandNode, final: Value | undefined): Value {
    this.step();
    const first = cmd.args[0];
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool': return bool(first.value);
      case 'dot': return dot;
      case 'nil': return this.errorf('nil is not a command');
      case 'number': return this.idealConstant(first);
      case 'string': return str(first.text);
    }
  }

  private notAFunction(args: ArgNode[], final: Value | undefined): void {
    if (args.length > 1 || final !== undefined) this.errorf(`can't give argument to non-function ${nodeString(args[0])}`);
  }

  private idealConstant(n: NumberNode): Value {
    this.at(n);
    const isHexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !isHexInt && !n.text.startsWith("'") && /[.eEpP]/.test(n.text)) return { k: 'float64', v: n.float };
    if (n.isInt) return int(n.int);
    if (n.isUint) return this.errorf(`${n.text} overflows int`);
    return INVALID;
  }

  private evalFieldNode(dot: Value, field: FieldNode, args: ArgNode[], final: Value | undefined): Value {
    this.at(field);
    return this.evalFieldChain(dot, field.ident, args, final);
  }

  private evalChainNode(dot: Value, chain: ChainNode, args: ArgNode[], final: Value | undefined): Value {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, chain.node);
    return this.evalFieldChain(pipe, chain.field, args, final);
  }

  private evalVariableNode(dot: Value, variable: VariableNode, args: ArgNode[], final: Value | undefined): Value {
    this.at(variable);
    const value = this.varValue(variable.ident[0]);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(value, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(receiver: Value, ident: string[], args: ArgNode[], final: Value | undefined): Value {
    let r = receiver;
    ident.forEach((name, i) => {
      const last = i === ident.length - 1;
      r = this.evalField(name, last ? args : [], last ? final : undefined, r);
    });
    return r;
  }

  private evalField(fieldName: string, args: ArgNode[], final: Value | undefined, receiver: Value): Value {
    // Go's missingkey=error: a nil receiver is a missing map key.
    if (receiver.k === 'invalid' || receiver.k === 'nil') return this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
    const hasArgs = args.length > 1 || final !== undefined;
    if (receiver.k === 'map') {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      if (!Object.prototype.hasOwnProperty.call(receiver.v, fieldName)) this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
      return str(receiver.v[fieldName]);
    }
    return this.errorf(`can't evaluate field ${fieldName} in type ${typeName(receiver)}`);
  }

  private evalFunction(dot: Value, node: IdentifierNode, cmd: PosNode, args: ArgNode[], final: Value | undefined): Value {
    this.at(node);
    return this.evalCall(dot, node.ident, cmd, args, final);
  }

  /** Evaluates an argument node (Go's evalArg for reflect.Value / any parameters). */
  private evalArg(dot: Value, n: ArgNode): Value {
    this.at(n);
    switch (n.type) {
      case 'dot': return dot;
      case 'nil': return INVALID;
      case 'field': return this.evalFieldNode(dot, n, [n], undefined);
      case 'variable': return this.evalVariableNode(dot, n, [], undefined);
      case 'pipe': return this.evalPipeline(dot, n);
      case 'identifier': return this.evalFunction(dot, n, n, [n], undefined);
      case 'chain': return this.evalChainNode(dot, n, [], undefined);
      case 'bool': return bool(n.value);
      case 'number': return this.idealConstant(n);
      case 'string': return str(n.text);
    }
  }

  /** Evaluates printf's `format string` parameter with Go's typed-argument rules. */
  private evalStringArg(dot: Value, n: ArgNode): string {
    this.at(n);
    switch (n.type) {
      case 'string': return n.text;
      case 'bool': case 'number': return this.errorf(`expected string; found ${nodeString(n)}`);
      case 'nil': return this.errorf('cannot assign nil to string');
    }
    return this.validateString(this.evalArg(dot, n));
  }

  private validateString(v: Value): string {
    if (v.k === 'string') return v.v;
    if (v.k === 'invalid' || v.k === 'nil') return this.errorf('invalid value; expected string');
    return this.errorf(`wrong type for value; expected string; got ${typeName(v)}`);
  }

  private evalCall(dot: Value, name: string, node: PosNode, argNodes: ArgNode[], final: Value | undefined): Value {
    const sig = SIGNATURES[name];
    const args = argNodes.slice(1);
    const numIn = args.length + (final !== undefined ? 1 : 0);
    if (sig.variadic) {
      if (numIn < sig.fixed) this.errorf(`wrong number of args for ${name}: want at least ${sig.fixed} got ${args.length}`);
    } else if (numIn !== sig.fixed) this.errorf(`wrong number of args for ${name}: want ${sig.fixed} got ${numIn}`);

    if (name === 'and' || name === 'or') {
      let v: Value = INVALID;
      for (const a of args) {
        v = this.evalArg(dot, a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      return final !== undefined ? final : v;
    }

    const values: Value[] = [];
    let format = '';
    args.forEach((a, i) => {
      if (i === 0 && sig.firstIsString) format = this.evalStringArg(dot, a);
      else values.push(this.evalArg(dot, a));
    });
    if (final !== undefined) {
      if (sig.firstIsString && args.length === 0) format = this.validateString(final);
      else values.push(final);
    }
    const params = ANY_PARAMS.has(name) ? values.map((v) => (v.k === 'invalid' ? NIL : v)) : values;
    try {
      return this.callBuiltin(name, format, params);
    } catch (e) {
      if (!(e instanceof FuncError)) throw e;
      this.at(node);
      return this.errorf(`error calling ${name}: ${e.message}`);
    }
  }

  private callBuiltin(name: string, format: string, a: Value[]): Value {
    const m = this.model;
    switch (name as ModelFunction | (typeof BUILTINS)[number]) {
      case 'name': return str(m.name);
      case 'namespace': return str(m.namespace);
      case 'target': return str(m.target);
      case 'service': return str(m.service);
      case 'ingress': return str(m.ingress);
      case 'route': return str(m.route);
      case 'interval': return str(m.interval);
      case 'variables': return { k: 'map', v: m.variables };
      case 'not': return bool(!isTrue(a[0]));
      case 'len': return int(goLen(a[0]));
      case 'index': return goIndex(a[0], a.slice(1));
      case 'print': return str(sprint(a));
      case 'println': return str(sprintln(a));
      case 'printf': return str(sprintf(format, a));
      case 'urlquery': return str(queryEscape(evalArgsText(a)));
      case 'js': return str(jsEscape(evalArgsText(a)));
      case 'html': return str(htmlEscape(evalArgsText(a)));
      case 'eq': return bool(goEq(a[0], a.slice(1)));
      case 'ne': return bool(!goEq(a[0], [a[1]]));
      case 'lt': return bool(goLt(a[0], a[1]));
      case 'le': return bool(goLt(a[0], a[1]) || goEq(a[0], [a[1]]));
      case 'gt': return bool(!(goLt(a[0], a[1]) || goEq(a[0], [a[1]])));
      case 'ge': return bool(!goLt(a[0], a[1]));
      case 'and':
      case 'or':
        break;
    }
    throw new FuncError(`internal: no implementation for ${name}`);
  }
}
