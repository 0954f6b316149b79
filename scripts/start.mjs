// `npm start`: builds everything, then runs the desktop app (Electron) on the
// default scenario, or on the files given: `npm start -- my.gameday.yaml`.
//
// Electron is an optional dependency: its install downloads a binary, and
// where that failed (offline) npm left the package out. This script then
// tries once to install it (the binary comes with it); when that fails too it
// says so in one line and exits with 1 — `npm run start:web` runs the same app
// in a browser without Electron.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const INSTALL_TIMEOUT_MS = 180_000;
const OFFLINE = 'gameday: the Electron binary could not be downloaded (offline?); run "npm run start:web" to use the app in a browser';

const fail = (line) => {
  console.error(line);
  process.exit(1);
};

// 1. Build (the renderer, the main process, the preload and the simulation worker).
const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) fail('gameday: the build failed (see above)');

// The environment Electron runs in: never as plain Node.
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;

/** The Electron executable inside a dist directory (what ELECTRON_OVERRIDE_DIST_PATH names). */
function executableIn(dist) {
  const name = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
  return join(dist, name);
}

/** The installed electron package's binary (its own lookup, in a fresh process), or null. */
function installedElectron() {
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write(String(require('electron')))"], { cwd: root, env, encoding: 'utf8' });
  const path = r.status === 0 ? r.stdout.trim() : '';
  return path && existsSync(path) ? path : null;
}

function findElectron() {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const exe = executableIn(override);
    if (!existsSync(exe)) fail(`gameday: ELECTRON_OVERRIDE_DIST_PATH is set, but there is no Electron executable at ${exe}`);
    return exe;
  }
  return installedElectron();
}

/** One attempt to install the electron package (which downloads its binary). */
function installElectron() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = pkg.optionalDependencies?.electron;
  if (!version) return false;
  // Through the npm that runs this script when there is one (npm start), else the npm on the PATH.
  const npmCli = process.env.npm_execpath;
  const [cmd, pre] = npmCli && /\.(c|m)?js$/.test(npmCli) ? [process.execPath, [npmCli]] : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
  const r = spawnSync(cmd, [...pre, 'install', '--no-save', '--no-audit', '--no-fund', `electron@${version}`], {
    cwd: root,
    env,
    stdio: 'ignore',
    timeout: INSTALL_TIMEOUT_MS,
    shell: process.platform === 'win32' && cmd.endsWith('.cmd'),
  });
  return r.status === 0;
}

// 2. Find Electron, installing it once when it is missing.
let electron = findElectron();
if (!electron) {
  if (!installElectron()) fail(OFFLINE);
  electron = installedElectron();
  if (!electron) fail(OFFLINE);
}

// 3. Run the app: on the files given (relative to where npm was run), or the default scenario.
const cwd = process.env.INIT_CWD ?? process.cwd();
const files = process.argv.slice(2).map((f) => (f.startsWith('-') ? f : resolve(cwd, f)));
const child = spawn(electron, [root, ...(files.length > 0 ? files : [join(root, 'scenarios/default.yaml')])], { cwd: process.cwd(), env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (e) => fail(`gameday: could not start Electron (${electron}): ${e.message}`));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
