import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RecentFiles } from '../../electron/recent';
import { clampToDisplays, DEFAULT_SIZE, loadWindowState, parseWindowState, type Rect, saveWindowState, trackWindowState, type TrackedWindow } from '../../electron/window-state';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gameday-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('recent files', () => {
  const store = () => join(dir, 'profile', 'recent.json');

  it('keeps the most recent first, without duplicates, capped at 10, and persists', () => {
    const r = new RecentFiles(store(), { exists: () => true });
    for (let i = 0; i < 12; i++) r.add(`/s/${i}.yaml`);
    r.add('/s/5.yaml');
    r.add('/s/./7.yaml');
    const list = r.list();
    expect(list).toHaveLength(10);
    expect(list.slice(0, 3)).toEqual(['/s/./7.yaml', '/s/5.yaml', '/s/11.yaml']);
    expect(list).not.toContain('/s/0.yaml');
    expect(list.filter((f) => f.endsWith('7.yaml'))).toHaveLength(1);
    const again = new RecentFiles(store(), { exists: () => true });
    expect(again.load()).toEqual(list);
    expect(JSON.parse(readFileSync(store(), 'utf8'))).toEqual({ version: 1, files: list });
  });

  it('drops files that no longer exist, and survives a damaged store', () => {
    writeFileSync(join(dir, 'recent.json'), JSON.stringify({ version: 1, files: ['/a.yaml', 7, '/gone.yaml', '/b.yaml', '/a.yaml'] }));
    const r = new RecentFiles(join(dir, 'recent.json'), { exists: (p) => p !== '/gone.yaml' });
    expect(r.load()).toEqual(['/a.yaml', '/b.yaml']);
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    expect(new RecentFiles(join(dir, 'bad.json')).load()).toEqual([]);
    expect(new RecentFiles(join(dir, 'missing.json')).load()).toEqual([]);
  });

  it('removes and clears', () => {
    const r = new RecentFiles(store(), { exists: () => true });
    r.add('/a.yaml');
    r.add('/b.yaml');
    expect(r.remove('/a.yaml')).toEqual(['/b.yaml']);
    expect(r.clear()).toEqual([]);
    expect(new RecentFiles(store()).load()).toEqual([]);
  });

  it('keeps working in memory when the store cannot be written', () => {
    const r = new RecentFiles(store(), {
      exists: () => true,
      write: () => {
        throw new Error('EROFS');
      },
    });
    expect(r.add('/a.yaml')).toEqual(['/a.yaml']);
  });
});

describe('window state', () => {
  const primary: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
  const right: Rect = { x: 1920, y: 0, width: 1280, height: 984 };

  it('centres the default size on the primary display without a saved state', () => {
    expect(clampToDisplays(null, [primary], primary)).toEqual({ bounds: { x: 320, y: 110, ...DEFAULT_SIZE }, maximized: false });
    const small: Rect = { x: 0, y: 0, width: 1024, height: 700 };
    expect(clampToDisplays(null, [small], small).bounds).toEqual({ x: 0, y: 0, width: 1024, height: 700 });
  });

  it('keeps a window where it was on a display that is still there', () => {
    const saved = { bounds: { x: 2000, y: 100, width: 1000, height: 700 }, maximized: true };
    expect(clampToDisplays(saved, [primary, right], primary)).toEqual(saved);
  });

  it('moves a window from a disconnected display to the primary one', () => {
    const saved = { bounds: { x: 2000, y: 100, width: 1000, height: 700 }, maximized: false };
    expect(clampToDisplays(saved, [primary], primary)).toEqual({ bounds: { x: 460, y: 170, width: 1000, height: 700 }, maximized: false });
  });

  it('pulls a window hanging off its display back inside it, shrinking one larger than it', () => {
    const hanging = { bounds: { x: 1700, y: -50, width: 900, height: 600 }, maximized: false };
    expect(clampToDisplays(hanging, [primary], primary).bounds).toEqual({ x: 1020, y: 0, width: 900, height: 600 });
    const huge = { bounds: { x: 1900, y: 0, width: 4000, height: 3000 }, maximized: false };
    // Mostly on the right display: it shrinks to that one.
    expect(clampToDisplays(huge, [primary, right], primary).bounds).toEqual({ x: 1920, y: 0, width: 1280, height: 984 });
    const sliver = { bounds: { x: 1900, y: 500, width: 800, height: 600 }, maximized: false };
    // 20 px on the primary, 780 on the right display: it goes to the right one.
    expect(clampToDisplays(sliver, [primary, right], primary).bounds).toEqual({ x: 1920, y: 384, width: 800, height: 600 });
  });

  it('enforces the minimum size and handles displays with negative coordinates', () => {
    const left: Rect = { x: -1440, y: -200, width: 1440, height: 900 };
    const tiny = { bounds: { x: -1000, y: 600, width: 100, height: 100 }, maximized: false };
    // Grown to the minimum size, then moved up to stay on its display (which ends at y = 700).
    expect(clampToDisplays(tiny, [primary, left], primary).bounds).toEqual({ x: -1000, y: 140, width: 800, height: 560 });
  });

  it('reads back only well-formed states', () => {
    expect(parseWindowState({ bounds: { x: 1, y: 2, width: 3, height: 4 }, maximized: 'yes' })).toEqual({ bounds: { x: 1, y: 2, width: 3, height: 4 }, maximized: false });
    expect(parseWindowState({ bounds: { x: 1, y: 2, width: Infinity, height: 4 } })).toBeNull();
    expect(parseWindowState({ bounds: { x: 1, y: 2, width: -3, height: 4 } })).toBeNull();
    expect(parseWindowState('nope')).toBeNull();
    const f = join(dir, 'sub', 'window-state.json');
    saveWindowState(f, { bounds: { x: 5, y: 6, width: 900, height: 700 }, maximized: true });
    expect(loadWindowState(f)).toEqual({ bounds: { x: 5, y: 6, width: 900, height: 700 }, maximized: true });
    writeFileSync(f, '{');
    expect(loadWindowState(f)).toBeNull();
  });

  it('saves the normal bounds after moves (debounced) and on close', () => {
    vi.useFakeTimers();
    try {
      const listeners = new Map<string, () => void>();
      let bounds = { x: 0, y: 0, width: 900, height: 600 };
      const win: TrackedWindow = {
        on: (event, l) => listeners.set(event, l),
        getNormalBounds: () => bounds,
        isMaximized: () => false,
        isMinimized: () => false,
        isDestroyed: () => false,
      };
      const saved: unknown[] = [];
      trackWindowState(win, (s) => saved.push(s), 100);
      listeners.get('move')?.();
      bounds = { ...bounds, x: 50 };
      listeners.get('move')?.();
      expect(saved).toEqual([]);
      vi.advanceTimersByTime(150);
      expect(saved).toEqual([{ bounds: { x: 50, y: 0, width: 900, height: 600 }, maximized: false }]);
      listeners.get('close')?.();
      expect(saved).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
