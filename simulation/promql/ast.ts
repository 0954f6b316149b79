/**
 * The PromQL syntax tree the evaluator runs: built from the official
 * grammar's parse tree (@prometheus-io/lezer-promql, Prometheus 2.42) and
 * type-checked as Prometheus' parser checks it. Durations and times are
 * milliseconds. Every node keeps its [start, end) offsets in the query text.
 */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export interface Span {
  start: number;
  end: number;
}

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** `@` modifier: a fixed time (ms), or the range's start or end. */
export type AtModifier = { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' } | null;

export interface NumberLiteral extends Span {
  type: 'number';
  value: number;
}

export interface StringLiteral extends Span {
  type: 'string';
  value: string;
}

export interface VectorSelector extends Span {
  type: 'vectorSelector';
  /** The metric name written before the braces, or null (it may be a __name__ matcher). */
  name: string | null;
  /** All matchers, including the one for a written metric name (__name__ = name). */
  matchers: LabelMatcher[];
  offset: number;
  at: AtModifier;
}

export interface MatrixSelector extends Span {
  type: 'matrixSelector';
  vector: VectorSelector;
  range: number;
}

export interface Subquery extends Span {
  type: 'subquery';
  expr: Expr;
  range: number;
  /** Resolution; 0 means the global default evaluation interval. */
  step: number;
  offset: number;
  at: AtModifier;
}

export interface Call extends Span {
  type: 'call';
  func: string;
  args: Expr[];
}

export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'stddev' | 'stdvar' | 'quantile' | 'topk' | 'bottomk' | 'count_values' | 'group';

export interface Aggregate extends Span {
  type: 'aggregate';
  op: AggregateOp;
  expr: Expr;
  /** The parameter of quantile, topk, bottomk, count_values. */
  param: Expr | null;
  grouping: string[];
  without: boolean;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '==' | '!=' | '>' | '<' | '>=' | '<=' | 'and' | 'or' | 'unless' | 'atan2';

export interface VectorMatching {
  card: 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';
  /** `on(...)` when true, `ignoring(...)` when false (an absent modifier is ignoring()). */
  on: boolean;
  labels: string[];
  /** group_left / group_right extra labels. */
  include: string[];
}

export interface Binary extends Span {
  type: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  /** Comparison with `bool`. */
  bool: boolean;
  /** Set when both sides are instant vectors. */
  matching: VectorMatching | null;
}

export interface Unary extends Span {
  type: 'unary';
  op: '-' | '+';
  expr: Expr;
}

export interface Paren extends Span {
  type: 'paren';
  expr: Expr;
}

export type Expr = NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | Subquery | Call | Aggregate | Binary | Unary | Paren;

/** The value type an expression evaluates to. */
export function typeOf(e: Expr): ValueType {
  switch (e.type) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vectorSelector':
      return 'vector';
    case 'matrixSelector':
    case 'subquery':
      return 'matrix';
    case 'call':
      return FUNCTION_RETURN[e.func] ?? 'vector';
    case 'aggregate':
      return 'vector';
    case 'binary':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'unary':
    case 'paren':
      return typeOf(e.expr);
  }
}

/** Functions whose result is not an instant vector. */
const FUNCTION_RETURN: Record<string, ValueType> = { scalar: 'scalar', time: 'scalar', pi: 'scalar' };
