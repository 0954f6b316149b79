import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from 'yaml';
import type { Diagnostic } from './diagnostics';

/** One YAML document of a file, with a way to find where a field path sits. */
export interface SourceDocument {
  file: string;
  /** 0-based index of the document within its file. */
  index: number;
  value: unknown;
  /** Line and column (1-based) of the node at `path`, or of its nearest existing ancestor. */
  locate(path: ReadonlyArray<string | number>, key?: boolean): { line: number; column: number };
  /**
   * Where the node at `path` sits in the file's text: its start, the end of its value and the end of the node
   * (Unicode code units, as the `yaml` library counts them); null when there is no node there.
   */
  range?(path: ReadonlyArray<string | number>): readonly [number, number, number] | null;
}

/** A document as `parseYamlFile` reads it: located, and with its nodes and its file's text at hand. */
export interface ParsedDocument extends SourceDocument {
  /** The file's whole text. */
  text: string;
  /** The node at a path (null when absent). */
  node(path: ReadonlyArray<string | number>): Node | null;
  /** Line and column (1-based) of an offset in the file's text. */
  position(offset: number): { line: number; column: number };
  range(path: ReadonlyArray<string | number>): readonly [number, number, number] | null;
}

/** The key and value nodes of `seg` within `node` (a mapping's key, or a sequence's index). */
function child(node: Node, seg: string | number): { keyNode: Node | null; next: Node | null } {
  if (isMap(node)) {
    for (const item of node.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === String(seg)) return { keyNode: item.key as Node, next: (item.value as Node | null) ?? null };
    }
  } else if (isSeq(node) && typeof seg === 'number') return { keyNode: null, next: (node.items[seg] as Node | undefined) ?? null };
  return { keyNode: null, next: null };
}

/** Parses every document of a YAML file; syntax errors come back as diagnostics. */
export function parseYamlFile(file: string, text: string): { documents: ParsedDocument[]; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  const documents: ParsedDocument[] = [];
  const position = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    for (const e of [...doc.errors, ...doc.warnings]) {
      const pos = lineCounter.linePos(e.pos[0]);
      diagnostics.push({
        severity: doc.errors.includes(e as never) ? 'error' : 'warning',
        file,
        line: pos.line,
        column: pos.col,
        path: '',
        message: `YAML: ${firstLine(e.message)}`,
      });
    }
    if (doc.errors.length > 0) return;
    const contents = doc.contents as Node | null;
    if (contents === null) return; // empty document (e.g. a trailing ---)
    const docStart = lineCounter.linePos(contents.range?.[0] ?? 0);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // e.g. an alias with no anchor, or an alias bomb beyond maxAliasCount
      diagnostics.push({ severity: 'error', file, line: docStart.line, column: docStart.col, path: '', message: `YAML: ${firstLine((e as Error).message)}` });
      return;
    }
    const nodeAt = (path: ReadonlyArray<string | number>): Node | null => {
      let node: Node | null = contents;
      for (const seg of path) {
        node = child(node, seg).next;
        if (!node) return null;
      }
      return node;
    };
    documents.push({
      file,
      index,
      value,
      text,
      position,
      node: nodeAt,
      locate(path, key = false) {
        let node: Node = contents;
        let best = node.range?.[0] ?? 0;
        for (const seg of path) {
          const { keyNode, next } = child(node, seg);
          if (!next) {
            // A key without a value: its key is the nearest thing there is.
            if (keyNode) best = keyNode.range?.[0] ?? best;
            break;
          }
          node = next;
          best = (key && keyNode ? keyNode.range?.[0] : node.range?.[0]) ?? best;
        }
        const p = lineCounter.linePos(best);
        return p.line > 0 ? { line: p.line, column: p.col } : { line: docStart.line, column: docStart.col };
      },
      range: (path) => nodeAt(path)?.range ?? null,
    });
  });
  return { documents, diagnostics };
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

/** A YAML mapping (not null, not a list). */
export function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A document whose top is a mapping (a manifest, a Scenario). */
export type MappingDocument = ParsedDocument & { value: Record<string, unknown> };

/**
 * The documents of a YAML file of manifests (or a Scenario) whose top is a mapping; the file's syntax problems and
 * every other document ("expected a mapping with apiVersion and kind") go to `diagnostics`.
 */
export function mappingDocuments(file: string, text: string, diagnostics: Diagnostic[]): MappingDocument[] {
  const parsed = parseYamlFile(file, text);
  diagnostics.push(...parsed.diagnostics);
  const out: MappingDocument[] = [];
  for (const doc of parsed.documents) {
    if (isMapping(doc.value)) out.push(doc as MappingDocument);
    else diagnostics.push({ severity: 'error', file, ...doc.locate([]), path: '', message: 'expected a mapping with apiVersion and kind at the top of the document' });
  }
  return out;
}
