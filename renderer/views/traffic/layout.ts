import { type NodeKind, topologicalOrder, type Topology, type TrafficEdge } from '../../../simulation/run/topology';

/**
 * Where the traffic graph's nodes and edges go: a layered layout left to
 * right — streams, Traefik, the splits, the pods, their dependencies each a
 * column further — with the revisions of one app kept together, the order in
 * each column chosen to keep edges short (barycentre sweeps), and every edge
 * a cubic curve sampled at equal arc lengths so that particles move along it
 * at an even speed. Pure: no DOM.
 */

/** A node's box, centred at (x, y). */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface EdgeGeometry {
  /** SVG path data. */
  d: string;
  /** Points at equal arc lengths along the curve, x and y interleaved (SAMPLES points). */
  points: Float32Array;
  /** Length in pixels. */
  length: number;
  /** The point halfway along. */
  mid: { x: number; y: number };
}

export interface Layout {
  width: number;
  height: number;
  nodes: Map<string, Box>;
  edges: Map<string, EdgeGeometry>;
  /** The column of each node. */
  layers: Map<string, number>;
  columns: number;
}

export const SAMPLES = 48;

const SIZE: Record<NodeKind, { w: number; h: number }> = {
  stream: { w: 118, h: 32 },
  traefik: { w: 96, h: 46 },
  split: { w: 168, h: 40 },
  pod: { w: 172, h: 46 },
  control: { w: 132, h: 28 },
};

export interface LayoutOptions {
  /** Space kept free at the top (labels, badges) and bottom, px. */
  top?: number;
  bottom?: number;
  side?: number;
}

/** Column of every node: the longest path from a stream (control nodes: beside the split they watch). */
export function assignLayers(topo: Pick<Topology, 'nodes' | 'edges'>): Map<string, number> {
  const layer = new Map<string, number>(topo.nodes.map((n) => [n.id, 0]));
  const kind = new Map(topo.nodes.map((n) => [n.id, n.kind]));
  const order = topologicalOrder(topo);
  const rank = new Map(order.map((id, i) => [id, i]));
  const flowEdges = topo.edges.filter((e) => e.kind !== 'control' && e.from !== e.to && (rank.get(e.from) ?? 0) < (rank.get(e.to) ?? 0));
  const hasIn = new Set(flowEdges.map((e) => e.to));
  const byApp = new Map<string, string[]>();
  for (const n of topo.nodes) if (n.kind === 'pod' && n.app) (byApp.get(n.app) ?? byApp.set(n.app, []).get(n.app)!).push(n.id);
  for (let round = 0; round < topo.nodes.length + 1; round++) {
    let changed = false;
    for (const id of order) {
      for (const e of flowEdges) {
        if (e.from !== id) continue;
        const want = layer.get(id)! + 1;
        if (want > layer.get(e.to)!) {
          layer.set(e.to, want);
          changed = true;
        }
      }
    }
    // Revisions of one app share a column.
    for (const ids of byApp.values()) {
      const reached = ids.filter((id) => hasIn.has(id));
      const max = Math.max(...(reached.length > 0 ? reached : ids).map((id) => layer.get(id)!));
      for (const id of ids)
        if (layer.get(id) !== max) {
          layer.set(id, max);
          changed = true;
        }
    }
    if (!changed) break;
  }
  // Pods nothing reaches go with the other pods.
  const podLayers = topo.nodes.filter((n) => n.kind === 'pod' && hasIn.has(n.id)).map((n) => layer.get(n.id)!);
  const lastPod = podLayers.length > 0 ? Math.max(...podLayers) : 1;
  for (const n of topo.nodes) {
    if (n.kind === 'pod' && !byApp.get(n.app ?? '')?.some((id) => hasIn.has(id))) layer.set(n.id, lastPod);
    if (n.kind === 'traefik' && !hasIn.has(n.id)) layer.set(n.id, 1);
  }
  for (const e of topo.edges) if (e.kind === 'control' && kind.get(e.from) === 'control') layer.set(e.from, layer.get(e.to)!);
  return layer;
}

