import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Files the app is asked to open: on Windows and Linux they arrive on the
 * command line (a file association launches `GameDay Simulator file.gameday.yaml`),
 * on macOS as `open-file` events; a second launch forwards its command line
 * to the running instance (the single-instance lock).
 */

/**
 * The scenario file named on a command line, resolved against `cwd`: the
 * last argument that is not an option and names a YAML file (a path or a
 * file:// URL). `skip` is how
 * many leading arguments are the executable (and, unpackaged, the app path).
 */
export function scenarioFromArgv(argv: readonly string[], cwd: string, skip: number): string | null {
  let found: string | null = null;
  let optionsEnded = false;
  for (const arg of argv.slice(skip)) {
    if (!optionsEnded && arg === '--') {
      optionsEnded = true;
      continue;
    }
    if (!optionsEnded && arg.startsWith('-')) continue;
    // Linux desktop files pass `%U`: a file manager may hand over a file:// URL.
    let path = arg;
    if (/^file:\/\//i.test(arg)) {
      try {
        path = fileURLToPath(arg);
      } catch {
        continue;
      }
    }
    if (/\.ya?ml$/i.test(path)) found = isAbsolute(path) ? resolve(path) : resolve(cwd, path);
  }
  return found;
}

/** Leading arguments that are not the user's: the executable, and the app path when run as `electron <app>`. */
export function argvSkip(defaultApp: boolean): number {
  return defaultApp ? 2 : 1;
}

/**
 * Holds files asked for before the window can take them (macOS sends
 * `open-file` before `ready`), then hands them over in order.
 */
export class OpenQueue {
  private queued: string[] = [];
  private target: ((file: string) => void) | null = null;

  push(file: string): void {
    if (this.target) this.target(file);
    else this.queued.push(file);
  }

  /** The first queued file (opened with the window), without delivering it. */
  takeFirst(): string | null {
    return this.queued.shift() ?? null;
  }

  /** From now on files go to `target`; queued ones are delivered now. */
  attach(target: (file: string) => void): void {
    this.target = target;
    const q = this.queued;
    this.queued = [];
    for (const f of q) target(f);
  }

  detach(): void {
    this.target = null;
  }
}
