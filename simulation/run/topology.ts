import type { ServiceSpec, Version, WorkloadSpec, WorldSpec } from '../model/spec';
import type { ServiceRef, TraefikSpec } from '../routing/spec';
import type { FaultTarget } from '../faults/spec';
import { compareRouters, parseRule, type RuleRequest } from '../routing/rule';

/**
 * The traffic view's graph: the traffic streams, Traefik, the TraefikServices
 * that split traffic (Flagger's Canary route among them), the pods of each
 * app's revisions, and the dependency calls between apps — with, per edge,
 * how the flow at its source divides onto it. Built from the compiled
 * scenario (WorldSpec), or, without one, from the run's series keys alone.
 * Pure: no DOM.
 */

export type NodeKind = 'stream' | 'traefik' | 'split' | 'pod' | 'control';

export interface TrafficNode {
  id: string;
  kind: NodeKind;
  /** What the node shows. */
  label: string;
  /** A second line: the entrypoint, "kube-proxy", the TraefikService's name… */
  sub: string;
  /** Pods: the app and revision (the series key). */
  app?: string;
  version?: Version;
  /** Streams: the stream's name (the key of the run's stream totals). */
  stream?: string;
  /** Splits: the Canary (namespace/name) whose weights Flagger sets; null for a TraefikService of the scenario's own. */
  canary?: string | null;
  /** Splits of the scenario's own: how they divide traffic ("whoami 50% · whoami2 50%", "mirror whoami 50%"). */
  shares?: string;
}

/**
 * How the flow through an edge's source divides onto it:
 * - `all`: the source's whole flow (a stream's first hop, a mirroring service's main);
 * - `streams`: the traffic of these streams (Traefik routes each stream by its rule);
 * - `weight`: a weighted TraefikService's child (live weights for a Canary route, by `version`);
 * - `percent`: a mirror's copy;
 * - `calls`: a dependency, `calls` per request of the caller.
 * Edges to pods through one Kubernetes Service (`group`) share that edge's flow by ready pods.
 */
export type Share =
  | { by: 'all' }
  | { by: 'streams'; streams: string[] }
  | { by: 'weight'; weight: number; version: Version | null }
  | { by: 'percent'; percent: number }
  | { by: 'calls'; calls: number }
  /** Whatever the target passes on (the fallback graph, which knows no routes). */
  | { by: 'downstream' };

export type EdgeKind = 'ingress' | 'route' | 'split' | 'mirror' | 'direct' | 'dependency' | 'control';

export interface TrafficEdge {
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  share: Share;
  /** Edges that divide one flow over a Service's pods, by ready pods (null: the edge takes the flow whole). */
  group: string | null;
  /** Dependency edges: the Kubernetes Service called (namespace/name), for faults on that edge. */
  service?: string;
}

export interface Topology {
  nodes: TrafficNode[];
  edges: TrafficEdge[];
  /** Faults of the scenario by name: where each acts. */
  faultTargets: Record<string, FaultTarget>;
  /** Workloads (Deployment names) to their pod nodes. */
  workloads: Record<string, string>;
  /** Streams through Traefik that no router matches (Traefik answers 404). */
  unrouted: string[];
  /** Built from the compiled scenario (false: from the series keys only). */
  exact: boolean;
}

export const TRAEFIK = 'traefik';
export const CONTROL = 'control';
/** A split of the fallback graph: weighted as the rolled-out Canary is, whichever that is. */
export const ANY_CANARY = '*';

export function podId(app: string, version: Version): string {
  return `pod:${app}:${version}`;
}
export function streamId(name: string): string {
  return `stream:${name}`;
}
export function splitId(label: string): string {
  return `split:${label}`;
}
export function edgeId(from: string, to: string): string {
  return `${from}->${to}`;
}

