import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// Probes are written to a temporary directory whose node_modules links to the repository's, so that a layer's
// `types` (node, electron-types) and the JSX runtime resolve as they do for the layer's own files.
const probes = mkdtempSync(join(tmpdir(), 'tsconfig-'));
symlinkSync(join(root, 'node_modules'), join(probes, 'node_modules'), 'junction');
afterAll(() => {
  unlinkSync(join(probes, 'node_modules'));
  rmSync(probes, { recursive: true, force: true });
});

function parse(config: string): ts.ParsedCommandLine {
  const parsed = ts.getParsedCommandLineOfConfigFile(config, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!parsed) throw new Error(`${config} did not parse`);
  expect(parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  return parsed;
}

// The libraries' declarations (lib.dom.d.ts, @types/node, …), parsed once for all the probes: every layer has the same target and module options.
const parsedFiles = new Map<string, ts.SourceFile | undefined>();
function cachingHost(options: ts.CompilerOptions): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (fileName, ...rest) => {
    if (fileName.startsWith(probes) && !fileName.includes('node_modules')) return getSourceFile(fileName, ...rest);
    if (!parsedFiles.has(fileName)) parsedFiles.set(fileName, getSourceFile(fileName, ...rest));
    return parsedFiles.get(fileName);
  };
  return host;
}

/** Type-checks one file with a layer's compiler options (its own files and references left out) and returns the error messages. */
function errorsWith(config: string, code: string, file = 'probe.ts'): string[] {
  const dir = mkdtempSync(join(probes, 'layer-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', file), code);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(root, config), files: [], include: ['src/**/*'] }));
  const parsed = parse(join(dir, 'tsconfig.json'));
  expect(parsed.fileNames.map((f) => relative(dir, f).split(sep).join('/'))).toEqual([`src/${file}`]);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host: cachingHost(parsed.options) });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** The probe's names: Node's, the DOM's, both (setTimeout), and ES2022 (Array.prototype.at), which every layer has. */
const probe = 'export const a = typeof process;\nexport const b = document.title;\nexport const c = setTimeout;\nexport const d = [1, 2].at(-1);\n';
const missing = (name: string) => expect.stringMatching(new RegExp(`Cannot find name '${name}'`));

/** What each layer's project sees: Node's types, the DOM (`false`: it must not). */
const layers = [
  { config: 'tsconfig.simulation.json', node: false, dom: false },
  { config: 'tsconfig.host-api.json', node: false, dom: true },
  { config: 'tsconfig.cli.json', node: true, dom: false },
  { config: 'tsconfig.electron.json', node: true, dom: true },
  { config: 'tsconfig.renderer.json', node: false, dom: true },
  { config: 'tsconfig.test.json', node: true, dom: true },
];

/** The ambient types a project is checked with: Node's (`types`), the DOM (`lib`). */
function sees(parsed: ts.ParsedCommandLine): { node: boolean; dom: boolean } {
  return { node: (parsed.options.types ?? []).includes('node'), dom: (parsed.options.lib ?? []).some((l) => /^lib\.dom\./i.test(l)) };
}

describe('per-layer TypeScript configurations', () => {
  it('simulation/ sees neither Node nor DOM globals', () => {
    const errors = errorsWith('tsconfig.simulation.json', probe);
    expect(errors).toContainEqual(missing('process'));
    expect(errors).toContainEqual(missing('document'));
    expect(errors).toContainEqual(missing('setTimeout'));
    expect(errors).toHaveLength(3); // ES2022 (`at`) is there
  });

  it('cli/ sees Node globals but not the DOM', () => {
    const errors = errorsWith('tsconfig.cli.json', probe);
    expect(errors.some((e) => /'process'/.test(e))).toBe(false);
    expect(errors).toEqual([missing('document')]);
  });

  it('electron/host-api.ts, the contract the renderer imports, sees the DOM but not Node globals', () => {
    expect(errorsWith('tsconfig.host-api.json', probe)).toEqual([missing('process')]);
  });

  it("electron/ sees Node globals, the DOM and Electron's API types", () => {
    expect(errorsWith('tsconfig.electron.json', probe)).toEqual([]);
    expect(errorsWith('tsconfig.electron.json', "import { app } from 'electron';\nexport const name: string = app.getName();\n")).toEqual([]);
  });

  it('renderer/ sees the DOM and JSX but not Node globals', () => {
    expect(errorsWith('tsconfig.renderer.json', probe)).toEqual([missing('process')]);
    expect(errorsWith('tsconfig.renderer.json', 'export const title = <h1>{document.title}</h1>;\n', 'probe.tsx')).toEqual([]);
  });

  it('test/ sees Node globals and the DOM', () => {
    expect(errorsWith('tsconfig.test.json', probe)).toEqual([]);
  });

  // `npm run typecheck` checks each project once (tsc --build): a layer sees the layers it references only through their
  // declarations, compiled with the referenced project's own types. A referenced project that sees Node's types or the
  // DOM where the referencing layer must not could carry them into it (and its declarations could name types the layer
  // cannot resolve, which skipLibCheck would let pass as any).
  it('a layer references only projects that see no more than it may', () => {
    for (const layer of layers) {
      const parsed = parse(join(root, layer.config));
      expect({ config: layer.config, ...sees(parsed) }).toEqual({ config: layer.config, node: layer.node, dom: layer.dom });
      const pending = [...(parsed.projectReferences ?? []).map((r) => r.path)];
      for (const seen = new Set<string>(); pending.length > 0; ) {
        const path = pending.pop()!;
        if (seen.has(path)) continue;
        seen.add(path);
        const ref = parse(path);
        const name = `${layer.config} → ${relative(root, path)}`;
        const refSees = sees(ref);
        expect({ name, node: refSees.node && !layer.node, dom: refSees.dom && !layer.dom }).toEqual({ name, node: false, dom: false });
        pending.push(...(ref.projectReferences ?? []).map((r) => r.path));
      }
    }
  });

  it('tsconfig.json builds every layer, and every TypeScript file is in exactly one project', () => {
    const solution = parse(join(root, 'tsconfig.json'));
    expect(solution.fileNames).toEqual([]);
    const referenced = (solution.projectReferences ?? []).map((r) => relative(root, r.path)).sort();
    expect(referenced).toEqual(layers.map((l) => l.config).sort());
    expect(readdirSync(root).filter((f) => /^tsconfig\..+\.json$/.test(f) && f !== 'tsconfig.base.json').sort()).toEqual(referenced);

    const projectsOf = new Map<string, string[]>();
    for (const config of referenced) {
      for (const file of parse(join(root, config)).fileNames) {
        const key = relative(root, file).split(sep).join('/');
        projectsOf.set(key, [...(projectsOf.get(key) ?? []), config]);
      }
    }
    const sources = ['simulation', 'cli', 'electron', 'renderer', 'test', 'scripts']
      .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => `${dir}/${f.split(sep).join('/')}`))
      .filter((f) => /\.(tsx?|d\.mts)$/.test(f))
      .concat(['vitest.config.ts', 'playwright.config.ts']);
    const notOnce = sources.filter((f) => projectsOf.get(f)?.length !== 1).map((f) => `${f}: ${(projectsOf.get(f) ?? []).join(', ') || 'no project'}`);
    expect(notOnce).toEqual([]);
  });
});
