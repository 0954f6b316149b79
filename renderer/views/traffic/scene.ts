import { scaleSqrt, select, type Selection } from 'd3';
import type { RunSnapshot } from '../../../simulation/run/session';
import { computeFlow, type Flow, type Weights } from './flow';
import { type ActiveFault, type FaultAnchor, faultAnchors, faultVerb } from './faults';
import { type Layout, layoutTopology, pointAt } from './layout';
import { ParticleField } from './particles';
import { type KeyRate, RATE_WINDOW, type Rate, seriesRates, StreamRateTracker } from './rates';
import { ANY_CANARY, fallbackTopology, podId, type Topology, type TrafficEdge, type TrafficNode } from '../../../simulation/run/topology';

/**
 * The traffic view's drawing: d3 keeps the static graph (edges, nodes,
 * labels, fault badges) in an SVG layer, and a canvas above it carries the
 * particles, drawn every animation frame from typed arrays. React renders
 * the containers only: rates are derived when a snapshot arrives, the SVG's
 * numbers are refreshed a few times a second, and nothing re-renders per
 * frame. The root element exposes `data-fps` (frames per second, a moving
 * average over the last seconds), `data-particles`, and `data-frame-ms` (the
 * view's own script time per frame, snapshots included).
 */

interface Colors {
  ok: string;
  bad: string;
}

type Hover = { kind: 'node' | 'edge'; id: string } | null;

const LABEL_UPDATE_MS = 100;
/** The smallest 5xx share drawn as a dashed line on an edge (Flagger's usual gate is 1 %). */
const MIN_ERROR_LINE = 0.005;
const FPS_WINDOW_MS = 1000;
const FPS_SAMPLES = 3;

function fmtRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}
function fmtPct(x: number): string {
  if (x === 0) return '0%';
  const p = x * 100;
  return `${p < 0.1 ? p.toFixed(2) : p < 10 ? p.toFixed(1) : p.toFixed(0)}%`;
}
function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
export function splitText(w: Weights): string {
  return `primary ${Math.round(w.primary)}% · canary ${Math.round(w.canary)}%`;
}

export class TrafficScene {
  private topo: Topology | null = null;
  private fallbackKey = '';
  private layout: Layout | null = null;
  private flow: Flow | null = null;
  private snapshot: RunSnapshot | null = null;
  private readonly streams = new StreamRateTracker();
  private podRates = new Map<string, KeyRate>();
  private streamRates = new Map<string, Rate>();
  /** Edges carrying particles, in the particle field's order. */
  private motionEdges: TrafficEdge[] = [];
  private motionGeometry: Float32Array[] = [];
  /** Apps with a single revision in the graph (their version is not worth a label). */
  private soloApps = new Set<string>();
  /** Apps behind a Canary's split. */
  private canaryApps = new Set<string>();
  /** The rolled-out Canary is promoting or promoted: its primary Service runs the canary's revision. */
  private promoted = false;
  /** …and the promotion is still rolling out ('Promoting'). */
  private promoting = false;
  private readonly particles = new ParticleField(1500, 450);
  private prefill = true;
  private colors: Colors = { ok: '#009e73', bad: '#d55e00' };
  private width = 0;
  private height = 0;
  private dpr = 1;
  private hover: Hover = null;
  private labelsDirty = false;
  private lastLabels = 0;

  private raf = 0;
  private lastFrame = 0;
  private fpsStart = 0;
  private fpsFrames = 0;
  private fpsSamples: number[] = [];
  /** Milliseconds of script the frames took in the current second (exposed as data-frame-ms, per frame). */
  private workMs = 0;
  private lastParticlesShown = -1;
  private lastParticlesAt = 0;
  private readonly point = { x: 0, y: 0 };
  private readonly svgSel: Selection<SVGSVGElement, unknown, null, undefined>;

  constructor(
    private readonly root: HTMLElement,
    private readonly svg: SVGSVGElement,
    private readonly canvas: HTMLCanvasElement,
    private readonly tip: HTMLElement,
  ) {
    this.svgSel = select(svg);
    for (const g of ['edges', 'nodes', 'badges']) this.svgSel.append('g').attr('class', `layer-${g}`);
    root.dataset.fps = '0';
    root.dataset.particles = '0';
    this.readColors();
  }

