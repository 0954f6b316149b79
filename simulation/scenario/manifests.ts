import type { z } from 'zod';
import type { Diagnostic } from './diagnostics';
import { issuesToDiagnostics } from './issues';
import { canarySchema, deploymentSchema, ingressRouteSchema, metricTemplateSchema, middlewareSchema, namedSchema, serviceSchema, traefikServiceSchema } from './schema';
import type { SourceDocument } from './yaml-source';

/** A Kubernetes, Flagger or Traefik manifest as read from a scenario. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  /** The validated object (unknown fields kept). */
  value: Record<string, unknown>;
  doc: SourceDocument;
}

export const DEFAULT_NAMESPACE = 'default';

interface KindInfo {
  apiVersions: readonly string[];
  schema: z.ZodType;
}

const TRAEFIK_GROUPS = ['traefik.io/v1alpha1', 'traefik.containo.us/v1alpha1'] as const;

/** The manifests the simulator reads, with the API versions it accepts. */
export const KNOWN_KINDS: Readonly<Record<string, KindInfo>> = {
  Deployment: { apiVersions: ['apps/v1'], schema: deploymentSchema },
  Service: { apiVersions: ['v1'], schema: serviceSchema },
  Canary: { apiVersions: ['flagger.app/v1beta1'], schema: canarySchema },
  MetricTemplate: { apiVersions: ['flagger.app/v1beta1'], schema: metricTemplateSchema },
  AlertProvider: { apiVersions: ['flagger.app/v1beta1'], schema: namedSchema },
  IngressRoute: { apiVersions: TRAEFIK_GROUPS, schema: ingressRouteSchema },
  TraefikService: { apiVersions: TRAEFIK_GROUPS, schema: traefikServiceSchema },
  Middleware: { apiVersions: TRAEFIK_GROUPS, schema: middlewareSchema },
};

/**
 * Classifies and validates a manifest document. Kinds the simulator does not
 * model are reported as warnings naming what is ignored; a known kind with an
 * unsupported apiVersion is an error.
 */
export function readManifest(doc: SourceDocument, diagnostics: Diagnostic[]): Manifest | null {
  const v = doc.value as Record<string, unknown>;
  const apiVersion = typeof v.apiVersion === 'string' ? v.apiVersion : '';
  const kind = typeof v.kind === 'string' ? v.kind : '';
  const at = (path: Array<string | number>) => doc.locate(path);
  if (!apiVersion || !kind) {
    const field = !kind ? 'kind' : 'apiVersion';
    diagnostics.push({ severity: 'error', file: doc.file, ...at([]), path: field, message: `missing ${field}: every document needs apiVersion and kind` });
    return null;
  }
  const info = KNOWN_KINDS[kind];
  if (!info) {
    diagnostics.push({
      severity: 'warning',
      file: doc.file,
      ...at(['kind']),
      path: 'kind',
      message: `${kind} (${apiVersion}) is not simulated and is ignored; the simulator reads ${Object.keys(KNOWN_KINDS).join(', ')} and the gameday.dev Scenario`,
    });
    return null;
  }
  if (!info.apiVersions.includes(apiVersion)) {
    diagnostics.push({
      severity: 'error',
      file: doc.file,
      ...at(['apiVersion']),
      path: 'apiVersion',
      message: `expected ${info.apiVersions.join(' or ')} for kind ${kind}, found ${JSON.stringify(apiVersion)}`,
    });
    return null;
  }
  const parsed = info.schema.safeParse(v);
  if (!parsed.success) {
    diagnostics.push(...issuesToDiagnostics(parsed.error.issues, doc, info.schema));
    return null;
  }
  const value = parsed.data as Record<string, unknown>;
  const meta = value.metadata as { name: string; namespace?: string };
  return { apiVersion, kind, name: meta.name, namespace: meta.namespace ?? DEFAULT_NAMESPACE, value, doc };
}
