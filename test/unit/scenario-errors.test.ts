import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../simulation/scenario/diagnostics';
import { loadScenario } from '../../simulation/scenario/loader';

/**
 * The corpus of broken scenarios: each file states, in "# expect:" header
 * lines, diagnostics that must be reported as "line:column: path: message…"
 * (a prefix of the formatted diagnostic after the file name).
 */
const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/broken');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('scenario validation errors', () => {
  it('has a corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s', (name) => {
    const path = join(dir, name);
    const text = readFileSync(path, 'utf8');
    const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
    expect(expected.length).toBeGreaterThan(0);
    const r = loadScenario(name, { readFile: (p) => (p === name ? text : null) });
    expect(r.ok).toBe(false);
    const got = r.diagnostics.map((d) => formatDiagnostic(d).slice(name.length + 1));
    for (const e of expected) {
      expect(got.some((g) => g.startsWith(e)), `expected a diagnostic starting with\n  ${e}\ngot\n  ${got.join('\n  ')}`).toBe(true);
    }
    // Never a stack trace or an internal error in a message.
    for (const g of got) expect(g).not.toMatch(/\bat .*\.ts:\d+|TypeError|undefined is not/);
  });
});