/** Evaluates a cubic Bézier at t. */
function cubic(p0: number, p1: number, p2: number, p3: number, t: number): number {
  const u = 1 - t;
  return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
}

/** A cubic segment: x0, y0, control 1, control 2, x3, y3. */
export type Cubic = readonly [number, number, number, number, number, number, number, number];

/** A chain of cubic segments resampled at `n` points of equal arc length. */
export function sampleCubics(segments: readonly Cubic[], n = SAMPLES): { points: Float32Array; length: number } {
  const fine = 64;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const c of segments) {
    for (let i = xs.length === 0 ? 0 : 1; i <= fine; i++) {
      const t = i / fine;
      xs.push(cubic(c[0], c[2], c[4], c[6], t));
      ys.push(cubic(c[1], c[3], c[5], c[7], t));
    }
  }
  const m = xs.length;
  const cum = new Float64Array(m);
  for (let i = 1; i < m; i++) cum[i] = cum[i - 1] + Math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]);
  const length = m > 0 ? cum[m - 1] : 0;
  const points = new Float32Array(n * 2);
  let j = 1;
  for (let i = 0; i < n && m > 1; i++) {
    const s = (length * i) / (n - 1);
    while (j < m - 1 && cum[j] < s) j++;
    const seg = cum[j] - cum[j - 1];
    const f = seg > 0 ? Math.min(1, (s - cum[j - 1]) / seg) : 0;
    points[2 * i] = xs[j - 1] + (xs[j] - xs[j - 1]) * f;
    points[2 * i + 1] = ys[j - 1] + (ys[j] - ys[j - 1]) * f;
  }
  return { points, length };
}

/** The point at fraction `p` (0–1) of the way along sampled points; writes into `out`. */
export function pointAt(points: Float32Array, p: number, out: { x: number; y: number }): void {
  const n = points.length / 2;
  const f = Math.max(0, Math.min(1, p)) * (n - 1);
  const i = Math.min(n - 2, Math.floor(f));
  const r = f - i;
  out.x = points[2 * i] + (points[2 * i + 2] - points[2 * i]) * r;
  out.y = points[2 * i + 1] + (points[2 * i + 3] - points[2 * i + 1]) * r;
}

/** A horizontal S-curve from one point to the next (d3's curveBumpX). */
function bump(x0: number, y0: number, x1: number, y1: number): Cubic {
  const dx = (x1 - x0) / 2;
  return [x0, y0, x0 + dx, y0, x1 - dx, y1, x1, y1];
}

/** Height a long edge's waypoint takes in a column. */
const WAYPOINT_H = 8;

