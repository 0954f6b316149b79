import { yamlLanguage } from '@codemirror/lang-yaml';
import { HighlightStyle, LanguageSupport } from '@codemirror/language';
import { type Input, parseMixed, type SyntaxNode, type SyntaxNodeRef } from '@lezer/common';
import { tags as t } from '@lezer/highlight';
import { LanguageType, promQLLanguage } from '@prometheus-io/codemirror-promql';

/**
 * YAML with PromQL inside: the values of `query:` (MetricTemplates, Canary
 * metrics) and of an SLO's `indicator.ratio.bad` / `.good` / `.total` are
 * parsed as PromQL (the official lezer grammar, through
 * @prometheus-io/codemirror-promql's language — no completion, no remote
 * Prometheus) and mounted into the YAML tree, so they highlight as PromQL.
 */

const promql = promQLLanguage(LanguageType.PromQL);

const RATIO_KEYS = new Set(['bad', 'good', 'total']);

function unquote(s: string): string {
  const v = s.trim();
  return (v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")) ? v.slice(1, -1) : v;
}

/** The key of a Pair node, as text. */
function keyOf(pair: SyntaxNode, input: Input): string | null {
  const key = pair.getChild('Key');
  return key ? unquote(input.read(key.from, key.to)) : null;
}

/** The Pair a value node belongs to (through a block scalar's, tag's or anchor's wrapper). */
function pairOf(node: SyntaxNode): SyntaxNode | null {
  for (let n: SyntaxNode | null = node.parent; n; n = n.parent) {
    if (n.name === 'Pair') return n;
    if (n.name !== 'BlockLiteral' && n.name !== 'Tagged' && n.name !== 'Anchored') return null;
  }
  return null;
}

/** Keys of the Pairs enclosing `pair`, innermost first (sequence items are skipped). */
function keyPath(pair: SyntaxNode, input: Input, depth: number): string[] {
  const out: string[] = [];
  for (let n: SyntaxNode | null = pair; n && out.length < depth; n = n.parent) {
    if (n.name === 'Pair') out.push(keyOf(n, input) ?? '');
  }
  return out;
}

/** Whether a YAML value at this key path holds PromQL. */
export function isPromqlPath(path: readonly string[]): boolean {
  if (path[0] === 'query') return true;
  return RATIO_KEYS.has(path[0]) && path[1] === 'ratio' && path[2] === 'indicator';
}

const wrap = parseMixed((ref: SyntaxNodeRef, input: Input) => {
  const name = ref.name;
  if (name !== 'Literal' && name !== 'QuotedLiteral' && name !== 'BlockLiteralContent') return null;
  const node = ref.node;
  if (node.parent?.name === 'Key') return null;
  const pair = pairOf(node);
  if (!pair || !isPromqlPath(keyPath(pair, input, 3))) return null;
  if (name === 'QuotedLiteral') {
    if (ref.to - ref.from < 2) return null;
    return { parser: promql.parser, overlay: [{ from: ref.from + 1, to: ref.to - 1 }] };
  }
  return { parser: promql.parser };
});

/** The YAML language with PromQL fields nested. */
export const scenarioLanguage = yamlLanguage.configure({ wrap }, 'yaml-gameday');

export function scenarioYaml(): LanguageSupport {
  return new LanguageSupport(scenarioLanguage);
}

/**
 * Token colours as CSS variables (editor.css defines them per theme), so the
 * highlighting follows the app's light and dark themes without reconfiguring.
 */
export const highlightStyle = HighlightStyle.define([
  { tag: t.definition(t.propertyName), color: 'var(--cm-key)' },
  { tag: [t.string, t.special(t.string)], color: 'var(--cm-string)' },
  { tag: t.content, color: 'var(--cm-value)' },
  { tag: t.number, color: 'var(--cm-number)' },
  { tag: [t.comment, t.lineComment], color: 'var(--cm-comment)', fontStyle: 'italic' },
  { tag: [t.meta, t.separator, t.punctuation], color: 'var(--cm-punct)' },
  { tag: [t.labelName, t.typeName], color: 'var(--cm-label)' },
  { tag: [t.keyword, t.operatorKeyword, t.modifier], color: 'var(--cm-keyword)', fontWeight: '600' },
  { tag: t.function(t.variableName), color: 'var(--cm-function)' },
  { tag: t.variableName, color: 'var(--cm-metric)' },
  { tag: [t.operator, t.logicOperator, t.arithmeticOperator], color: 'var(--cm-operator)' },
  { tag: [t.paren, t.squareBracket, t.brace], color: 'var(--cm-punct)' },
  { tag: t.attributeValue, color: 'var(--cm-string)' },
  { tag: t.invalid, color: 'var(--cm-invalid)' },
]);