  // ---- inputs ----

  /** The compiled scenario's graph (null: not known, draw what the run implies). */
  setTopology(topo: Topology | null): void {
    this.topo = topo;
    this.fallbackKey = '';
    if (!topo && this.snapshot) this.ensureFallback(this.snapshot);
    else this.relayout();
  }

  setSnapshot(s: RunSnapshot | null): void {
    const began = performance.now();
    this.snapshot = s;
    if (!s) return;
    this.streams.push(s.t, s.result.streams);
    if (!this.topo || !this.topo.exact) this.ensureFallback(s);
    this.derive();
    this.workMs += performance.now() - began;
  }

  resize(width: number, height: number): void {
    const w = Math.max(0, Math.floor(width));
    const h = Math.max(0, Math.floor(height));
    this.dpr = Math.min(2, window.devicePixelRatio || 1);
    if (w === this.width && h === this.height) return;
    this.width = w;
    this.height = h;
    this.svg.setAttribute('width', String(w));
    this.svg.setAttribute('height', String(h));
    this.svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    this.canvas.width = Math.round(w * this.dpr);
    this.canvas.height = Math.round(h * this.dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.relayout();
  }

  /** Re-reads the theme's colours (the canvas cannot use CSS variables). */
  readColors(): void {
    const cs = getComputedStyle(this.root);
    this.colors = { ok: cs.getPropertyValue('--ok').trim() || '#009e73', bad: cs.getPropertyValue('--bad').trim() || '#d55e00' };
  }

  start(): void {
    if (this.raf) return;
    this.lastFrame = 0;
    this.fpsStart = 0;
    this.fpsFrames = 0;
    const frame = (now: number) => {
      this.raf = requestAnimationFrame(frame);
      this.frame(now);
    };
    this.raf = requestAnimationFrame(frame);
  }

  stop(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
  }

  // ---- derived state ----

  private ensureFallback(s: RunSnapshot): void {
    const streams = Object.keys(s.result.streams);
    const key = `${s.seriesKeys.map((k) => `${k.app}/${k.version}`).join(',')}|${streams.join(',')}`;
    if (key === this.fallbackKey && this.topo) return;
    this.fallbackKey = key;
    this.topo = fallbackTopology(s.seriesKeys, streams);
    this.relayout();
  }

  private relayout(): void {
    const topo = this.topo;
    if (!topo || this.width < 40 || this.height < 40) {
      this.layout = null;
      this.drawStatic();
      return;
    }
    this.layout = layoutTopology(topo, this.width, this.height, { top: 14, bottom: 8 });
    this.motionEdges = topo.edges.filter((e) => e.kind !== 'control' && this.layout!.edges.has(e.id));
    this.motionGeometry = this.motionEdges.map((e) => this.layout!.edges.get(e.id)!.points);
    const pods = topo.nodes.filter((n) => n.kind === 'pod');
    this.soloApps = new Set(pods.filter((n) => pods.filter((m) => m.app === n.app).length === 1).map((n) => n.app!));
    const canarySplits = new Set(topo.nodes.filter((n) => n.kind === 'split' && n.canary).map((n) => n.id));
    this.canaryApps = new Set(topo.edges.filter((e) => canarySplits.has(e.from)).map((e) => pods.find((n) => n.id === e.to)?.app ?? ''));
    this.particles.clear();
    this.prefill = true;
    this.drawStatic();
    this.derive();
  }

  /** Rates from the snapshot, the flow over the graph, the particles' pace. */
  private derive(): void {
    const s = this.snapshot;
    const topo = this.topo;
    if (!s || !topo) return;
    const rates = seriesRates(s.series, s.seriesKeys.length, s.t, RATE_WINDOW);
    const pods = new Map<string, KeyRate>();
    s.seriesKeys.forEach((k, i) => pods.set(podId(k.app, k.version), rates[i]));
    const streams = new Map<string, Rate>();
    for (const name of Object.keys(s.result.streams)) streams.set(name, this.streams.rate(name));
    this.podRates = pods;
    this.streamRates = streams;
    const last = s.result.timeline[s.result.timeline.length - 1];
    const live: Weights | null = last ? { primary: last.primaryWeight, canary: last.canaryWeight } : null;
    const rolled = s.result.canary;
    this.promoted = !!last && (last.phase === 'Promoting' || last.phase === 'Finalising' || last.phase === 'Succeeded');
    this.promoting = !!last && last.phase === 'Promoting';
    this.flow = computeFlow(topo, {
      pods,
      streams,
      weights: (c) => (live && c && (c === ANY_CANARY || c === rolled) ? live : null),
    });
    if (this.layout) {
      const lengths = this.layout.edges;
      this.particles.configure(
        this.motionEdges.map((e) => {
          const f = this.flow!.edges.get(e.id);
          return { rate: f?.rate ?? 0, errorRatio: f?.errorRatio ?? 0, length: lengths.get(e.id)?.length ?? 0 };
        }),
      );
      if (this.prefill) {
        this.particles.prefill();
        this.prefill = false;
      }
    }
    this.labelsDirty = true;
  }

  // ---- the SVG layer ----

  /** Creates and places the graph's elements (on a new graph or size). */
  private drawStatic(): void {
    const layout = this.layout;
    const topo = this.topo;
    const nodes = layout && topo ? topo.nodes.filter((n) => layout.nodes.has(n.id)) : [];
    const edges = layout && topo ? topo.edges.filter((e) => layout.edges.has(e.id)) : [];

    const edgeSel = this.svgSel
      .select<SVGGElement>('g.layer-edges')
      .selectAll<SVGGElement, TrafficEdge>('g.edge')
      .data(edges, (e) => e.id)
      .join((enter) => {
        const g = enter.append('g');
        g.append('path').attr('class', 'edge-base');
        g.append('path').attr('class', 'edge-err');
        g.append('path').attr('class', 'edge-hit');
        return g;
      });
    edgeSel
      .attr('class', (e) => `edge kind-${e.kind}`)
      .attr('data-edge', (e) => e.id)
      .on('pointerenter', (ev: PointerEvent, e) => this.setHover({ kind: 'edge', id: e.id }, ev))
      .on('pointermove', (ev: PointerEvent) => this.moveTip(ev))
      .on('pointerleave', () => this.setHover(null));
    edgeSel.selectAll<SVGPathElement, TrafficEdge>('path').attr('d', (e) => layout!.edges.get(e.id)!.d);

    const nodeSel = this.svgSel
      .select<SVGGElement>('g.layer-nodes')
      .selectAll<SVGGElement, TrafficNode>('g.node')
      .data(nodes, (n) => n.id)
      .join((enter) => enter.append('g').each((n, i, els) => this.buildNode(select(els[i]), n)));
    nodeSel
      .attr('transform', (n) => {
        const b = layout!.nodes.get(n.id)!;
        return `translate(${Math.round(b.x - b.w / 2)},${Math.round(b.y - b.h / 2)})`;
      })
      .on('pointerenter', (ev: PointerEvent, n) => this.setHover({ kind: 'node', id: n.id }, ev))
      .on('pointermove', (ev: PointerEvent) => this.moveTip(ev))
      .on('pointerleave', () => this.setHover(null))
      .each((n, i, els) => this.sizeNode(select(els[i]), n));
    this.labelsDirty = true;
    this.updateLabels();
  }

  private buildNode(g: Selection<SVGGElement, TrafficNode, null, undefined>, n: TrafficNode): void {
    g.attr('class', `node kind-${n.kind}${n.version ? ` version-${n.version}` : ''}`).attr('data-node', n.id);
    if (n.kind === 'pod') g.attr('data-testid', `traffic-node-${n.app}-${n.version}`);
    else if (n.kind === 'stream') g.attr('data-testid', `traffic-stream-${n.stream}`);
    else if (n.kind === 'traefik') g.attr('data-testid', 'traffic-node-traefik');
    else if (n.kind === 'control') g.attr('data-testid', 'traffic-node-control');
    g.append('rect').attr('class', 'box');
    if (n.kind === 'pod') g.append('rect').attr('class', 'stripe');
    g.append('text').attr('class', 'label');
    g.append('text').attr('class', 'detail');
    if (n.kind === 'pod') g.append('text').attr('class', 'ready');
    if (n.kind === 'pod') g.append('text').attr('class', 'errors');
    if (n.kind === 'split') {
      g.append('rect').attr('class', 'bar-primary');
      g.append('rect').attr('class', 'bar-canary');
    }
  }

  private sizeNode(g: Selection<SVGGElement, TrafficNode, null, undefined>, n: TrafficNode): void {
    const b = this.layout!.nodes.get(n.id)!;
    const compact = b.h < 36;
    const rx = n.kind === 'stream' ? Math.min(16, b.h / 2) : n.kind === 'split' ? 10 : 5;
    g.select('rect.box').attr('width', b.w).attr('height', b.h).attr('rx', rx);
    const chars = Math.max(6, Math.floor(b.w / 6.6));
    const label = g.select<SVGTextElement>('text.label');
    const detail = g.select<SVGTextElement>('text.detail');
    if (n.kind === 'pod') {
      g.select('rect.stripe').attr('width', 4).attr('height', b.h).attr('rx', 2);
      label.attr('x', 10).attr('y', compact ? b.h / 2 + 4 : 16);
      label.selectAll('tspan').remove();
      label.append('tspan').attr('class', 'app').text(clip(n.label, Math.max(4, chars - 14)));
      label
        .append('tspan')
        .attr('class', 'version')
        .attr('dx', 5)
        .text(this.soloApps.has(n.app ?? '') ? '' : (n.version ?? ''));
      detail.attr('x', 10).attr('y', b.h - 9).attr('display', compact ? 'none' : null);
      g.select('text.ready').attr('x', b.w - 6).attr('y', compact ? b.h / 2 + 4 : 16);
      g.select('text.errors').attr('x', b.w - 6).attr('y', b.h - 9).attr('display', compact ? 'none' : null);
    } else if (n.kind === 'split') {
      label.attr('x', b.w / 2).attr('y', compact ? b.h / 2 - 2 : 14).text(clip(n.label, chars));
      detail.attr('x', b.w / 2).attr('y', compact ? b.h / 2 + 9 : 28).attr('data-testid', n.canary === ANY_CANARY || n.canary === this.snapshot?.result.canary || this.isOnlyCanarySplit(n) ? 'traffic-split' : `traffic-split-${n.label}`);
      g.selectAll('rect.bar-primary, rect.bar-canary').attr('y', b.h - 6).attr('height', 3);
    } else {
      const twoLines = b.h >= 28;
      label.attr('x', b.w / 2).attr('y', twoLines ? b.h / 2 - 2 : b.h / 2 + 4).text(clip(n.label, chars));
      detail.attr('x', b.w / 2).attr('y', b.h / 2 + 10).attr('display', twoLines ? null : 'none');
    }
  }

  private isOnlyCanarySplit(n: TrafficNode): boolean {
    const splits = this.topo?.nodes.filter((x) => x.kind === 'split' && x.canary) ?? [];
    return splits.length === 1 && splits[0].id === n.id;
  }

  /** The numbers: widths of edges, rates on nodes, weights on splits, fault badges. */
  private updateLabels(): void {
    this.labelsDirty = false;
    this.lastLabels = performance.now();
    const flow = this.flow;
    const layout = this.layout;
    if (!layout) {
      this.svgSel.select('g.layer-badges').selectAll('*').remove();
      return;
    }
    const width = scaleSqrt()
      .domain([0, Math.max(10, flow?.maxRate ?? 0)])
      .range([1.5, Math.max(6, Math.min(18, this.height / 16))])
      .clamp(true);
    this.svgSel
      .select('g.layer-edges')
      .selectAll<SVGGElement, TrafficEdge>('g.edge')
      .each((e, i, els) => {
        const f = flow?.edges.get(e.id);
        const rate = f?.rate ?? 0;
        const g = select(els[i]);
        g.classed('idle', rate <= 0 && e.kind !== 'control');
        const w = e.kind === 'control' ? 1.2 : width(rate);
        g.select('path.edge-base').attr('stroke-width', w);
        // 5xx: a dashed line inside the edge, wider as their share grows (shown from 0.5 %).
        const ratio = rate > 0 ? (f?.errorRatio ?? 0) : 0;
        const shown = ratio >= MIN_ERROR_LINE;
        g.classed('erring', shown);
        g.select('path.edge-err')
          .attr('stroke-width', shown ? Math.max(1.2, w * Math.sqrt(ratio)) : 0)
          .attr('display', shown ? null : 'none');
        g.attr('data-rate', rate.toFixed(1));
      });
    this.svgSel
      .select('g.layer-nodes')
      .selectAll<SVGGElement, TrafficNode>('g.node')
      .each((n, i, els) => {
        const g = select(els[i]);
        const f = flow?.nodes.get(n.id);
        const rate = f?.rate ?? 0;
        g.attr('data-rate', rate.toFixed(1));
        const detail = g.select<SVGTextElement>('text.detail');
        if (n.kind === 'pod') {
          const ready = f?.readyPods ?? 0;
          const promoted = this.promoted && this.canaryApps.has(n.app ?? '');
          g.attr('data-ready', ready);
          // After a promotion the primary Deployment runs the canary's revision: the old revision's pods are retired, not down.
          g.classed('down', ready === 0 && !(promoted && n.version === 'primary'));
          g.classed('retired', ready === 0 && promoted && n.version === 'primary');
          const version = this.soloApps.has(n.app ?? '') ? '' : promoted && n.version === 'canary' ? (this.promoting ? 'promoting' : 'promoted') : (n.version ?? '');
          g.select('tspan.version').text(version);
          // The ready count goes where the name leaves room (else the tooltip has it).
          const b = layout.nodes.get(n.id)!;
          const room = (b.w - 18) / 6.3;
          g.select('text.ready').text(clip(n.label, 40).length + version.length + 9 <= room ? `${ready} ready` : '');
          detail.text(`${fmtRate(rate)} req/s`);
          const err = f?.errorRatio ?? 0;
          g.select('text.errors')
            .text(err > 0 ? `${fmtPct(err)} 5xx` : '')
            .classed('high', err >= 0.01);
        } else if (n.kind === 'split') {
          const w = flow?.splits.get(n.id);
          const b = layout.nodes.get(n.id)!;
          g.classed('shares', !(w && n.canary));
          if (w && n.canary) {
            detail.text(splitText(w));
            const inner = b.w - 16;
            g.select('rect.bar-primary').attr('x', 8).attr('width', (inner * w.primary) / 100);
            g.select('rect.bar-canary')
              .attr('x', 8 + (inner * w.primary) / 100)
              .attr('width', (inner * w.canary) / 100);
          } else {
            detail.text(clip(n.shares ?? n.sub, Math.floor(b.w / 5.4)));
            g.selectAll('rect.bar-primary, rect.bar-canary').attr('width', 0);
          }
        } else if (n.kind === 'control') {
          detail.text(n.sub);
        } else {
          detail.text(`${fmtRate(rate)} req/s${n.kind === 'stream' && (f?.errorRatio ?? 0) > 0 ? ` · ${fmtPct(f!.errorRatio)}` : ''}`);
        }
      });
    this.drawBadges();
    if (this.hover) this.renderTip();
  }

  private drawBadges(): void {
    const layout = this.layout!;
    const topo = this.topo!;
    const active: ActiveFault[] = this.snapshot?.activeFaults ?? [];
    const placed: Array<{ key: string; fault: ActiveFault; x: number; y: number }> = [];
    const perAnchor = new Map<string, number>();
    for (const f of active) {
      for (const a of faultAnchors(f, topo)) {
        const at = this.anchorPoint(a, layout);
        if (!at) continue;
        const key = `${a.kind}:${a.id}`;
        const k = perAnchor.get(key) ?? 0;
        perAnchor.set(key, k + 1);
        placed.push({ key: `${f.name}@${key}`, fault: f, x: at.x, y: at.y + k * 17 });
      }
    }
    const sel = this.svgSel
      .select<SVGGElement>('g.layer-badges')
      .selectAll<SVGGElement, (typeof placed)[number]>('g.fault')
      .data(placed, (d) => d.key)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'fault');
        g.append('rect').attr('class', 'fault-box');
        g.append('path').attr('class', 'fault-icon').attr('d', 'M7,1 L13,12 L1,12 Z');
        g.append('text').attr('class', 'fault-bang').attr('x', 7).attr('y', 11).text('!');
        g.append('text').attr('class', 'fault-name').attr('x', 17).attr('y', 10.5);
        g.append('title');
        return g;
      });
    sel.attr('data-testid', (d) => `traffic-fault-${d.fault.name}`).attr('data-fault-type', (d) => d.fault.type);
    sel.select('text.fault-name').text((d) => `${clip(d.fault.name, 22)}${d.fault.intensity < 1 ? ` ${Math.round(d.fault.intensity * 100)}%` : ''}`);
    sel.select('title').text((d) => `${d.fault.name} (${d.fault.type}) ${faultVerb(d.fault.type)}; intensity ${Math.round(d.fault.intensity * 100)}%`);
    sel.each((d, i, els) => {
      const g = select(els[i]);
      const text = g.select<SVGTextElement>('text.fault-name').node();
      const w = 22 + (text ? text.getComputedTextLength() : 60);
      const x = Math.max(2, Math.min(this.width - w - 2, d.x - w / 2));
      const y = Math.max(1, Math.min(this.height - 16, d.y));
      g.attr('transform', `translate(${Math.round(x)},${Math.round(y)})`);
      g.select('rect.fault-box').attr('x', -3).attr('y', -1).attr('width', w).attr('height', 15).attr('rx', 3);
    });
  }

  private anchorPoint(a: FaultAnchor, layout: Layout): { x: number; y: number } | null {
    if (a.kind === 'edge') {
      const e = layout.edges.get(a.id);
      return e ? { x: e.mid.x, y: e.mid.y - 16 } : null;
    }
    const b = layout.nodes.get(a.id);
    return b ? { x: b.x + b.w / 4, y: b.y - b.h / 2 - 9 } : null;
  }

  // ---- tooltip ----

  private setHover(h: Hover, ev?: PointerEvent): void {
    this.hover = h;
    if (!h) {
      this.tip.hidden = true;
      return;
    }
    this.renderTip();
    this.tip.hidden = false;
    if (ev) this.moveTip(ev);
  }

  private moveTip(ev: PointerEvent): void {
    const r = this.root.getBoundingClientRect();
    const stage = this.svg.getBoundingClientRect();
    let x = ev.clientX - r.left + 12;
    const y = ev.clientY - r.top + 12;
    const w = this.tip.offsetWidth || 180;
    if (x + w > r.width - 4) x = ev.clientX - r.left - w - 12;
    this.tip.style.left = `${Math.max(4, x)}px`;
    this.tip.style.top = `${Math.min(y, stage.bottom - r.top - 10)}px`;
  }

  private renderTip(): void {
    const h = this.hover;
    const topo = this.topo;
    const flow = this.flow;
    if (!h || !topo) return;
    const rows: Array<[string, string]> = [];
    let title: string;
    if (h.kind === 'edge') {
      const e = topo.edges.find((x) => x.id === h.id);
      if (!e) return;
      const name = (id: string) => {
        const n = topo.nodes.find((x) => x.id === id);
        return n ? (n.kind === 'pod' ? `${n.app} ${n.version}` : n.label) : id;
      };
      title = `${name(e.from)} → ${name(e.to)}`;
      if (e.kind === 'control') rows.push(['', 'Flagger sets the weights from Prometheus metrics']);
      else {
        const f = flow?.edges.get(e.id);
        rows.push(['rate', `${fmtRate(f?.rate ?? 0)} req/s`]);
        rows.push(['5xx', fmtPct(f?.errorRatio ?? 0)]);
        if (e.share.by === 'calls') rows.push(['calls', `${e.share.calls} per request`]);
        if (e.share.by === 'percent') rows.push(['mirrored', `${e.share.percent}%`]);
      }
    } else {
      const n = topo.nodes.find((x) => x.id === h.id);
      if (!n) return;
      const f = flow?.nodes.get(n.id);
      title = n.kind === 'pod' ? `${n.app} · ${n.version}` : n.kind === 'stream' ? `stream ${n.stream}` : n.label;
      if (n.kind !== 'control') {
        rows.push(['rate', `${fmtRate(f?.rate ?? 0)} req/s`]);
        rows.push(['5xx', fmtPct(f?.errorRatio ?? 0)]);
      }
      if (n.kind === 'pod') {
        rows.push(['ready pods', String(f?.readyPods ?? 0)]);
        rows.push(['in flight', String(f?.inflight ?? 0)]);
      }
      if (n.kind === 'split') {
        const w = flow?.splits.get(n.id);
        if (w && n.canary) rows.push(['weights', splitText(w)]);
        else if (n.shares) rows.push(['shares', n.shares]);
        if (n.canary && this.promoted) rows.push(['', "promoted: the primary Service runs the canary's revision"]);
      }
      if (n.kind === 'pod' && this.promoted && this.canaryApps.has(n.app ?? '')) {
        rows.push(['', n.version === 'canary' ? "promoted: serves the primary Service's traffic too" : 'replaced by the promoted revision']);
      }
      if (n.kind === 'traefik') for (const name of topo.unrouted) rows.push(['no router', `${name} (Traefik answers 404)`]);
      if (n.sub && n.kind !== 'pod') rows.push([n.kind === 'stream' ? 'via' : '', n.sub]);
      const faults = (this.snapshot?.activeFaults ?? []).filter((x) => faultAnchors(x, topo).some((a) => a.kind === 'node' && a.id === n.id));
      for (const x of faults) rows.push(['fault', `${x.name} (${x.type})`]);
    }
    rows.push(['', `rates over the last ${RATE_WINDOW} s`]);
    this.tip.replaceChildren();
    const strong = document.createElement('strong');
    strong.textContent = title;
    this.tip.append(strong);
    for (const [k, v] of rows) {
      const div = document.createElement('div');
      if (k) {
        const span = document.createElement('span');
        span.className = 'k';
        span.textContent = `${k} `;
        div.append(span);
      } else div.className = 'muted';
      div.append(v);
      this.tip.append(div);
    }
  }

  // ---- the canvas layer ----

  private frame(now: number): void {
    const began = performance.now();
    const dt = this.lastFrame ? (now - this.lastFrame) / 1000 : 0;
    this.lastFrame = now;
    if (!this.fpsStart) this.fpsStart = now;
    this.fpsFrames++;
    if (now - this.fpsStart >= FPS_WINDOW_MS) {
      this.fpsSamples.push((this.fpsFrames * 1000) / (now - this.fpsStart));
      if (this.fpsSamples.length > FPS_SAMPLES) this.fpsSamples.shift();
      this.root.dataset.fps = (this.fpsSamples.reduce((a, b) => a + b, 0) / this.fpsSamples.length).toFixed(1);
      this.root.dataset.frameMs = (this.workMs / Math.max(1, this.fpsFrames)).toFixed(2);
      this.fpsStart = now;
      this.fpsFrames = 0;
      this.workMs = 0;
    }
    this.particles.step(dt);
    this.draw();
    if (now - this.lastParticlesAt >= 250 && this.particles.count !== this.lastParticlesShown) {
      this.root.dataset.particles = String(this.particles.count);
      this.lastParticlesShown = this.particles.count;
      this.lastParticlesAt = now;
    }
    if (this.labelsDirty && now - this.lastLabels >= LABEL_UPDATE_MS) this.updateLabels();
    this.workMs += performance.now() - began;
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    const layout = this.layout;
    if (!layout) return;
    const p = this.particles;
    const geo = this.motionGeometry;
    const pt = this.point;
    // Successes: round dots.
    ctx.fillStyle = this.colors.ok;
    ctx.beginPath();
    for (let i = 0; i < p.count; i++) {
      if (p.error[i]) continue;
      const pts = geo[p.edge[i]];
      if (!pts) continue;
      pointAt(pts, p.progress[i], pt);
      ctx.moveTo(pt.x + 2.6, pt.y);
      ctx.arc(pt.x, pt.y, 2.6, 0, 2 * Math.PI);
    }
    ctx.fill();
    // Errors: larger squares with a light outline (a shape, not only a colour).
    ctx.fillStyle = this.colors.bad;
    ctx.beginPath();
    let errors = 0;
    for (let i = 0; i < p.count; i++) {
      if (!p.error[i]) continue;
      const pts = geo[p.edge[i]];
      if (!pts) continue;
      pointAt(pts, p.progress[i], pt);
      ctx.rect(pt.x - 3.5, pt.y - 3.5, 7, 7);
      errors++;
    }
    if (errors > 0) {
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = 'rgba(255,255,255,0.8)';
      ctx.stroke();
    }
  }
}
