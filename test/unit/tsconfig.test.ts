import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Type-checks one file with a layer's tsconfig and returns the error messages. */
function errorsWith(config: string, code: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tsconfig-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/probe.ts'), code);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(root, config), include: ['src/**/*.ts'] }));
  const parsed = ts.getParsedCommandLineOfConfigFile(join(dir, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!parsed) throw new Error('tsconfig did not parse');
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, typeRoots: [join(root, 'node_modules/@types')] });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('per-layer TypeScript configurations', () => {
  const probe = 'export const a = typeof process;\nexport const b = document.title;\nexport const c = setTimeout;\nexport const d = [1, 2].at(-1);\n';

  it('simulation/ sees neither Node nor DOM globals', () => {
    const errors = errorsWith('tsconfig.simulation.json', probe);
    expect(errors).toContainEqual(expect.stringMatching(/Cannot find name 'process'/));
    expect(errors).toContainEqual(expect.stringMatching(/Cannot find name 'document'/));
    expect(errors).toContainEqual(expect.stringMatching(/Cannot find name 'setTimeout'/));
    expect(errors.some((e) => /at/.test(e) && /Property 'at'/.test(e))).toBe(false); // ES2022 is there
  });

  it('cli/ sees Node globals but not the DOM', () => {
    const errors = errorsWith('tsconfig.cli.json', probe);
    expect(errors.some((e) => /'process'/.test(e))).toBe(false);
    expect(errors).toContainEqual(expect.stringMatching(/Cannot find name 'document'/));
  });
});
