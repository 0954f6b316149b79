// Bundles the Node entry points with esbuild: the CLI and the benchmarks.
import { build } from 'esbuild';

const banner = { js: "import { createRequire as __gamedayCreateRequire } from 'node:module'; const require = __gamedayCreateRequire(import.meta.url);" };
const common = { banner, bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: true, logLevel: 'warning' };
await Promise.all([
  build({ ...common, entryPoints: ['cli/bin.ts'], outfile: 'dist/cli/gameday.js' }),
  build({ ...common, entryPoints: ['test/bench/bench.ts'], outfile: 'dist/bench/bench.js' }),
]);
