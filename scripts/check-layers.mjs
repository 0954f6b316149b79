// The layering check: fails when an import crosses the architecture's layers
// (docs/architecture.md). Usage: node scripts/check-layers.mjs [rootDir]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** npm packages the pure simulation layer may use (no DOM, no Node). */
export const SIMULATION_PACKAGES = ['seedrandom', 'yaml', 'zod', '@prometheus-io/lezer-promql', '@lezer/common', '@lezer/lr'];

const LAYERS = ['simulation', 'cli', 'electron', 'renderer'];
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

/** Which top-level folders each layer may import from (value imports). */
const MAY_IMPORT = {
  simulation: ['simulation'],
  cli: ['simulation', 'cli'],
  electron: ['simulation', 'cli', 'electron'],
  renderer: ['simulation', 'renderer'],
};

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Why `from` may not import `spec` (null when allowed). */
function verdict(fromLayer, spec, targetLayer, typeOnly) {
  if (targetLayer !== undefined) {
    if (MAY_IMPORT[fromLayer].includes(targetLayer)) return null;
    if (fromLayer === 'renderer' && targetLayer === 'electron' && typeOnly) return null;
    if (targetLayer === null) return 'outside the layered folders';
    return fromLayer === 'renderer' && targetLayer === 'electron'
      ? 'the renderer may use only types from electron/, with `import type`'
      : `${targetLayer}/ is not a layer below ${fromLayer}/`;
  }
  const isBuiltin = NODE_BUILTINS.has(spec) || spec.startsWith('node:');
  const pkg = packageName(spec);
  if (fromLayer === 'simulation') {
    if (isBuiltin) return 'Node APIs are not available in the simulation layer';
    if (!SIMULATION_PACKAGES.includes(pkg)) return `package ${pkg} is not allowed in simulation/ (allowed: ${SIMULATION_PACKAGES.join(', ')})`;
    return null;
  }
  if (fromLayer === 'renderer') {
    if (isBuiltin) return 'Node APIs are not available in the browser';
    if (pkg === 'electron') return 'the renderer reaches the host only through the typed host API';
    return null;
  }
  if (fromLayer === 'cli' && pkg === 'electron') return 'the CLI runs without Electron';
  return null;
}

/** Imports of a file: { spec, line, column, typeOnly }. */
export function importsOf(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out = [];
  const add = (node, lit, typeOnly) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(lit.getStart(sf));
    out.push({ spec: lit.text, line: line + 1, column: character + 1, typeOnly });
    void node;
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      // Only `import type` is erased: under verbatimModuleSyntax (tsconfig.base.json),
      // `import { type X } from 'm'` compiles to `import {} from 'm'`, which still loads m.
      add(node, node.moduleSpecifier, !!node.importClause?.isTypeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function walk(dir, files) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return files;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, files);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) files.push(p);
  }
  return files;
}

/** Checks every source file under the layered folders of `root`. */
export function checkLayers(root) {
  const violations = [];
  let count = 0;
  for (const layer of LAYERS) {
    for (const file of walk(join(root, layer), [])) {
      count++;
      for (const imp of importsOf(file, readFileSync(file, 'utf8'))) {
        let target;
        if (imp.spec.startsWith('.') || imp.spec.startsWith('/')) {
          const rel = relative(root, resolve(dirname(file), imp.spec));
          const top = rel.split(sep)[0];
          target = rel.startsWith('..') ? null : LAYERS.includes(top) ? top : null;
        }
        const why = verdict(layer, imp.spec, target, imp.typeOnly);
        if (why) violations.push({ file: relative(root, file), line: imp.line, column: imp.column, layer, spec: imp.spec, reason: why });
      }
    }
  }
  return { files: count, violations };
}

export function formatViolation(v) {
  return `${v.file}:${v.line}:${v.column}: layer ${v.layer} may not import "${v.spec}" (${v.reason})`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? process.cwd());
  const { files, violations } = checkLayers(root);
  for (const v of violations) process.stderr.write(`${formatViolation(v)}\n`);
  if (violations.length > 0) {
    process.stderr.write(`layers: ${violations.length} violation${violations.length === 1 ? '' : 's'} in ${files} files (see docs/architecture.md)\n`);
    process.exit(1);
  }
  process.stdout.write(`layers: ${files} files, no violations\n`);
}
