/**
 * Traefik's configuration as the simulator runs it: plain data compiled from
 * IngressRoute, TraefikService and Middleware manifests (and the
 * TraefikServices Flagger generates). Names are the ones Traefik's
 * Kubernetes CRD provider gives (see names.ts), so they are also the metric
 * labels. Times are in seconds.
 */

/** A Kubernetes Service referenced with a port: a "servers load balancer" over its endpoints. */
export interface LeafRef {
  kind: 'service';
  /** namespace/name of the Kubernetes Service. */
  service: string;
  /** Service label, e.g. `shop-backend-primary-80@kubernetescrd`. */
  label: string;
}

/** A TraefikService (weighted or mirroring), by its label `ns-name@kubernetescrd`. */
export interface TraefikServiceRef {
  kind: 'traefik';
  label: string;
}

export type ServiceRef = LeafRef | TraefikServiceRef;

export interface WeightedChildSpec {
  ref: ServiceRef;
  /** Integer weight; 0 leaves the child out of the schedule (it must still build). */
  weight: number;
}

export interface StickySpec {
  /** Cookie name (generated as Traefik does when the manifest leaves it empty). */
  cookie: string;
}

export interface WeightedServiceSpec {
  type: 'weighted';
  label: string;
  children: WeightedChildSpec[];
  sticky: StickySpec | null;
}

export interface MirroringServiceSpec {
  type: 'mirroring';
  label: string;
  main: ServiceRef;
  mirrors: Array<{ ref: ServiceRef; percent: number }>;
  /** Bodies above this many bytes are not mirrored (-1: no limit). */
  maxBodySize: number;
  /** Whether the body is mirrored (v3); when false maxBodySize does not apply. */
  mirrorBody: boolean;
}

export type TraefikServiceSpec = WeightedServiceSpec | MirroringServiceSpec;

export interface RetrySpec {
  type: 'retry';
  label: string;
  attempts: number;
  initialInterval: number;
}

export interface CircuitBreakerSpec {
  type: 'circuitBreaker';
  label: string;
  expression: string;
  checkPeriod: number;
  fallbackDuration: number;
  recoveryDuration: number;
  responseCode: number;
}

export interface RateLimitSpec {
  type: 'rateLimit';
  label: string;
  average: number;
  period: number;
  burst: number;
}

export interface BufferingSpec {
  type: 'buffering';
  label: string;
  /** 0: no limit; a larger request body gets 413. */
  maxRequestBodyBytes: number;
  /** 0: no limit; a larger response body gets 500. */
  maxResponseBodyBytes: number;
}

export type MiddlewareSpec = RetrySpec | CircuitBreakerSpec | RateLimitSpec | BufferingSpec;

export interface RouterSpec {
  /** Router label, e.g. `shop-shop-1a2b…@kubernetescrd`. */
  name: string;
  entryPoints: string[];
  rule: string;
  syntax: 'v3' | 'v2';
  priority: number;
  /** Middleware labels, in the order they apply. */
  middlewares: string[];
  service: ServiceRef;
  /** Where the route was declared, for messages. */
  origin: string;
}

/** A TraefikService Flagger manages: `<apex>` weighted between `<apex>-primary` and `<apex>-canary`. */
export interface CanaryRouteSpec {
  /** The Canary (namespace/name). */
  canary: string;
  /** Label of the TraefikService `<apex>`. */
  label: string;
  primary: LeafRef;
  canaryLeaf: LeafRef;
}

export interface MetricsOptions {
  buckets: number[];
  addEntryPointsLabels: boolean;
  addRoutersLabels: boolean;
  addServicesLabels: boolean;
}

export interface TraefikSpec {
  /** Traefik pods: each runs its own schedulers, breakers and metrics. */
  replicas: number;
  /** providersThrottleDuration: configuration applies at least this far apart. */
  throttle: number;
  /** The CRD provider's allowEmptyServices option. */
  allowEmptyServices: boolean;
  entryPoints: string[];
  routers: RouterSpec[];
  services: TraefikServiceSpec[];
  middlewares: MiddlewareSpec[];
  canaryRoutes: CanaryRouteSpec[];
  metrics: MetricsOptions;
}

export const DEFAULT_BUCKETS = [0.1, 0.3, 1.2, 5];
