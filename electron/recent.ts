import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../cli/host';

/**
 * Recently opened scenario files (File ▸ Open Recent, the library's "recent"
 * entries): most recent first, no duplicates, at most `max`, kept as JSON in
 * the user-data directory (`recent.json`). A missing or damaged file starts
 * an empty list; files that no longer exist drop out when the list loads.
 */

export const RECENT_MAX = 10;

export interface RecentOptions {
  max?: number;
  /** Whether a listed file still exists (default: the file system). */
  exists?: (path: string) => boolean;
  /** Writes the JSON (default: atomically, creating the directory). */
  write?: (file: string, text: string) => void;
  /** The identity two paths share when they are the same file (default: resolved; case-folded on Windows and macOS). */
  key?: (path: string) => string;
}

const defaultKey = (p: string) => {
  const r = resolve(p);
  return process.platform === 'win32' || process.platform === 'darwin' ? r.toLowerCase() : r;
};

const defaultWrite = (file: string, text: string) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, text);
};

export class RecentFiles {
  private files: string[] = [];
  private readonly max: number;
  private readonly exists: (path: string) => boolean;
  private readonly write: (file: string, text: string) => void;
  private readonly key: (path: string) => string;

  constructor(
    private readonly storeFile: string,
    options: RecentOptions = {},
  ) {
    this.max = options.max ?? RECENT_MAX;
    this.exists = options.exists ?? existsSync;
    this.write = options.write ?? defaultWrite;
    this.key = options.key ?? defaultKey;
  }

  /** Reads the store; returns the list (existing files only). */
  load(): string[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.storeFile, 'utf8'));
    } catch {
      parsed = null;
    }
    const raw = parsed && typeof parsed === 'object' && Array.isArray((parsed as { files?: unknown }).files) ? (parsed as { files: unknown[] }).files : [];
    this.files = [];
    for (const f of raw) if (typeof f === 'string' && f.length > 0 && this.exists(f)) this.push(f);
    return this.list();
  }

  list(): string[] {
    return [...this.files];
  }

  has(path: string): boolean {
    const k = this.key(path);
    return this.files.some((f) => this.key(f) === k);
  }

  /** Puts `path` first (once), drops the oldest beyond the cap, saves. */
  add(path: string): string[] {
    const k = this.key(path);
    this.files = [path, ...this.files.filter((f) => this.key(f) !== k)].slice(0, this.max);
    this.persist();
    return this.list();
  }

  remove(path: string): string[] {
    const k = this.key(path);
    const before = this.files.length;
    this.files = this.files.filter((f) => this.key(f) !== k);
    if (this.files.length !== before) this.persist();
    return this.list();
  }

  clear(): string[] {
    this.files = [];
    this.persist();
    return [];
  }

  private push(path: string): void {
    if (this.files.length < this.max && !this.has(path)) this.files.push(path);
  }

  private persist(): void {
    try {
      this.write(this.storeFile, `${JSON.stringify({ version: 1, files: this.files }, null, 2)}\n`);
    } catch {
      // The list is a convenience: a read-only profile keeps it in memory for this session.
    }
  }
}
