// Bundles the Node entry points with esbuild: the CLI and the benchmarks.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const banner = { js: "import { createRequire as __gamedayCreateRequire } from 'node:module'; const require = __gamedayCreateRequire(import.meta.url);" };
const common = { banner, define: { __GAMEDAY_VERSION__: JSON.stringify(version) }, bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: true, logLevel: 'warning' };
await Promise.all([
  build({ ...common, entryPoints: ['cli/bin.ts'], outfile: 'dist/cli/gameday.js' }),
  build({ ...common, entryPoints: ['test/bench/bench.ts'], outfile: 'dist/bench/bench.js' }),
]);
