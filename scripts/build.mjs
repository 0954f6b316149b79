// Bundles every entry point with esbuild: the CLI and the benchmarks (Node),
// the desktop shell (Electron main, preload, simulation worker) and the
// renderer (browser app and its web worker, with the bundled scenarios).
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const banner = { js: "import { createRequire as __gamedayCreateRequire } from 'node:module'; const require = __gamedayCreateRequire(import.meta.url);" };
const define = { __GAMEDAY_VERSION__: JSON.stringify(version) };
const common = { banner, define, bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: true, logLevel: 'warning' };

/**
 * Every file under scenarios/ (YAML, and the recordings replayed sweeps read: any file in a `recordings`
 * directory), keyed by its path from the repository root: the web build's library.
 */
function bundledScenarios() {
  const out = {};
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const file = relative(root, path).split(sep).join('/');
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(name) || /(^|\/)recordings\//.test(file)) out[file] = readFileSync(path, 'utf8');
    }
  };
  walk(join(root, 'scenarios'));
  return out;
}

/** `import files from 'virtual:scenarios'`: the bundled scenario files as a path → text map. */
const scenariosPlugin = {
  name: 'scenarios',
  setup(b) {
    b.onResolve({ filter: /^virtual:scenarios$/ }, () => ({ path: 'scenarios', namespace: 'virtual' }));
    b.onLoad({ filter: /.*/, namespace: 'virtual' }, () => ({ contents: `export default ${JSON.stringify(bundledScenarios())};`, loader: 'js' }));
  },
};

const browser = { bundle: true, platform: 'browser', format: 'esm', target: ['chrome120'], sourcemap: true, logLevel: 'warning', define: { ...define, 'process.env.NODE_ENV': '"production"' }, jsx: 'automatic', minify: true };
const electronNode = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning', define, external: ['electron'] };

mkdirSync(join(root, 'dist/renderer'), { recursive: true });
await Promise.all([
  build({ ...common, entryPoints: ['cli/bin.ts'], outfile: 'dist/cli/gameday.js' }),
  build({ ...common, entryPoints: ['cli/sweep-worker.ts'], outfile: 'dist/cli/sweep-worker.js' }),
  build({ ...common, entryPoints: ['test/bench/bench.ts'], outfile: 'dist/bench/bench.js' }),
  build({ ...browser, entryPoints: ['renderer/main.tsx'], outfile: 'dist/renderer/app.js' }),
  build({ ...browser, entryPoints: ['renderer/worker.ts'], outfile: 'dist/renderer/worker.js', plugins: [scenariosPlugin] }),
  build({ ...electronNode, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' }),
  build({ ...electronNode, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' }),
  build({ ...electronNode, entryPoints: ['electron/sim-worker.ts'], outfile: 'dist/electron/sim-worker.cjs' }),
  build({ ...electronNode, entryPoints: ['electron/sweep-worker.ts'], outfile: 'dist/electron/sweep-worker.cjs' }),
  build({ ...browser, entryPoints: ['renderer/sweep-worker.ts'], outfile: 'dist/renderer/sweep-worker.js', plugins: [scenariosPlugin] }),
]);
for (const f of ['index.html']) copyFileSync(join(root, 'renderer', f), join(root, 'dist/renderer', f));
