/** Transport and UI icons as inline SVG (no icon font: the app loads nothing remote). */
const paths: Record<string, string> = {
  restart: 'M5 4h2v16H5zM20 4v16L9 12z',
  play: 'M7 4v16l13-8z',
  pause: 'M6 4h4v16H6zM14 4h4v16h-4z',
  step: 'M5 4v16l10-8zM16 4h3v16h-3z',
  end: 'M3 4v16l8.5-8zM11.5 4v16L20 12z',
  sun: 'M12 7a5 5 0 100 10 5 5 0 000-10zM11 1h2v3h-2zM11 20h2v3h-2zM1 11h3v2H1zM20 11h3v2h-3zM4.2 2.8l2.1 2.1-1.4 1.4-2.1-2.1zM17.7 18.9l1.4-1.4 2.1 2.1-1.4 1.4zM2.8 19.8l2.1-2.1 1.4 1.4-2.1 2.1zM18.9 6.3l-1.4-1.4 2.1-2.1 1.4 1.4z',
  moon: 'M14 2a9 9 0 107.9 13.3A8 8 0 0114 2z',
};

export function Icon({ name, title }: { name: keyof typeof paths | string; title?: string }) {
  return (
    <svg className="icon-svg" viewBox="0 0 24 24" width="14" height="14" aria-hidden={title ? undefined : true} role={title ? 'img' : undefined}>
      {title ? <title>{title}</title> : null}
      <path d={paths[name] ?? ''} fill="currentColor" />
    </svg>
  );
}
