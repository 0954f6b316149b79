import { sha256Hex } from '../util/sha256';
import { BoundedMemo } from '../util/memo';

/**
 * The names Traefik's Kubernetes CRD provider gives routers and services, as
 * they appear in the `service` and `router` labels of its metrics.
 */
export const CRD_PROVIDER = 'kubernetescrd';

/**
 * Normalised names by their input: the same few Service and route names are
 * normalised again in every run (and at every SLO evaluation). Bounded:
 * cleared when full.
 */
const normalized = new BoundedMemo<string, string>(1024);

/** Every run of characters that are neither letters nor digits becomes one '-', none at the ends. */
export function normalizeName(name: string): string {
  return normalized.get(name, (n) =>
    n
      .split(/[^\p{L}\p{N}]+/u)
      .filter((part) => part !== '')
      .join('-'),
  );
}

/** A Kubernetes Service referenced with a port (number or name, as written). */
export function kubernetesServiceLabel(namespace: string, name: string, port: string | number): string {
  return `${normalizeName(`${namespace}-${name}-${port}`)}@${CRD_PROVIDER}`;
}

/** A TraefikService (the port is ignored). */
export function traefikServiceLabel(namespace: string, name: string): string {
  return `${normalizeName(`${namespace}-${name}`)}@${CRD_PROVIDER}`;
}

/**
 * The router of an IngressRoute route; also the name of the implicit
 * weighted service of a route with two or more services.
 */
export function routeName(namespace: string, ingressRoute: string, match: string): string {
  return normalizeName(`${namespace}-${ingressRoute}-${sha256Hex(match).slice(0, 20)}`);
}

export function routeLabel(namespace: string, ingressRoute: string, match: string): string {
  return `${routeName(namespace, ingressRoute, match)}@${CRD_PROVIDER}`;
}
