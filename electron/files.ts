import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';

/**
 * Scenario files on disk: atomic saves, size-limited reads, the dialogs'
 * filters, and the path forms the renderer sees (forward slashes, because
 * the scenario loader resolves includes with POSIX paths).
 */

/** The largest scenario file the shell reads or writes (the IPC text limit is the same). */
export const MAX_SCENARIO_BYTES = 4 * 1024 * 1024;

/** Scenario files as the dialogs filter them. macOS matches only an extension's last part, so `gameday.yaml` is left out there. */
export function scenarioFilters(platform: NodeJS.Platform): Array<{ name: string; extensions: string[] }> {
  const yaml = { name: 'YAML files', extensions: ['yaml', 'yml'] };
  const all = { name: 'All files', extensions: ['*'] };
  return platform === 'darwin' ? [yaml, all] : [{ name: 'GameDay scenarios', extensions: ['gameday.yaml'] }, yaml, all];
}

export function isYamlFile(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/** The form the renderer and the scenario loader see: forward slashes (Windows accepts them). */
export function toPortablePath(path: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? path.replace(/\\/g, '/') : path;
}

/**
 * A bundled scenario path (`scenarios/…`, POSIX, inside scenarios/, YAML) in
 * normal form, or null when `file` is not one.
 */
export function bundledScenarioPath(file: string): string | null {
  if (file.includes('\\') || file.includes('\0') || posix.isAbsolute(file)) return null;
  const n = posix.normalize(file);
  return n.startsWith('scenarios/') && !n.split('/').includes('..') && isYamlFile(n) ? n : null;
}

/** An absolute file path in the platform's form (resolved, `.` and `..` gone), or null for a relative one. */
export function absoluteFilePath(file: string): string | null {
  if (file.includes('\0') || !isAbsolute(file)) return null;
  return resolve(file);
}

/** Reads a text file, refusing directories and files over `maxBytes`. */
export async function readTextFile(path: string, maxBytes = MAX_SCENARIO_BYTES): Promise<string> {
  const st = await fsp.stat(path);
  if (!st.isFile()) throw new Error(`${path} is not a file`);
  if (st.size > maxBytes) throw new Error(`${path} is too large (${st.size} bytes; the limit is ${maxBytes})`);
  return fsp.readFile(path, 'utf8');
}

/** The file-system calls an atomic save makes; tests substitute failing ones. */
export interface SaveFs {
  realpath(path: string): Promise<string>;
  stat(path: string): Promise<{ mode: number }>;
  open(path: string, flags: string, mode: number): Promise<SaveHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Flushes a directory entry (best effort: not every platform can). */
  syncDir(path: string): Promise<void>;
}

export interface SaveHandle {
  writeFile(data: string, encoding: 'utf8'): Promise<void>;
  chmod(mode: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export const nodeSaveFs: SaveFs = {
  realpath: (p) => fsp.realpath(p),
  stat: (p) => fsp.stat(p),
  open: (p, flags, mode) => fsp.open(p, flags, mode),
  rename: (a, b) => fsp.rename(a, b),
  unlink: (p) => fsp.unlink(p),
  async syncDir(p) {
    const h = await fsp.open(p, fsConstants.O_RDONLY);
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  },
};

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code === 'ENOENT';

/** The temporary file a save writes first: hidden, beside the target, unique. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Saves `text` to `path` atomically: writes a new temporary file in the same
 * directory, flushes it to disk, then renames it over the target (through a
 * symbolic link to the file it points at; the old file's permissions kept).
 * Any failure removes the temporary file and leaves the previous content in
 * place; the error says which step failed.
 */
export async function saveAtomic(path: string, text: string, fs: SaveFs = nodeSaveFs): Promise<void> {
  let target = path;
  try {
    target = await fs.realpath(path);
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
  // A new file gets the default permissions (the umask applies); a replaced one keeps its own.
  let mode: number | null = null;
  try {
    mode = (await fs.stat(target)).mode & 0o7777;
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
  const tmp = tempPathFor(target);
  let handle: SaveHandle | null = null;
  let renamed = false;
  try {
    handle = await fs.open(tmp, 'wx', mode ?? 0o666);
    await handle.writeFile(text, 'utf8');
    if (mode !== null) await handle.chmod(mode);
    await handle.sync();
    const h = handle;
    handle = null;
    await h.close();
    await fs.rename(tmp, target);
    renamed = true;
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    if (!renamed) await fs.unlink(tmp).catch(() => undefined);
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`could not save ${path}: ${why}`, { cause: e });
  }
  // The rename is durable once the directory is flushed; a platform that cannot flush one (Windows) still has the new file.
  await fs.syncDir(dirname(target)).catch(() => undefined);
}
