import { CONTROL, podId, streamId, TRAEFIK, type Topology } from '../../../simulation/run/topology';

/**
 * Where the traffic view shows an active fault: at the node or on the edge
 * it acts on — an HTTP abort at the revision's pods, a network fault on the
 * call between services, a metrics outage at Prometheus and Flagger, a
 * traffic spike at the stream's entrypoint. The scenario's own faults are
 * placed by their compiled target; a fault without one (injected live) by
 * what its type acts on. Pure: no DOM.
 */

export type FaultAnchor = { kind: 'node'; id: string } | { kind: 'edge'; id: string };

export interface ActiveFault {
  name: string;
  type: string;
  intensity: number;
}

const REQUEST_TYPES = /^(http-|latency-shift|cpu-stress|pod-|crash-loop|oom-leak|scale-down)/;
const CALL_TYPES = /^(network-|dependency-failure|quota|dns-failure)/;
const PROMETHEUS_TYPES = /^(metrics-outage|scrape-)/;

/** The anchors of one fault (several when it acts on several places; at least one when the graph has a node to show it at). */
export function faultAnchors(fault: { name: string; type: string }, topo: Topology): FaultAnchor[] {
  const has = new Set(topo.nodes.map((n) => n.id));
  const node = (id: string): FaultAnchor[] => (has.has(id) ? [{ kind: 'node', id }] : []);
  const control = () => (has.has(CONTROL) ? node(CONTROL) : node(TRAEFIK));
  const canarySplits = () => topo.nodes.filter((n) => n.kind === 'split' && n.canary).map((n): FaultAnchor => ({ kind: 'node', id: n.id }));
  const fallback = (): FaultAnchor[] => {
    const first = node(TRAEFIK);
    return first.length > 0 ? first : topo.nodes.length > 0 ? [{ kind: 'node', id: topo.nodes[0].id }] : [];
  };
  const orFallback = (xs: FaultAnchor[]) => (xs.length > 0 ? xs : fallback());

  const target = topo.faultTargets[fault.name];
  if (target) {
    switch (target.kind) {
      case 'version': {
        const versions = target.version === 'all' ? (['primary', 'canary'] as const) : [target.version];
        return orFallback(versions.flatMap((v) => node(podId(target.app, v))));
      }
      case 'pods':
        return orFallback(topo.workloads[target.workload] ? node(topo.workloads[target.workload]) : []);
      case 'edge': {
        const fromApp = (id: string) => topo.nodes.find((n) => n.id === id)?.app;
        const edges = topo.edges.filter((e) => e.kind === 'dependency' && e.service === target.to && (target.from === null || fromApp(e.from) === target.from));
        return orFallback(edges.map((e): FaultAnchor => ({ kind: 'edge', id: e.id })));
      }
      case 'stream':
        return orFallback(node(streamId(target.stream)));
      case 'provider':
        return orFallback(control());
      case 'scrape':
        return orFallback(target.job === 'traefik' && has.has(TRAEFIK) ? node(TRAEFIK) : control());
      case 'router':
        return orFallback(fault.type === 'router-reject' ? canarySplits() : node(TRAEFIK));
    }
  }
  // No compiled target: by what the type acts on.
  if (fault.type === 'traffic-spike') return orFallback(has.has(TRAEFIK) ? node(TRAEFIK) : topo.nodes.filter((n) => n.kind === 'stream').map((n): FaultAnchor => ({ kind: 'node', id: n.id })));
  if (PROMETHEUS_TYPES.test(fault.type)) return orFallback(control());
  if (fault.type === 'router-reject') return orFallback(canarySplits());
  if (CALL_TYPES.test(fault.type)) {
    const deps = topo.edges.filter((e) => e.kind === 'dependency');
    if (deps.length === 1) return [{ kind: 'edge', id: deps[0].id }];
  }
  return fallback();
}

/** A short description of what a fault type does, for the badge's tooltip. */
export function faultVerb(type: string): string {
  if (type.startsWith('http-abort')) return 'answers errors';
  if (type.startsWith('http-delay') || type === 'latency-shift' || type === 'cpu-stress' || type === 'network-latency') return 'slows requests';
  if (REQUEST_TYPES.test(type)) return 'disrupts pods';
  if (CALL_TYPES.test(type)) return 'disrupts calls';
  if (type === 'traffic-spike') return 'multiplies traffic';
  if (PROMETHEUS_TYPES.test(type)) return 'disrupts metrics';
  if (type === 'router-reject') return 'blocks weight changes';
  return 'active';
}
