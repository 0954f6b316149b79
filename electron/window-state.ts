import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../cli/host';

/**
 * The main window's bounds and maximized state, remembered between launches
 * (`window-state.json` in the user-data directory) and brought back onto a
 * display that is still there: a window last seen on a disconnected monitor
 * reopens centred on the primary display, one larger than its display
 * shrinks to fit.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 800, height: 560 };
/** How much of a window must lie on a display for it to stay where it was. */
const MIN_VISIBLE = { width: 160, height: 80 };

const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/** A saved state as read back (null when it is not one). */
export function parseWindowState(value: unknown): WindowState | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as { bounds?: Partial<Rect>; maximized?: unknown };
  const b = v.bounds;
  if (!b || !finite(b.x) || !finite(b.y) || !finite(b.width) || !finite(b.height) || b.width <= 0 || b.height <= 0) return null;
  return { bounds: { x: b.x, y: b.y, width: b.width, height: b.height }, maximized: v.maximized === true };
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

function centred(size: { width: number; height: number }, area: Rect): Rect {
  const width = Math.min(size.width, area.width);
  const height = Math.min(size.height, area.height);
  return { x: Math.round(area.x + (area.width - width) / 2), y: Math.round(area.y + (area.height - height) / 2), width, height };
}

/**
 * Where the window opens: `saved` kept on the display it mostly lies on
 * (shrunk to that display's work area and moved fully inside it), or
 * centred on the primary display when it lies on none (or nothing was saved).
 * `workAreas` are the displays' work areas; `primary` is the primary one's.
 */
export function clampToDisplays(saved: WindowState | null, workAreas: Rect[], primary: Rect): WindowState {
  const size = (w: number, h: number, area: Rect) => ({
    width: Math.round(Math.min(Math.max(w, Math.min(MIN_SIZE.width, area.width)), area.width)),
    height: Math.round(Math.min(Math.max(h, Math.min(MIN_SIZE.height, area.height)), area.height)),
  });
  if (!saved) return { bounds: centred(size(DEFAULT_SIZE.width, DEFAULT_SIZE.height, primary), primary), maximized: false };
  const b = saved.bounds;
  let best: Rect | null = null;
  let bestArea = 0;
  for (const area of workAreas) {
    const o = overlap(b, area);
    if (o.width >= Math.min(MIN_VISIBLE.width, b.width) && o.height >= Math.min(MIN_VISIBLE.height, b.height) && o.width * o.height > bestArea) {
      best = area;
      bestArea = o.width * o.height;
    }
  }
  if (!best) return { bounds: centred(size(b.width, b.height, primary), primary), maximized: saved.maximized };
  const s = size(b.width, b.height, best);
  const x = Math.round(Math.min(Math.max(b.x, best.x), best.x + best.width - s.width));
  const y = Math.round(Math.min(Math.max(b.y, best.y), best.y + best.height - s.height));
  return { bounds: { x, y, ...s }, maximized: saved.maximized };
}

export function loadWindowState(file: string): WindowState | null {
  try {
    return parseWindowState(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}

export function saveWindowState(file: string, state: WindowState): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
  } catch {
    // Remembering the window is a convenience: an unwritable profile opens it at the default place next time.
  }
}

/** The parts of a BrowserWindow the tracker uses. */
export interface TrackedWindow {
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isMinimized(): boolean;
  isDestroyed(): boolean;
}

/**
 * Saves the window's state after it moves or resizes (debounced) and when it
 * closes. The bounds are the normal (unmaximized) ones, so a maximized
 * window restores to its previous size.
 */
export function trackWindowState(win: TrackedWindow, save: (state: WindowState) => void, debounceMs = 500): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const capture = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (win.isDestroyed() || win.isMinimized()) return;
    save({ bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(capture, debounceMs);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('maximize', capture);
  win.on('unmaximize', capture);
  win.on('close', capture);
  return capture;
}