/** Nodes in an order where every edge's source comes before its target (cycles: the rest in graph order). */
export function topologicalOrder(topo: Pick<Topology, 'nodes' | 'edges'>): string[] {
  const indeg = new Map<string, number>(topo.nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>(topo.nodes.map((n) => [n.id, []]));
  for (const e of topo.edges) {
    if (e.from === e.to || !indeg.has(e.to) || !out.has(e.from)) continue;
    indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
    out.get(e.from)!.push(e.to);
  }
  const order: string[] = [];
  const done = new Set<string>();
  const queue = topo.nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  while (order.length < topo.nodes.length) {
    if (queue.length === 0) {
      // A cycle: take the first node not yet placed.
      const next = topo.nodes.find((n) => !done.has(n.id));
      if (!next) break;
      queue.push(next.id);
      indeg.set(next.id, 0);
    }
    const id = queue.shift()!;
    if (done.has(id)) continue;
    done.add(id);
    order.push(id);
    for (const to of out.get(id) ?? []) {
      const d = (indeg.get(to) ?? 0) - 1;
      indeg.set(to, d);
      if (d === 0 && !done.has(to)) queue.push(to);
    }
  }
  return order;
}

/** The scenario as the topology reads it: the compiled world and the faults' targets. */
export interface TopologySource {
  world: Pick<WorldSpec, 'apps' | 'workloads' | 'services' | 'streams' | 'traefik'>;
  faults?: ReadonlyArray<{ name: string; target: FaultTarget }>;
}

/** `ns-name@kubernetescrd` → `name` (what a person calls the TraefikService), for the namespaces known. */
function shortLabel(label: string, namespaces: readonly string[]): string {
  const bare = label.replace(/@.*$/, '');
  const ns = namespaces.find((n) => bare.startsWith(`${n}-`));
  return ns ? bare.slice(ns.length + 1) : bare;
}

function selects(service: ServiceSpec, w: WorkloadSpec): boolean {
  if (service.namespace !== w.namespace) return false;
  const keys = Object.keys(service.selector);
  if (keys.length === 0) return false;
  return keys.every((k) => w.labels[k] === service.selector[k]);
}

/** Builds the graph of a compiled scenario. */
export function buildTopology(src: TopologySource): Topology {
  const { world } = src;
  const nodes = new Map<string, TrafficNode>();
  const edges = new Map<string, TrafficEdge>();
  const addNode = (n: TrafficNode) => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
    return n.id;
  };
  const addEdge = (e: Omit<TrafficEdge, 'id'>) => {
    const id = edgeId(e.from, e.to);
    const had = edges.get(id);
    if (!had) edges.set(id, { ...e, id });
    else if (had.share.by === 'streams' && e.share.by === 'streams') had.share.streams.push(...e.share.streams);
    return id;
  };

  const serviceByKey = new Map(world.services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const podOf = (w: WorkloadSpec) => {
    const id = podId(w.app, w.version);
    addNode({ id, kind: 'pod', label: w.app, sub: w.version, app: w.app, version: w.version });
    return id;
  };
  // Every revision that runs (or will run: the canary workload starts at zero replicas) has a node.
  for (const w of world.workloads) podOf(w);
  /** The pod nodes behind a Kubernetes Service. */
  const podsOf = (serviceKey: string): string[] => {
    const s = serviceByKey.get(serviceKey);
    if (!s) return [];
    const ids = world.workloads.filter((w) => selects(s, w)).map(podOf);
    return [...new Set(ids)];
  };
  /** Edges from `from` to the pods of a Service (a group when several). */
  const toService = (from: string, serviceKey: string, kind: EdgeKind, share: Share, extra: Partial<TrafficEdge> = {}) => {
    const pods = podsOf(serviceKey);
    const group = pods.length > 1 ? `${from}=>${serviceKey}` : null;
    for (const p of pods) if (p !== from || kind === 'dependency') addEdge({ from, to: p, kind, share: { ...share, ...(share.by === 'streams' ? { streams: [...share.streams] } : {}) } as Share, group, ...extra });
  };

  const traefik = world.traefik;
  // Longest first: `shop-dev` before `shop`.
  const namespaces = [...new Set([...world.services, ...world.workloads].map((x) => x.namespace))].sort((a, b) => b.length - a.length);
  const canaryRoutes = new Map((traefik?.canaryRoutes ?? []).map((c) => [c.label, c]));
  const traefikServices = new Map((traefik?.services ?? []).map((s) => [s.label, s]));
  /** Adds the node of a TraefikService (and its children, recursively); returns its id. */
  const visiting = new Set<string>();
  const splitNode = (label: string): string | null => {
    const id = splitId(label);
    if (nodes.has(id)) return id;
    if (visiting.has(label)) return null;
    visiting.add(label);
    const c = canaryRoutes.get(label);
    const spec = traefikServices.get(label);
    if (!c && !spec) return null;
    addNode({ id, kind: 'split', label: shortLabel(label, namespaces), sub: c ? `Canary ${c.canary}` : spec?.type === 'mirroring' ? 'mirroring' : 'weighted', canary: c ? c.canary : null });
    if (c) {
      toService(id, c.primary.service, 'split', { by: 'weight', weight: 100, version: 'primary' });
      toService(id, c.canaryLeaf.service, 'split', { by: 'weight', weight: 0, version: 'canary' });
    } else if (spec?.type === 'weighted') {
      for (const child of spec.children) refEdges(id, child.ref, 'split', { by: 'weight', weight: child.weight, version: null });
      const total = spec.children.reduce((a, c) => a + c.weight, 0);
      nodes.get(id)!.shares = spec.children.map((c) => `${refName(c.ref)} ${total > 0 ? Math.round((100 * c.weight) / total) : 0}%`).join(' · ');
    } else if (spec?.type === 'mirroring') {
      refEdges(id, spec.main, 'split', { by: 'all' });
      for (const m of spec.mirrors) refEdges(id, m.ref, 'mirror', { by: 'percent', percent: m.percent });
      nodes.get(id)!.shares = [`${refName(spec.main)}`, ...spec.mirrors.map((m) => `mirror ${refName(m.ref)} ${m.percent}%`)].join(' · ');
    }
    visiting.delete(label);
    return id;
  };
  const refName = (ref: ServiceRef) => (ref.kind === 'service' ? ref.service.replace(/^[^/]*\//, '') : shortLabel(ref.label, namespaces));
  const refEdges = (from: string, ref: ServiceRef, kind: EdgeKind, share: Share) => {
    if (ref.kind === 'service') toService(from, ref.service, kind, share);
    else {
      const child = splitNode(ref.label);
      if (child) addEdge({ from, to: child, kind, share, group: null });
    }
  };

  const routers = traefik ? orderedRouters(traefik) : [];
  const unrouted: string[] = [];
  for (const s of world.streams) {
    const sid = addNode({ id: streamId(s.name), kind: 'stream', label: s.loadTest ? 'load test' : s.name, sub: s.ingress ? s.ingress.entryPoint : 'kube-proxy', stream: s.name });
    if (s.ingress) {
      addNode({ id: TRAEFIK, kind: 'traefik', label: 'Traefik', sub: traefik ? traefik.entryPoints.join(', ') : '' });
      addEdge({ from: sid, to: TRAEFIK, kind: 'ingress', share: { by: 'all' }, group: null });
      const req = s.ingress.request;
      const router = routers.find((r) => r.entryPoints.includes(s.ingress!.entryPoint) && r.match(req));
      if (router) refEdges(TRAEFIK, router.service, 'route', { by: 'streams', streams: [s.name] });
      else unrouted.push(s.name);
    } else if (s.target) {
      toService(sid, s.target, 'direct', { by: 'all' });
    }
  }
  for (const app of world.apps) {
    for (const version of ['primary', 'canary'] as const) {
      const from = podId(app.name, version);
      if (!nodes.has(from)) continue;
      for (const d of app[version].dependencies) toService(from, d.service, 'dependency', { by: 'calls', calls: d.calls }, { service: d.service });
    }
  }
  // Prometheus and Flagger watch the Canary routes (a control edge: where metrics outages and rejected updates act).
  const splits = [...nodes.values()].filter((n) => n.kind === 'split' && n.canary);
  if (splits.length > 0) {
    addNode({ id: CONTROL, kind: 'control', label: 'Prometheus · Flagger', sub: 'analysis' });
    for (const n of splits) addEdge({ from: CONTROL, to: n.id, kind: 'control', share: { by: 'all' }, group: null });
  }

  const faultTargets: Record<string, FaultTarget> = {};
  for (const f of src.faults ?? []) faultTargets[f.name] = f.target;
  const workloads: Record<string, string> = {};
  for (const w of world.workloads) workloads[w.name] = podId(w.app, w.version);
  return { nodes: [...nodes.values()], edges: [...edges.values()], faultTargets, workloads, unrouted, exact: true };
}

interface MatchableRouter {
  entryPoints: string[];
  service: ServiceRef;
  match(req: RuleRequest): boolean;
}

/** Traefik's routers in its matching order (priority, then name), with compiled rules; unparsable rules are left out. */
function orderedRouters(traefik: TraefikSpec): MatchableRouter[] {
  const out: MatchableRouter[] = [];
  for (const r of [...traefik.routers].sort(compareRouters)) {
    const parsed = parseRule(r.rule, r.syntax);
    if (parsed.ok) out.push({ entryPoints: r.entryPoints, service: r.service, match: (q) => parsed.rule.match(q) });
  }
  return out;
}

/**
 * The graph the run's own record implies, while (or when) the scenario's
 * compiled form is not at hand: every stream into Traefik, Traefik to every
 * app (through a split for apps with a canary revision).
 */
export function fallbackTopology(keys: ReadonlyArray<{ app: string; version: Version }>, streams: readonly string[]): Topology {
  const nodes: TrafficNode[] = [];
  const edges: TrafficEdge[] = [];
  nodes.push({ id: TRAEFIK, kind: 'traefik', label: 'Traefik', sub: '' });
  for (const s of streams) {
    nodes.push({ id: streamId(s), kind: 'stream', label: s, sub: '', stream: s });
    edges.push({ id: edgeId(streamId(s), TRAEFIK), from: streamId(s), to: TRAEFIK, kind: 'ingress', share: { by: 'all' }, group: null });
  }
  const apps = [...new Set(keys.map((k) => k.app))];
  for (const app of apps) {
    const versions = keys.filter((k) => k.app === app).map((k) => k.version);
    for (const v of versions) nodes.push({ id: podId(app, v), kind: 'pod', label: app, sub: v, app, version: v });
    if (versions.length > 1) {
      const split = splitId(app);
      nodes.push({ id: split, kind: 'split', label: app, sub: '', canary: ANY_CANARY });
      edges.push({ id: edgeId(TRAEFIK, split), from: TRAEFIK, to: split, kind: 'route', share: { by: 'downstream' }, group: null });
      for (const v of versions) edges.push({ id: edgeId(split, podId(app, v)), from: split, to: podId(app, v), kind: 'split', share: { by: 'weight', weight: v === 'primary' ? 100 : 0, version: v }, group: null });
    } else {
      edges.push({ id: edgeId(TRAEFIK, podId(app, versions[0])), from: TRAEFIK, to: podId(app, versions[0]), kind: 'route', share: { by: 'downstream' }, group: null });
    }
  }
  return { nodes, edges, faultTargets: {}, workloads: {}, unrouted: [], exact: false };
}
