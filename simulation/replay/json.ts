/**
 * A JSON reader that keeps where every value starts, so the importers can
 * name the line and column of a bad field (`JSON.parse` only knows where the
 * syntax breaks). RFC 8259, nothing more: no comments, no trailing commas.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

export type JsonNode =
  | { kind: 'object'; at: number; entries: Array<[string, JsonNode]> }
  | { kind: 'array'; at: number; items: JsonNode[] }
  | { kind: 'string'; at: number; value: string }
  | { kind: 'number'; at: number; value: number; text: string }
  | { kind: 'boolean'; at: number; value: boolean }
  | { kind: 'null'; at: number };

export type JsonParse = { ok: true; node: JsonNode; end: number } | { ok: false; at: number; message: string };

class JsonSyntax extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;
/** Nesting deeper than this is refused (a Prometheus answer is 5 levels deep). */
const MAX_DEPTH = 64;

/** Parses one JSON value starting at `from` (leading whitespace allowed); `end` is just after it and its trailing whitespace. */
export function parseJson(text: string, from = 0): JsonParse {
  let pos = from;
  const skip = () => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.exec(text);
    pos = WHITESPACE.lastIndex;
  };
  const describe = (i: number) => (i >= text.length ? 'the end of the text' : `${JSON.stringify(text[i])}`);

  const string = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    for (;;) {
      if (pos >= text.length) throw new JsonSyntax(start, 'unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        pos++;
        return out;
      }
      if (c < 0x20) throw new JsonSyntax(pos, 'control character in a string (escape it)');
      if (c !== 0x5c) {
        // Copy the run up to the next quote or backslash at once.
        let j = pos + 1;
        while (j < text.length) {
          const d = text.charCodeAt(j);
          if (d === 0x22 || d === 0x5c || d < 0x20) break;
          j++;
        }
        out += text.slice(pos, j);
        pos = j;
        continue;
      }
      const e = text[pos + 1];
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e !== undefined && e in simple) {
        out += simple[e];
        pos += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
        out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
        pos += 6;
      } else {
        throw new JsonSyntax(pos, `invalid escape ${JSON.stringify(text.slice(pos, pos + 2))} in a string`);
      }
    }
  };

  const value = (depth: number): JsonNode => {
    skip();
    const at = pos;
    if (depth > MAX_DEPTH) throw new JsonSyntax(at, `nested more than ${MAX_DEPTH} levels deep`);
    const c = text[pos];
    if (c === '{') {
      pos++;
      const entries: Array<[string, JsonNode]> = [];
      skip();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', at, entries };
      }
      for (;;) {
        skip();
        if (text[pos] !== '"') throw new JsonSyntax(pos, `expected a string key, found ${describe(pos)}`);
        const key = string();
        skip();
        if (text[pos] !== ':') throw new JsonSyntax(pos, `expected ":" after the key, found ${describe(pos)}`);
        pos++;
        entries.push([key, value(depth + 1)]);
        skip();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return { kind: 'object', at, entries };
        }
        throw new JsonSyntax(pos, `expected "," or "}" in an object, found ${describe(pos)}`);
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonNode[] = [];
      skip();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', at, items };
      }
      for (;;) {
        items.push(value(depth + 1));
        skip();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return { kind: 'array', at, items };
        }
        throw new JsonSyntax(pos, `expected "," or "]" in an array, found ${describe(pos)}`);
      }
    }
    if (c === '"') return { kind: 'string', at, value: string() };
    for (const [word, node] of [
      ['true', { kind: 'boolean', at, value: true }],
      ['false', { kind: 'boolean', at, value: false }],
      ['null', { kind: 'null', at }],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return node;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m && m[0] !== '-') {
      pos = NUMBER.lastIndex;
      return { kind: 'number', at, value: Number(m[0]), text: m[0] };
    }
    throw new JsonSyntax(pos, `expected a JSON value, found ${describe(pos)}`);
  };

  try {
    const node = value(0);
    skip();
    return { ok: true, node, end: pos };
  } catch (e) {
    if (e instanceof JsonSyntax) return { ok: false, at: e.at, message: e.message };
    throw e;
  }
}

/** A member of an object node, or undefined. */
export function member(node: JsonNode, key: string): JsonNode | undefined {
  if (node.kind !== 'object') return undefined;
  for (const [k, v] of node.entries) if (k === key) return v;
  return undefined;
}

/** Line and column (1-based) of offsets in a text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  locate(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
}
