import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

/** The content width of an element, kept up to date with a ResizeObserver (0 until measured). */
export function useWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T | null>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(Math.floor(el.clientWidth));
    if (typeof ResizeObserver !== 'function') return;
    let frame = 0;
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? el.clientWidth);
      cancelAnimationFrame(frame);
      // A frame later: layout settles (scrollbars appear) before the charts redraw.
      frame = requestAnimationFrame(() => setWidth((prev) => (prev === w ? prev : w)));
    });
    ro.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
    };
  }, []);
  return [ref, width];
}

/** Changes whenever the document's theme (data-theme on <html>) does: canvases repaint with the new colours. */
export function useThemeVersion(): number {
  const [v, setV] = useState(0);
  useEffect(() => {
    const mo = new MutationObserver(() => setV((x) => x + 1));
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => mo.disconnect();
  }, []);
  return v;
}

/** Reads a CSS custom property (e.g. --ok) as the element sees it; `fallback` when unset. */
export function cssVar(el: Element | null, name: string, fallback = '#888'): string {
  if (!el) return fallback;
  const v = getComputedStyle(el).getPropertyValue(name).trim();
  return v || fallback;
}
