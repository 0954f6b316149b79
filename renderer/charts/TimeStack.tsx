import { useCallback, useEffect, useMemo, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import { scaleLinear, type ScaleLinear } from 'd3';
import { clock } from '../format';
import { cssVar, useThemeVersion, useWidth } from './hooks';
import { timeTicks } from './series';
import './charts.css';

/**
 * A stack of chart panels over one shared time axis: every panel's x is the
 * same scale (the run from `start` to `end`), the axis is drawn once at the
 * bottom, and the run's current time and the cursor are lines across all
 * panels. Panels draw SVG (sparse marks) and may paint a canvas layer above
 * it (dense lines). Hovering sets the cursor and shows the hovered panel's
 * tooltip; clicking seeks. Panel content is memoised: it is rebuilt only when
 * the panels (the data) or the width change, not when the cursor moves.
 */

export const MARGIN = { left: 58, right: 14 } as const;
const TITLE = 15;
const GAP = 6;
const AXIS = 20;

export interface PanelCtx {
  /** Time (s) → x pixel of the stack's SVG. */
  x: ScaleLinear<number, number>;
  /** The plot's x range. */
  left: number;
  right: number;
  /** Height of the panel's plot area (its own y runs 0 … height). */
  height: number;
  /** The run's current time, and the axis' end. */
  now: number;
  end: number;
}

export interface TimePanel {
  key: string;
  /** Plot height, pixels. */
  height: number;
  /** Drawn above the plot (SVG text: strings or <tspan>s). */
  title?: ReactNode;
  /** Attributes of the panel's <g>, e.g. data-testid. */
  attrs?: Record<string, string>;
  /** SVG content in panel coordinates. */
  render(ctx: PanelCtx): ReactNode;
  /** Dense content painted on the canvas layer, in panel coordinates; `color` resolves CSS variables. */
  paint?(g: CanvasRenderingContext2D, ctx: PanelCtx, color: (cssVariable: string) => string): void;
  /** The tooltip for time t at (px, py) in the panel (py from its plot top); null: none. */
  hover?(t: number, py: number, px: number, ctx: PanelCtx): ReactNode | null;
  /** A time the cursor snaps to near px (e.g. the check under the pointer); null: the pointer's own time. */
  snap?(t: number, px: number, ctx: PanelCtx): number | null;
}

export interface TimeStackProps {
  panels: readonly TimePanel[];
  start?: number;
  end: number;
  now: number;
  cursor: number | null;
  onCursor?(t: number | null): void;
  onSeek?(t: number): void;
  /** Times to mark on the axis (e.g. the decision), with a label. */
  marks?: ReadonlyArray<{ t: number; label: string; className?: string }>;
  label: string;
  testId?: string;
}

interface Layout {
  tops: number[];
  height: number;
}

function layoutOf(panels: readonly TimePanel[]): Layout {
  const tops: number[] = [];
  let y = 0;
  for (const p of panels) {
    y += p.title !== undefined ? TITLE : 4;
    tops.push(y);
    y += p.height + GAP;
  }
  return { tops, height: y - GAP + AXIS };
}

export function TimeStack({ panels, start = 0, end, now, cursor, onCursor, onSeek, marks, label, testId }: TimeStackProps) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const theme = useThemeVersion();
  const [tip, setTip] = useState<{ x: number; y: number; up: boolean; content: ReactNode } | null>(null);
  const lastT = useRef<number | null>(null);

  const x = useMemo(
    () =>
      scaleLinear()
        .domain([start, Math.max(end, start + 1)])
        .range([MARGIN.left, Math.max(MARGIN.left + 10, width - MARGIN.right)]),
    [start, end, width],
  );
  const layout = useMemo(() => layoutOf(panels), [panels]);
  const plotBottom = layout.height - AXIS;
  const ctxs = useMemo(() => panels.map((p): PanelCtx => ({ x, left: x.range()[0], right: x.range()[1], height: p.height, now, end })), [panels, x, now, end]);
  const ticks = useMemo(() => timeTicks(start, Math.max(end, start + 1), Math.max(2, Math.floor(width / 90))), [start, end, width]);

  // The panels' SVG: rebuilt with the data or the size only.
  const content = useMemo(
    () =>
      width > 0
        ? panels.map((p, i) => (
            <g key={p.key} transform={`translate(0,${layout.tops[i]})`} {...p.attrs}>
              {p.title !== undefined ? (
                <text className="panel-title" x={MARGIN.left} y={-4}>
                  {p.title}
                </text>
              ) : null}
              <rect className="plot-bg" x={ctxs[i].left} y={0} width={ctxs[i].right - ctxs[i].left} height={p.height} />
              {p.render(ctxs[i])}
            </g>
          ))
        : null,
    [panels, ctxs, layout, width],
  );

  // The canvas layer: repainted with the data, the size or the theme.
  useEffect(() => {
    const c = canvas.current;
    if (!c || width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const h = layout.height;
    if (c.width !== Math.round(width * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, h);
    const cache = new Map<string, string>();
    const color = (name: string) => {
      let v = cache.get(name);
      if (v === undefined) {
        v = cssVar(c, name);
        cache.set(name, v);
      }
      return v;
    };
    panels.forEach((p, i) => {
      if (!p.paint) return;
      g.save();
      g.translate(0, layout.tops[i]);
      g.beginPath();
      g.rect(ctxs[i].left, -1, ctxs[i].right - ctxs[i].left, p.height + 2);
      g.clip();
      p.paint(g, ctxs[i], color);
      g.restore();
    });
  }, [panels, ctxs, layout, width, theme]);

  const locate = useCallback(
    (e: MouseEvent<SVGSVGElement>) => {
      const r = e.currentTarget.getBoundingClientRect();
      const px = e.clientX - r.left;
      const py = e.clientY - r.top;
      const [lo, hi] = x.range();
      const t = x.invert(Math.max(lo, Math.min(hi, px)));
      return { px, py, t: Math.max(start, Math.min(end, t)) };
    },
    [x, start, end],
  );

  const onMove = (e: MouseEvent<SVGSVGElement>) => {
    const { px, py, t } = locate(e);
    const i = panels.findIndex((p, k) => py >= layout.tops[k] - 2 && py <= layout.tops[k] + p.height + 2);
    const rounded = Math.round((i >= 0 ? panels[i].snap?.(t, px, ctxs[i]) : null) ?? t);
    if (onCursor && rounded !== lastT.current) {
      lastT.current = rounded;
      onCursor(rounded);
    }
    const content = i >= 0 ? panels[i].hover?.(rounded, py - layout.tops[i], px, ctxs[i]) ?? null : null;
    // Low in the window, the tooltip opens upwards.
    setTip(content ? { x: px, y: py, up: e.clientY > window.innerHeight * 0.55, content } : null);
  };
  const onLeave = () => {
    lastT.current = null;
    setTip(null);
    onCursor?.(null);
  };
  const onClick = (e: MouseEvent<SVGSVGElement>) => {
    if (!onSeek) return;
    const { px, py, t } = locate(e);
    const i = panels.findIndex((p, k) => py >= layout.tops[k] - 2 && py <= layout.tops[k] + p.height + 2);
    onSeek(Math.round((i >= 0 ? panels[i].snap?.(t, px, ctxs[i]) : null) ?? t));
  };

  const [lo, hi] = x.range();
  const nowX = x(Math.min(now, end));
  const flip = tip !== null && tip.x > width - 320;
  return (
    <div className="time-stack" ref={ref} data-testid={testId}>
      {width > 0 ? (
        <>
          <svg className="chart" width={width} height={layout.height} role="img" aria-label={label} onMouseMove={onMove} onMouseLeave={onLeave} onClick={onClick}>
            <g className="grid">
              {ticks.map((t) => (
                <line key={t} x1={x(t)} x2={x(t)} y1={0} y2={plotBottom} />
              ))}
            </g>
            {content}
            {now < end ? <rect className="future" x={nowX} y={0} width={Math.max(0, hi - nowX)} height={plotBottom} /> : null}
            <g className="axis" transform={`translate(0,${plotBottom})`}>
              <line className="domain" x1={lo} x2={hi} y1={0} y2={0} />
              {ticks.map((t) => (
                <g key={t} transform={`translate(${x(t)},0)`}>
                  <line y1={0} y2={4} className="tick" />
                  <text y={14} textAnchor={x(t) > hi - 24 ? 'end' : 'middle'}>
                    {clock(t)}
                  </text>
                </g>
              ))}
            </g>
            {marks?.map((m) => (
              <g key={`${m.label}-${m.t}`} className={`mark ${m.className ?? ''}`} transform={`translate(${x(m.t)},0)`}>
                <line y1={0} y2={plotBottom} />
              </g>
            ))}
            <line className="now" x1={nowX} x2={nowX} y1={0} y2={plotBottom} data-testid="now-line" />
            {cursor !== null && cursor >= start && cursor <= end ? (
              <g className="cursor-mark" transform={`translate(${x(cursor)},0)`} data-testid="cursor-line">
                <line className="cursor" y1={0} y2={plotBottom} />
                <rect x={-(clock(cursor).length * 3.2 + 5)} y={plotBottom + 3} width={clock(cursor).length * 6.4 + 10} height={14} rx={3} />
                <text y={plotBottom + 13.5} textAnchor="middle">
                  {clock(cursor)}
                </text>
              </g>
            ) : null}
          </svg>
          <canvas ref={canvas} className="chart-canvas" style={{ width, height: layout.height }} />
          {tip ? (
            <div className="tooltip chart-tip" style={{ left: flip ? undefined : tip.x + 14, right: flip ? width - tip.x + 14 : undefined, top: tip.up ? undefined : tip.y + 12, bottom: tip.up ? layout.height - tip.y + 12 : undefined }} role="tooltip">
              {tip.content}
            </div>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