export function layoutTopology(topo: Topology, width: number, height: number, opts: LayoutOptions = {}): Layout {
  const top = opts.top ?? 8;
  const bottom = opts.bottom ?? 8;
  const side = opts.side ?? 6;
  const layers = assignLayers(topo);
  const columns = Math.max(1, ...[...layers.values()].map((l) => l + 1));
  const byLayer: string[][] = Array.from({ length: columns }, () => []);
  const nodeById = new Map(topo.nodes.map((n) => [n.id, n]));
  for (const n of topo.nodes) byLayer[layers.get(n.id)!].push(n.id);

  // Edges spanning columns pass through a waypoint in each column between (so they are ordered, and make room, like nodes).
  const flow = topo.edges.filter((e) => e.kind !== 'control');
  const hops = new Map<string, string[]>();
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    (preds.get(b) ?? preds.set(b, []).get(b)!).push(a);
    (succs.get(a) ?? succs.set(a, []).get(a)!).push(b);
  };
  for (const e of flow) {
    const lf = layers.get(e.from)!;
    const lt = layers.get(e.to)!;
    const path = [e.from];
    for (let l = lf + 1; l < lt; l++) {
      const id = `~${e.id}~${l}`;
      byLayer[l].push(id);
      path.push(id);
    }
    path.push(e.to);
    for (let i = 1; i < path.length; i++) link(path[i - 1], path[i]);
    hops.set(e.id, path);
  }
  const kindOf = (id: string): NodeKind | null => nodeById.get(id)?.kind ?? null;

  // Sizes: shrink the widths when the columns do not fit.
  const widest = byLayer.map((ids) => Math.max(0, ...ids.map((id) => (kindOf(id) ? SIZE[kindOf(id)!].w : 0))));
  const sumW = widest.reduce((a, b) => a + b, 0);
  const minGap = 28;
  const fitW = Math.min(1, Math.max(0.5, (width - 2 * side - minGap * (columns - 1)) / Math.max(1, sumW)));
  const avail = Math.max(40, height - top - bottom);
  const boxes = new Map<string, Box>();
  const waypoints = new Map<string, { x: number; y: number }>();

  // Order in each column: barycentres of the neighbours, sweeping forward then back.
  const pos = new Map<string, number>();
  const setPositions = () => byLayer.forEach((ids) => ids.forEach((id, i) => pos.set(id, (i + 0.5) / ids.length)));
  setPositions();
  const sortLayer = (ids: string[], neighbours: Map<string, string[]>) => {
    const key = new Map<string, number>();
    const bary = (id: string) => {
      const ns = (neighbours.get(id) ?? []).filter((x) => pos.has(x));
      return ns.length > 0 ? ns.reduce((a, x) => a + pos.get(x)!, 0) / ns.length : pos.get(id)!;
    };
    // An app's revisions move together, primary first.
    const appKey = new Map<string, number>();
    for (const id of ids) {
      const n = nodeById.get(id);
      if (!n || n.kind !== 'pod' || !n.app) continue;
      const mates = ids.filter((x) => nodeById.get(x)?.kind === 'pod' && nodeById.get(x)!.app === n.app);
      appKey.set(n.app, mates.reduce((a, x) => a + bary(x), 0) / mates.length);
    }
    for (const id of ids) {
      const n = nodeById.get(id);
      if (n?.kind === 'control') key.set(id, 2);
      else if (n?.kind === 'pod' && n.app) key.set(id, appKey.get(n.app)! + (n.version === 'canary' ? 1e-6 : 0));
      else key.set(id, bary(id));
    }
    ids.sort((a, b) => key.get(a)! - key.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
  };
  for (let sweep = 0; sweep < 3; sweep++) {
    for (let l = 1; l < columns; l++) {
      sortLayer(byLayer[l], preds);
      setPositions();
    }
    for (let l = columns - 2; l >= 0; l--) {
      sortLayer(byLayer[l], succs);
      setPositions();
    }
  }

  // Columns spread across the width, the first flush left and the last flush right; in a column, the free height
  // is shared evenly between the items (a waypoint takes little).
  const colW = widest.map((w) => w * fitW);
  const inner = width - 2 * side;
  const free = Math.max(0, inner - colW.reduce((a, b) => a + b, 0));
  const gap = columns > 1 ? free / (columns - 1) : 0;
  let x = side;
  byLayer.forEach((ids, l) => {
    const cx = columns === 1 ? width / 2 : x + colW[l] / 2;
    x += colW[l] + gap;
    const real = ids.filter((id) => kindOf(id)).length;
    const ways = ids.length - real;
    const sizes = ids.map((id) => {
      const k = kindOf(id);
      if (!k) return WAYPOINT_H;
      const h = Math.min(SIZE[k].h, (avail - ways * WAYPOINT_H) / Math.max(1, real) - 6);
      return Math.max(18, h);
    });
    const used = sizes.reduce((a, b) => a + b, 0);
    const pad = Math.max(0, avail - used) / ids.length;
    let y = top;
    ids.forEach((id, i) => {
      const cy = y + (pad + sizes[i]) / 2;
      y += pad + sizes[i];
      const k = kindOf(id);
      if (k) boxes.set(id, { x: cx, y: cy, w: SIZE[k].w * fitW, h: sizes[i] });
      else waypoints.set(id, { x: cx, y: cy });
    });
  });

  // Edge ends: spread over the side of a box when several edges meet there, in the order of the other ends.
  const at = (id: string) => boxes.get(id) ?? waypoints.get(id)!;
  const ends = new Map<string, { out: number; in: number }>();
  const outOf = new Map<string, TrafficEdge[]>();
  const inTo = new Map<string, TrafficEdge[]>();
  for (const e of flow) {
    (outOf.get(e.from) ?? outOf.set(e.from, []).get(e.from)!).push(e);
    (inTo.get(e.to) ?? inTo.set(e.to, []).get(e.to)!).push(e);
  }
  const spread = (list: TrafficEdge[], box: Box, other: (e: TrafficEdge) => number, set: (e: TrafficEdge, y: number) => void) => {
    const sorted = [...list].sort((a, b) => other(a) - other(b));
    const span = Math.min(box.h * 0.6, 10 * (sorted.length - 1));
    sorted.forEach((e, i) => set(e, box.y + (sorted.length > 1 ? -span / 2 + (span * i) / (sorted.length - 1) : 0)));
  };
  const secondHop = (e: TrafficEdge) => at(hops.get(e.id)![1]).y;
  const lastButOne = (e: TrafficEdge) => {
    const h = hops.get(e.id)!;
    return at(h[h.length - 2]).y;
  };
  for (const [id, list] of outOf) spread(list, boxes.get(id)!, secondHop, (e, y) => ends.set(e.id, { out: y, in: ends.get(e.id)?.in ?? 0 }));
  for (const [id, list] of inTo) spread(list, boxes.get(id)!, lastButOne, (e, y) => ends.set(e.id, { out: ends.get(e.id)?.out ?? 0, in: y }));

  const edges = new Map<string, EdgeGeometry>();
  for (const e of topo.edges) {
    const a = boxes.get(e.from);
    const b = boxes.get(e.to);
    if (!a || !b) continue;
    const segs: Cubic[] = [];
    if (e.kind === 'control') {
      // Straight up or down to the split it watches.
      const down = b.y > a.y;
      const y0 = a.y + (down ? a.h / 2 : -a.h / 2);
      const y1 = b.y + (down ? -b.h / 2 : b.h / 2);
      segs.push([a.x, y0, a.x, (2 * y0 + y1) / 3, b.x, (y0 + 2 * y1) / 3, b.x, y1]);
    } else {
      const sx = a.x + a.w / 2;
      const tx = b.x - b.w / 2;
      if (tx > sx + 8) {
        const pts = [{ x: sx, y: ends.get(e.id)?.out ?? a.y }];
        for (const id of hops.get(e.id)!.slice(1, -1)) pts.push(waypoints.get(id)!);
        pts.push({ x: tx, y: ends.get(e.id)?.in ?? b.y });
        for (let i = 1; i < pts.length; i++) segs.push(bump(pts[i - 1].x, pts[i - 1].y, pts[i].x, pts[i].y));
      } else {
        // A call within a column or backwards: loop below the boxes.
        const y0 = a.y + a.h / 2;
        const y1 = b.y + b.h / 2;
        const dip = Math.max(y0, y1) + 40;
        segs.push([a.x, y0, a.x, dip, b.x, dip, b.x, y1]);
      }
    }
    const { points, length } = sampleCubics(segs);
    const mid = { x: 0, y: 0 };
    pointAt(points, 0.5, mid);
    const f = (v: number) => Math.round(v * 10) / 10;
    const d = `M${f(segs[0][0])},${f(segs[0][1])}` + segs.map((c) => `C${f(c[2])},${f(c[3])} ${f(c[4])},${f(c[5])} ${f(c[6])},${f(c[7])}`).join('');
    edges.set(e.id, { d, points, length, mid });
  }
  return { width, height, nodes: boxes, edges, layers, columns };
}
