import type { KeyRate, Rate } from './rates';
import { topologicalOrder, type Topology, type TrafficEdge } from '../../../simulation/run/topology';

/**
 * Request rates on every edge of the traffic graph. What the run measures
 * is taken as it is — each stream's rate, each pod revision's responses and
 * 5xx — and what it does not measure per edge is apportioned the way the
 * system divides traffic: Traefik by the routers each stream matches, a
 * weighted TraefikService by its weights (Flagger's live weights for a
 * Canary), a Service over its ready pods, a dependency by calls per request.
 * The edges into a pod revision are then scaled so they add up to its
 * measured rate. Pure: no DOM.
 */

export interface Weights {
  primary: number;
  canary: number;
}

export interface FlowInput {
  /** Per pod node id: its measured rate and gauges. */
  pods: ReadonlyMap<string, KeyRate>;
  /** Per stream name: its rate. */
  streams: ReadonlyMap<string, Rate>;
  /** A Canary's live weights (null: the weights the scenario sets). */
  weights(canary: string | null | undefined): Weights | null;
}

export interface EdgeFlow {
  /** Requests per second. */
  rate: number;
  /** Share of 5xx among them. */
  errorRatio: number;
}

export interface NodeFlow extends EdgeFlow {
  readyPods: number | null;
  inflight: number | null;
}

export interface Flow {
  edges: Map<string, EdgeFlow>;
  nodes: Map<string, NodeFlow>;
  /** The highest edge rate. */
  maxRate: number;
  /** Per split node: the weights shown (percent). */
  splits: Map<string, Weights>;
}

/** The weights a split divides by: its children's static weights, or the Canary's live ones. */
function splitWeights(outs: readonly TrafficEdge[], live: Weights | null): Map<TrafficEdge, number> {
  const w = new Map<TrafficEdge, number>();
  for (const e of outs) {
    if (e.share.by !== 'weight') continue;
    const v = e.share.version;
    w.set(e, live && v ? live[v] : e.share.weight);
  }
  return w;
}

export function computeFlow(topo: Topology, input: FlowInput): Flow {
  const nodeById = new Map(topo.nodes.map((n) => [n.id, n]));
  const ins = new Map<string, TrafficEdge[]>(topo.nodes.map((n) => [n.id, []]));
  const outs = new Map<string, TrafficEdge[]>(topo.nodes.map((n) => [n.id, []]));
  for (const e of topo.edges) {
    if (e.kind === 'control') continue;
    ins.get(e.to)?.push(e);
    outs.get(e.from)?.push(e);
  }
  const order = topologicalOrder(topo);
  const edgeRate = new Map<string, number>();
  const nodes = new Map<string, NodeFlow>();
  const splits = new Map<string, Weights>();
  const measured = (id: string) => input.pods.get(id);
  const streamRate = (name: string | undefined) => (name === undefined ? undefined : input.streams.get(name));

  // Forward: the flow through each node, divided onto its edges.
  for (const id of order) {
    const n = nodeById.get(id)!;
    const inEdges = ins.get(id) ?? [];
    let inflow: number;
    if (n.kind === 'stream') inflow = streamRate(n.stream)?.rate ?? 0;
    else if (n.kind === 'pod') inflow = measured(id)?.rate ?? 0;
    else if (n.kind === 'control') inflow = 0;
    else if (inEdges.some((e) => e.share.by === 'downstream')) {
      inflow = (outs.get(id) ?? []).reduce((a, e) => a + (nodeById.get(e.to)?.kind === 'pod' ? (measured(e.to)?.rate ?? 0) : 0), 0);
      const down = inEdges.filter((e) => e.share.by === 'downstream');
      for (const e of down) edgeRate.set(e.id, inflow / down.length);
    } else inflow = inEdges.reduce((a, e) => a + (edgeRate.get(e.id) ?? 0), 0);

    const outEdges = outs.get(id) ?? [];
    const live = n.kind === 'split' ? input.weights(n.canary) : null;
    const weights = splitWeights(outEdges, live);
    // Each group (a Service's pods) counts its weight once.
    let total = 0;
    const seen = new Set<string>();
    for (const [e, w] of weights) {
      const key = e.group ?? e.id;
      if (seen.has(key)) continue;
      seen.add(key);
      total += w;
    }
    if (n.kind === 'split') {
      const p = outEdges.find((e) => e.share.by === 'weight' && e.share.version === 'primary');
      const c = outEdges.find((e) => e.share.by === 'weight' && e.share.version === 'canary');
      if (p || c) {
        const wp = p ? (weights.get(p) ?? 0) : 0;
        const wc = c ? (weights.get(c) ?? 0) : 0;
        const sum = wp + wc;
        splits.set(id, sum > 0 ? { primary: (100 * wp) / sum, canary: (100 * wc) / sum } : { primary: 100, canary: 0 });
      }
    }
    const base = new Map<TrafficEdge, number>();
    for (const e of outEdges) {
      const s = e.share;
      let r = 0;
      if (s.by === 'all') r = inflow;
      else if (s.by === 'streams') r = s.streams.reduce((a, name) => a + (streamRate(name)?.rate ?? 0), 0);
      else if (s.by === 'weight') r = total > 0 ? (inflow * (weights.get(e) ?? 0)) / total : 0;
      else if (s.by === 'percent') r = (inflow * s.percent) / 100;
      else if (s.by === 'calls') r = inflow * s.calls;
      base.set(e, r);
    }
    // A Service's flow over its pods: by ready pods (evenly when none is ready).
    const groups = new Map<string, TrafficEdge[]>();
    for (const e of outEdges) if (e.group) (groups.get(e.group) ?? groups.set(e.group, []).get(e.group)!).push(e);
    for (const e of outEdges) {
      let r = base.get(e) ?? 0;
      if (e.group) {
        const members = groups.get(e.group)!;
        const ready = members.map((m) => measured(m.to)?.readyPods ?? 0);
        const sum = ready.reduce((a, b) => a + b, 0);
        const mine = measured(e.to)?.readyPods ?? 0;
        r *= sum > 0 ? mine / sum : 1 / members.length;
      }
      edgeRate.set(e.id, r);
    }
  }

  // The edges into a pod revision add up to what it measured.
  for (const n of topo.nodes) {
    if (n.kind !== 'pod') continue;
    const inEdges = ins.get(n.id) ?? [];
    if (inEdges.length === 0) continue;
    const want = measured(n.id)?.rate ?? 0;
    const have = inEdges.reduce((a, e) => a + (edgeRate.get(e.id) ?? 0), 0);
    for (const e of inEdges) edgeRate.set(e.id, have > 0 ? ((edgeRate.get(e.id) ?? 0) * want) / have : want / inEdges.length);
  }

  // Errors: an edge into a pod carries the pod's 5xx share; a stream's edges the stream's own; the others what their target passes on.
  const edgeErr = new Map<string, number>();
  for (const id of [...order].reverse()) {
    const n = nodeById.get(id)!;
    const inEdges = ins.get(id) ?? [];
    let err: number;
    if (n.kind === 'pod') err = measured(id)?.errorRatio ?? 0;
    else {
      const outEdges = (outs.get(id) ?? []).filter((e) => e.kind !== 'mirror');
      const r = outEdges.reduce((a, e) => a + (edgeRate.get(e.id) ?? 0), 0);
      err = r > 0 ? outEdges.reduce((a, e) => a + (edgeRate.get(e.id) ?? 0) * (edgeErr.get(e.id) ?? 0), 0) / r : 0;
    }
    for (const e of inEdges) {
      const fromStream = nodeById.get(e.from)?.kind === 'stream' ? streamRate(nodeById.get(e.from)!.stream) : undefined;
      edgeErr.set(e.id, fromStream && fromStream.rate > 0 ? fromStream.errorRatio : err);
    }
  }

  const edges = new Map<string, EdgeFlow>();
  let maxRate = 0;
  for (const e of topo.edges) {
    const rate = e.kind === 'control' ? 0 : (edgeRate.get(e.id) ?? 0);
    maxRate = Math.max(maxRate, rate);
    edges.set(e.id, { rate, errorRatio: edgeErr.get(e.id) ?? 0 });
  }
  for (const n of topo.nodes) {
    const m = n.kind === 'pod' ? measured(n.id) : undefined;
    if (n.kind === 'pod') {
      nodes.set(n.id, { rate: m?.rate ?? 0, errorRatio: m?.errorRatio ?? 0, readyPods: m?.readyPods ?? 0, inflight: m?.inflight ?? 0 });
    } else if (n.kind === 'stream') {
      const s = streamRate(n.stream);
      nodes.set(n.id, { rate: s?.rate ?? 0, errorRatio: s?.errorRatio ?? 0, readyPods: null, inflight: null });
    } else {
      const inEdges = (ins.get(n.id) ?? []).map((e) => edges.get(e.id)!);
      const rate = inEdges.reduce((a, e) => a + e.rate, 0);
      const errors = inEdges.reduce((a, e) => a + e.rate * e.errorRatio, 0);
      nodes.set(n.id, { rate, errorRatio: rate > 0 ? errors / rate : 0, readyPods: null, inflight: null });
    }
  }
  return { edges, nodes, maxRate, splits };
}
