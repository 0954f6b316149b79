import { type DistributionSpec, Sampler } from '../model/distributions';
import type { RateProfileSpec } from '../traffic/profile';
import { type AppSpec, type BehaviourSpec, type DependencySpec, qualified, selectsWorkload, type ServiceSpec, type StreamSpec, type WorkloadSpec, type WorldSpec } from '../model/spec';
import type { FlaggerSpec, LoadTestSpec } from '../run/flagger';
import type { RunnableScenario } from '../run/simulation';
import { dirname, resolveRelative } from '../util/path';
import { type Diagnostic, sortDiagnostics } from './diagnostics';
import { compileFaults } from './faults';
import { compileSlos } from './slo';
import { compileShadowJudges } from './shadow';
import { compileGameDay } from './gameday';
import { compileLesson, type Lesson } from './lesson';
import type { GameDayPlan } from '../gameday/record';
import { compileFlagger, compileWebhookBehaviours, type Report, reporters } from './flagger';
import { parseHey, UNLIMITED_QPS_PER_WORKER } from '../rollout/loadtest';
import type { CanarySpec } from '../rollout/types';
import { issuesToDiagnostics } from './issues';
import { DEFAULT_NAMESPACE, type Manifest, readManifest } from './manifests';
import { type AppDocument, SCENARIO_API_VERSION, type ScenarioDocument, scenarioDocumentSchema } from './schema';
import { compileTraefik } from './traefik';
import { mappingDocuments, type SourceDocument } from './yaml-source';
import { parseRfc3339 } from '../util/time';
import { CLIENT_DEFAULT_BUCKETS } from '../telemetry/app-metrics';

/** How the loader reads files: the CLI passes the file system, the browser a virtual one. */
export interface ScenarioHost {
  /** The file's text, or null when it does not exist or cannot be read. */
  readFile(path: string): string | null;
}

export interface LoadedScenario extends RunnableScenario {
  file: string;
  description?: string;
  /** The onboarding lesson (docs/lessons.md); null without one. */
  lesson: Lesson | null;
  /** The game-day plan (docs/gameday.md); null without one. */
  gameDay: GameDayPlan | null;
  /** The expected outcome; checked against runs once the decision engine lands. */
  expect?: ScenarioDocument['spec']['expect'];
  document: ScenarioDocument;
  manifests: ReadonlyArray<Omit<Manifest, 'doc'> & { file: string }>;
  warnings: Diagnostic[];
}

export type LoadResult = { ok: true; scenario: LoadedScenario; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * Loads a scenario file (multi-document YAML), the manifests it includes,
 * validates everything and compiles the system to simulate. All problems are
 * reported at once, each with file, line, column and field path.
 */
export function loadScenario(file: string, host: ScenarioHost): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const text = host.readFile(file);
  if (text === null) return { ok: false, diagnostics: [{ severity: 'error', file, line: 0, column: 0, path: '', message: 'cannot read the file' }] };
  let scenarioDoc: SourceDocument | null = null;
  const manifests: Manifest[] = [];
  for (const doc of mappingDocuments(file, text, diagnostics)) {
    if (doc.value.kind === 'Scenario' || doc.value.apiVersion === SCENARIO_API_VERSION) {
      if (scenarioDoc) {
        diagnostics.push({ severity: 'error', file, ...doc.locate(['kind']), path: 'kind', message: 'a scenario file holds exactly one Scenario document; found a second one' });
        continue;
      }
      scenarioDoc = doc;
      continue;
    }
    const m = readManifest(doc, diagnostics);
    if (m) manifests.push(m);
  }
  if (!scenarioDoc) {
    if (!diagnostics.some((d) => d.severity === 'error')) {
      diagnostics.push({ severity: 'error', file, line: 1, column: 1, path: '', message: `no Scenario document: expected one document with apiVersion ${SCENARIO_API_VERSION} and kind Scenario` });
    }
    return fail(diagnostics);
  }
  const result = scenarioDocumentSchema.safeParse(scenarioDoc.value);
  if (!result.success) {
    diagnostics.push(...issuesToDiagnostics(result.error.issues, scenarioDoc, scenarioDocumentSchema));
    return fail(diagnostics);
  }
  const document = result.data;

  // Included manifest files, relative to the scenario file.
  const base = dirname(file);
  document.spec.include.forEach((rel, i) => {
    const path = resolveRelative(base, rel);
    const at = scenarioDoc.locate(['spec', 'include', i]);
    const inc = host.readFile(path);
    if (inc === null) {
      diagnostics.push({ severity: 'error', file, ...at, path: `spec.include[${i}]`, message: `cannot read included file ${JSON.stringify(rel)} (resolved to ${path})` });
      return;
    }
    for (const doc of mappingDocuments(path, inc, diagnostics)) {
      if (doc.value.kind === 'Scenario') {
        diagnostics.push({ severity: 'error', file: path, ...doc.locate(['kind']), path: 'kind', message: 'an included file holds manifests only; the Scenario document belongs in the scenario file' });
        continue;
      }
      const m = readManifest(doc, diagnostics);
      if (m) manifests.push(m);
    }
  });
  if (diagnostics.some((d) => d.severity === 'error')) return fail(diagnostics);

  const compiled = compileWorld(document, scenarioDoc, manifests, diagnostics);
  if (!compiled || diagnostics.some((d) => d.severity === 'error')) return fail(diagnostics);
  const { world, flagger } = compiled;
  const { err: faultErr, warn: faultWarn } = reporters(diagnostics);
  const faults = compileFaults(document, scenarioDoc, world, faultErr, faultWarn);
  const slos = compileSlos(document, scenarioDoc, world, flagger.canaries, faultErr, faultWarn);
  const gameDay = compileGameDay(document, scenarioDoc, faults, faultErr, faultWarn);
  const rolledOut = flagger.canaries.find((c) => `${c.namespace}/${c.name}` === flagger.rollout) ?? null;
  const lesson = compileLesson(document, scenarioDoc, rolledOut, faultErr, faultWarn);
  const shadowJudges = compileShadowJudges(document, scenarioDoc, { file, text, readFile: (p) => host.readFile(p), canaries: flagger.canaries, rollout: flagger.rollout, diagnostics, err: faultErr, warn: faultWarn });
  if (diagnostics.some((d) => d.severity === 'error')) return fail(diagnostics);

  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  return {
    ok: true,
    diagnostics: sortDiagnostics(diagnostics),
    scenario: {
      name: document.metadata.name,
      description: document.metadata.description,
      file,
      seed: document.spec.seed,
      duration: document.spec.duration,
      lesson,
      expect: document.spec.expect,
      world,
      flagger,
      faults,
      slos,
      ...(shadowJudges.length > 0 ? { shadowJudges } : {}),
      gameDay,
      document,
      manifests: manifests.map(({ doc, ...m }) => ({ ...m, file: doc.file })),
      warnings,
    },
  };
}

/**
 * Validates a file of manifests only (no Scenario document), as
 * `gameday validate` does for a team's Canary or Traefik files.
 */
export function validateManifestFile(file: string, host: ScenarioHost): { diagnostics: Diagnostic[]; manifests: number } {
  const text = host.readFile(file);
  if (text === null) return { manifests: 0, diagnostics: [{ severity: 'error', file, line: 0, column: 0, path: '', message: 'cannot read the file' }] };
  const diagnostics: Diagnostic[] = [];
  const read: Manifest[] = [];
  for (const doc of mappingDocuments(file, text, diagnostics)) {
    const m = readManifest(doc, diagnostics);
    if (m) read.push(m);
  }
  // Canaries and MetricTemplates as Flagger reads them (CRD rules, defaults, what cannot be honoured).
  const { err, warn } = reporters(diagnostics);
  compileFlagger(read, err, warn, { meshProvider: 'traefik', partial: true });
  return { diagnostics: sortDiagnostics(diagnostics), manifests: read.length };
}

/** True when the text has a Scenario document (so `validate` loads it as a scenario). */
export function looksLikeScenario(text: string): boolean {
  return /^kind:\s*Scenario\s*$/m.test(text) || text.includes(SCENARIO_API_VERSION);
}

function fail(diagnostics: Diagnostic[]): LoadResult {
  return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
}

interface DeploymentInfo {
  m: Manifest;
  replicas: number;
  selector: Record<string, string>;
  templateLabels: Record<string, string>;
}

/** Labels Flagger looks for in the target's selector, in its order. */
const FLAGGER_SELECTOR_LABELS = ['app', 'name', 'app.kubernetes.io/name'] as const;

/**
 * Builds the system to simulate, as Kubernetes and Flagger would set it up
 * after Flagger initialised every Canary: for a Canary on Deployment D with
 * service name S, the primary Deployment D-primary runs the current revision
 * with D's replicas, D itself is scaled to zero (it runs the canary revision
 * when it is scaled up at the rollout time), and the Services S (apex) and
 * S-primary select the primary pods, S-canary the canary pods.
 */
function compileWorld(doc: ScenarioDocument, src: SourceDocument, manifests: Manifest[], diagnostics: Diagnostic[]): { world: WorldSpec; flagger: FlaggerSpec & { rollout: string | null } } | null {
  const spec = doc.spec;
  const { err, warn } = reporters(diagnostics);

  // Deployments, unique by name across namespaces.
  const deployments = new Map<string, DeploymentInfo>();
  for (const m of manifests.filter((x) => x.kind === 'Deployment')) {
    const prev = deployments.get(m.name);
    if (prev) {
      err(m.doc, ['metadata', 'name'], `Deployment ${m.name} is declared twice (also ${prev.m.doc.file}:${prev.m.doc.locate(['metadata', 'name']).line}); Deployment names must be unique in a scenario`);
      continue;
    }
    const s = m.value.spec as { replicas: number; selector: { matchLabels?: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> } } };
    const selector = s.selector.matchLabels ?? {};
    const templateLabels = s.template.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(selector)) {
      if (templateLabels[k] !== v) err(m.doc, ['spec', 'selector', 'matchLabels', k], `selector label ${k}=${v} does not match the pod template's labels (Kubernetes rejects such a Deployment)`);
    }
    deployments.set(m.name, { m, replicas: s.replicas, selector, templateLabels });
  }

  // Canaries.
  const canaryOf = new Map<string, Manifest>();
  for (const c of manifests.filter((x) => x.kind === 'Canary')) {
    const cs = c.value.spec as { targetRef: { name: string }; service: { name?: string } };
    const target = deployments.get(cs.targetRef.name);
    if (!target) {
      err(c.doc, ['spec', 'targetRef', 'name'], `no Deployment named ${cs.targetRef.name} in this scenario (declared: ${[...deployments.keys()].join(', ') || 'none'})`);
      continue;
    }
    if (target.m.namespace !== c.namespace) {
      err(c.doc, ['metadata', 'namespace'], `the Canary is in namespace ${c.namespace} but Deployment ${target.m.name} is in ${target.m.namespace}; Flagger looks for the target in the Canary's namespace`);
      continue;
    }
    if (canaryOf.has(target.m.name)) {
      err(c.doc, ['spec', 'targetRef', 'name'], `Deployment ${target.m.name} is already the target of Canary ${canaryOf.get(target.m.name)?.name}`);
      continue;
    }
    canaryOf.set(target.m.name, c);
  }

  // Behaviour for every Deployment.
  const apps: AppSpec[] = [];
  for (const [name, d] of deployments) {
    const beh = spec.services[name];
    if (!beh) {
      err(src, ['spec', 'services'], `no behaviour for Deployment ${name}: add services.${name} with at least a latency`, true);
      continue;
    }
    apps.push(toApp(name, d.m.namespace, beh));
  }
  for (const name of Object.keys(spec.services)) {
    if (!deployments.has(name)) err(src, ['spec', 'services', name], `no Deployment named ${name} in this scenario's manifests (declared: ${[...deployments.keys()].join(', ') || 'none'})`, true);
  }

  // Workloads and the Services Flagger generates.
  const workloads: WorkloadSpec[] = [];
  const services: ServiceSpec[] = [];
  const generated = new Map<string, string>();
  for (const [name, d] of deployments) {
    const ns = d.m.namespace;
    const canary = canaryOf.get(name);
    if (!canary) {
      workloads.push({ name, namespace: ns, app: name, version: 'primary', replicas: d.replicas, labels: d.templateLabels });
      continue;
    }
    const key = FLAGGER_SELECTOR_LABELS.find((k) => d.selector[k] !== undefined);
    if (!key) {
      err(d.m.doc, ['spec', 'selector', 'matchLabels'], `Flagger needs the target's selector to have one of the labels ${FLAGGER_SELECTOR_LABELS.join(', ')}`);
      continue;
    }
    const value = d.selector[key];
    workloads.push({ name: `${name}-primary`, namespace: ns, app: name, version: 'primary', replicas: d.replicas, labels: { ...d.templateLabels, [key]: `${value}-primary` } });
    workloads.push({ name, namespace: ns, app: name, version: 'canary', replicas: 0, labels: d.templateLabels });
    const svc = ((canary.value.spec as { service: { name?: string } }).service.name ?? name) as string;
    for (const [svcName, sel] of [
      [svc, `${value}-primary`],
      [`${svc}-primary`, `${value}-primary`],
      [`${svc}-canary`, value],
    ] as const) {
      services.push({ name: svcName, namespace: ns, selector: { [key]: sel }, origin: 'flagger' });
      generated.set(qualified(ns, svcName), canary.name);
    }
  }
  for (const m of manifests.filter((x) => x.kind === 'Service')) {
    const key = qualified(m.namespace, m.name);
    if (generated.has(key)) {
      warn(m.doc, ['metadata', 'name'], `Service ${m.name} is generated by Flagger for Canary ${generated.get(key)}; this manifest is replaced, as Flagger would`);
      continue;
    }
    const selector = (m.value.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {};
    if (Object.keys(selector).length === 0) warn(m.doc, ['spec'], `Service ${m.name} has no selector, so no pods back it: requests to it get 503`);
    services.push({ name: m.name, namespace: m.namespace, selector, origin: 'manifest' });
  }
  const declared = new Set(services.map((s) => qualified(s.namespace, s.name)));
  for (const [name, d] of deployments) {
    if (canaryOf.has(name) || declared.has(qualified(d.m.namespace, name))) continue;
    services.push({ name, namespace: d.m.namespace, selector: Object.keys(d.selector).length > 0 ? d.selector : d.templateLabels, origin: 'implicit' });
  }

  // Service references.
  const resolve = (ref: string, namespace: string | null): string | null => {
    if (ref.includes('/')) return services.some((s) => qualified(s.namespace, s.name) === ref) ? ref : null;
    if (namespace !== null) return services.some((s) => s.namespace === namespace && s.name === ref) ? qualified(namespace, ref) : null;
    const hits = services.filter((s) => s.name === ref);
    return hits.length === 1 ? qualified(hits[0].namespace, hits[0].name) : null;
  };
  const known = () => services.map((s) => (s.namespace === DEFAULT_NAMESPACE ? s.name : qualified(s.namespace, s.name))).join(', ');
  const streams: StreamSpec[] = [];
  const streamNames = new Set<string>();
  spec.traffic.forEach((t, i) => {
    if (streamNames.has(t.name)) err(src, ['spec', 'traffic', i, 'name'], `a stream named ${t.name} already exists`);
    streamNames.add(t.name);
    const common = { name: t.name, rate: rateSpec(t, spec.telemetry.startTime), overdispersion: t.overdispersion && t.overdispersion.dispersion > 0 ? t.overdispersion : null, timeout: t.timeout ?? Infinity };
    if (t.target === undefined) {
      streams.push({
        ...common,
        target: null,
        ingress: {
          entryPoint: t.entryPoint as string,
          request: { host: t.host, path: t.path, method: t.method, headers: t.headers, query: t.query, clientIP: t.clientIP },
          clients: t.clients,
          requestBytes: t.requestBytes,
        },
      });
      return;
    }
    const target = resolve(t.target, null);
    if (!target) {
      const ambiguous = !t.target.includes('/') && services.filter((s) => s.name === t.target).length > 1;
      err(src, ['spec', 'traffic', i, 'target'], ambiguous ? `Service ${t.target} exists in several namespaces; write namespace/${t.target}` : `no Service named ${t.target} (known: ${known()})`);
      return;
    }
    streams.push({ ...common, target, ingress: null });
  });
  for (const app of apps) {
    for (const version of ['primary', 'canary'] as const) {
      const deps = app[version].dependencies as DependencySpec[];
      deps.forEach((dep, j) => {
        const target = resolve(dep.service, app.namespace);
        const path = version === 'canary' && spec.services[app.name].canary?.dependencies ? ['spec', 'services', app.name, 'canary', 'dependencies', j, 'service'] : ['spec', 'services', app.name, 'dependencies', j, 'service'];
        if (!target) err(src, path, `no Service named ${dep.service} in namespace ${app.namespace} (known: ${known()})`);
        else dep.service = target;
      });
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return null;
  checkCycles(apps, services, workloads, src, err);

  // The rollout: the canary revision is deployed at `at`.
  const scaleEvents: WorldSpec['scaleEvents'][number][] = [];
  let rollout: string | null = null;
  if (spec.rollout) {
    const canaries = [...canaryOf.entries()];
    const pick = spec.rollout.canary ? canaries.filter(([, c]) => c.name === spec.rollout?.canary) : canaries;
    if (pick.length !== 1) {
      err(
        src,
        ['spec', 'rollout', spec.rollout.canary ? 'canary' : 'at'],
        canaries.length === 0
          ? 'a rollout needs a Canary: this scenario has none'
          : spec.rollout.canary
            ? `no Canary named ${spec.rollout.canary} (known: ${canaries.map(([, c]) => c.name).join(', ')})`
            : `several Canaries: name the one rolled out with rollout.canary (${canaries.map(([, c]) => c.name).join(', ')})`,
      );
    } else {
      const [target, c] = pick[0];
      rollout = qualified(c.namespace, c.name);
      // Flagger manages the target: the new template is applied and Flagger's controller scales the canary up when it sees it.
      scaleEvents.push({ at: spec.rollout.at, workload: target, replicas: (deployments.get(target) as DeploymentInfo).replicas, reason: 'new revision deployed', deploy: true });
    }
  }

  // The expected outcome concerns the rollout and names one of its Canary's metrics.
  if (spec.expect) {
    if (!spec.rollout) err(src, ['spec', 'expect'], 'an expected outcome needs a rollout: add spec.rollout', true);
    else if (spec.expect.decidedBy && scaleEvents.length === 1) {
      const canary = canaryOf.get(scaleEvents[0].workload) as Manifest;
      const metrics = ((canary.value.spec as { analysis?: { metrics?: Array<{ name?: unknown }> } }).analysis?.metrics ?? []).map((m) => String(m.name));
      if (!metrics.includes(spec.expect.decidedBy)) {
        err(src, ['spec', 'expect', 'decidedBy'], `Canary ${canary.name} has no metric named ${spec.expect.decidedBy} (its metrics: ${metrics.join(', ') || 'none'})`);
      }
    }
  }

  const traefik = compileTraefik(doc, src, manifests, services, [...canaryOf.values()], err, warn);
  const telemetry = spec.telemetry;
  if (telemetry.scrapeJitter * 2 >= telemetry.scrapeInterval) err(src, ['spec', 'telemetry', 'scrapeJitter'], 'expected a scrape jitter below half the scrape interval');
  if (telemetry.lateSamples && telemetry.lateSamples.delay + telemetry.scrapeJitter >= telemetry.scrapeInterval)
    err(src, ['spec', 'telemetry', 'lateSamples', 'delay'], 'expected a late-sample delay (plus the scrape jitter) below the scrape interval');
  // Flagger: only the Canaries whose target compiled above.
  const managed = new Set([...canaryOf.values()]);
  const flagger = compileFlagger(
    manifests.filter((m) => m.kind !== 'Canary' || managed.has(m)),
    err,
    warn,
    { meshProvider: 'traefik', scrapeIntervalMs: telemetry.scrapeInterval * 1000 },
  );
  const webhooks = compileWebhookBehaviours(doc, src, flagger.canaries, err, warn);
  const loadTests = compileLoadTests(flagger.canaries, manifests, services, streams, traefik !== null, warn);
  const world: WorldSpec = {
    apps,
    workloads,
    services,
    streams,
    scaleEvents,
    recordInterval: telemetry.scrapeInterval,
    traefik,
    scrape: {
      interval: telemetry.scrapeInterval,
      jitter: telemetry.scrapeJitter,
      failureProbability: telemetry.scrapeFailureProbability,
      startMs: parseRfc3339(telemetry.startTime) as number,
      // Noise (docs/noise.md): only when set, so other scenarios compile to the same spec.
      ...(telemetry.missingSamples > 0 ? { missingSamples: telemetry.missingSamples } : {}),
      ...(telemetry.lateSamples && telemetry.lateSamples.probability > 0 ? { lateSamples: telemetry.lateSamples } : {}),
    },
  };
  return { world, flagger: { ...flagger, webhooks, rollout, loadTests } };
}

/** `a=1&b=2` → { a: '1', b: '2' } (percent-decoded; the first value of a repeated key). */
function parseQuery(q: string): Record<string, string> {
  const out: Record<string, string> = {};
  const decode = (x: string) => {
    try {
      return decodeURIComponent(x.replace(/\+/g, ' '));
    } catch {
      return x;
    }
  };
  for (const pair of q.split('&')) {
    if (pair === '') continue;
    const i = pair.indexOf('=');
    const k = decode(i < 0 ? pair : pair.slice(0, i));
    if (!(k in out)) out[k] = i < 0 ? '' : decode(pair.slice(i + 1));
  }
  return out;
}

/**
 * Load-test webhooks: a webhook whose `metadata.cmd` runs `hey` makes
 * Flagger's load tester send that traffic each time it is called (one run at
 * a time per command). Each becomes a load generator stream, started by the
 * Flagger runtime when the webhook call succeeds.
 */
function compileLoadTests(canaries: readonly CanarySpec[], manifests: Manifest[], services: ServiceSpec[], streams: StreamSpec[], traefik: boolean, warn: Report): LoadTestSpec[] {
  const out: LoadTestSpec[] = [];
  for (const c of canaries) {
    const m = manifests.find((x) => x.kind === 'Canary' && x.name === c.name && x.namespace === c.namespace);
    if (!m) continue;
    const spec = m.value.spec as { analysis?: unknown; canaryAnalysis?: unknown };
    const block = spec.analysis !== undefined ? 'analysis' : 'canaryAnalysis';
    c.analysis.webhooks.forEach((h, j) => {
      const cmd = h.metadata.cmd;
      if (cmd === undefined) return;
      const at = ['spec', block, 'webhooks', j, 'metadata', 'cmd'];
      const hey = parseHey(cmd);
      if (hey === null) return;
      if (typeof hey === 'string') {
        warn(m.doc, at, `${hey}; the load test sends no traffic in the simulation`);
        return;
      }
      const ns = hey.service?.namespace ?? c.namespace;
      const target = hey.service ? services.find((s) => s.name === hey.service?.name && s.namespace === ns) : undefined;
      const common = { name: `load-test ${c.namespace}/${c.name} ${h.name}`, rate: { base: { profile: 'constant' as const, rate: 0 }, bursts: [] }, overdispersion: null, timeout: hey.timeout, loadTest: true };
      if (target) {
        streams.push({ ...common, target: qualified(target.namespace, target.name), ingress: null });
      } else if (traefik) {
        // Any other host is Traefik in front of the cluster (the tutorial loads http://traefik.traefik with -host): in through
        // the entrypoint of the URL's scheme, with hey's Host header.
        const entryPoint = hey.scheme === 'https' ? 'websecure' : 'web';
        const urlHost = /^[a-z]+:\/\/([^/:?#]+)/i.exec(hey.url)?.[1] ?? '';
        const [path, query = ''] = hey.path.split('?');
        streams.push({
          ...common,
          target: null,
          ingress: {
            entryPoint,
            request: { host: hey.host ?? urlHost, path, method: hey.method, headers: {}, query: parseQuery(query), clientIP: '10.0.0.20' },
            clients: 1,
            requestBytes: 0,
          },
        });
        warn(m.doc, at, `${urlHost} is not a Service of this scenario: the load test is sent through Traefik's ${entryPoint} entrypoint with Host ${hey.host ?? urlHost} (in-cluster targets are written http://<service>.<namespace>/)`);
      } else {
        warn(m.doc, at, `${hey.url} does not name a Service of this scenario (write http://<service>.<namespace>/, e.g. http://${c.apex}-canary.${c.namespace}/); the load test sends no traffic in the simulation`);
        return;
      }
      if (hey.unlimited) warn(m.doc, at, `hey without -q sends as fast as answers come back; the simulator sends ${UNLIMITED_QPS_PER_WORKER} requests per second per worker instead (set -q to say the rate)`);
      out.push({ canary: qualified(c.namespace, c.name), hook: h.name, stream: streams.length - 1, rate: hey.rate, duration: hey.duration });
    });
  }
  return out;
}

/** A stream's rate profile: base, scheduled bursts and the noise (weekly cycle, random bursts) when set. */
function rateSpec(t: ScenarioDocument['spec']['traffic'][number], startTime: string): RateProfileSpec {
  const out: RateProfileSpec = { base: t.rate, bursts: t.bursts };
  if (t.weekly) {
    // Time of week at the run's start, in seconds since Monday 00:00 UTC (1970-01-05 was a Monday).
    const week = 7 * 86_400;
    const startSec = (parseRfc3339(startTime) ?? 0) / 1000;
    const phase = (((startSec - 4 * 86_400) % week) + week) % week;
    out.weekly = { weekdayFactor: t.weekly.weekdayFactor, weekendFactor: t.weekly.weekendFactor, phase };
  }
  if (t.randomBursts && t.randomBursts.ratePerHour > 0) out.randomBursts = t.randomBursts;
  return out;
}

type LatencyDocument = AppDocument['latency'];

/** A latency as compiled: a tail's `from` (a quantile of the body) resolved to its scale; no tail key without one. */
function compileLatency(doc: LatencyDocument): DistributionSpec {
  const { tail, ...body } = doc;
  if (!tail || tail.probability === 0) return body as DistributionSpec;
  const scale = tail.scale ?? new Sampler(body as DistributionSpec).quantile(tail.from ?? 0.99);
  return { ...(body as DistributionSpec), tail: { probability: tail.probability, alpha: tail.alpha, scale } };
}

type NoiseDocument = Pick<AppDocument, 'podVariation' | 'slowPods' | 'errorDrift' | 'errorBursts'>;

/** The behaviour's noise fields, only those set (so scenarios without them compile to the same spec). */
function noiseOf(n: NoiseDocument): Partial<BehaviourSpec> {
  const out: Partial<BehaviourSpec> = {};
  if (n.podVariation !== undefined && n.podVariation > 0) out.podVariation = n.podVariation;
  if (n.slowPods && n.slowPods.probability > 0) out.slowPods = n.slowPods;
  if (n.errorDrift && n.errorDrift.sigma > 0) out.errorDrift = n.errorDrift;
  if (n.errorBursts && n.errorBursts.ratePerHour > 0) out.errorBursts = n.errorBursts;
  return out;
}

function toApp(name: string, namespace: string, b: AppDocument): AppSpec {
  const behaviour = (latency: LatencyDocument, codes: Record<string, number>, deps: AppDocument['dependencies'], noise: NoiseDocument): BehaviourSpec => ({
    latency: compileLatency(latency),
    statusCodes: Object.entries(codes)
      .map(([code, probability]) => ({ code: Number(code), probability }))
      .filter((s) => s.probability > 0)
      .sort((x, y) => x.code - y.code),
    dependencies: deps.map((d) => ({ service: d.service, calls: d.calls, timeout: d.timeout ?? Infinity, failurePropagation: d.failurePropagation, failureStatus: d.failureStatus })),
    ...noiseOf(noise),
  });
  const primary = behaviour(b.latency, b.statusCodes, b.dependencies, b);
  const c = b.canary ?? {};
  // The canary inherits each noise field it does not set.
  const canaryNoise: NoiseDocument = {
    podVariation: c.podVariation ?? b.podVariation,
    slowPods: c.slowPods ?? b.slowPods,
    errorDrift: c.errorDrift ?? b.errorDrift,
    errorBursts: c.errorBursts ?? b.errorBursts,
  };
  const canary = behaviour(c.latency ?? b.latency, c.statusCodes ?? b.statusCodes, c.dependencies ?? b.dependencies, canaryNoise);
  return {
    name,
    namespace,
    concurrency: b.concurrency,
    queueTimeout: b.queueTimeout ?? Infinity,
    startupTime: b.startupTime,
    terminationGracePeriod: b.terminationGracePeriod,
    restartDelay: b.restartDelay,
    primary,
    canary,
    metrics: b.metrics
      ? { requests: b.metrics.requests.replace(/_total$/, ''), duration: b.metrics.duration, buckets: b.metrics.buckets ?? CLIENT_DEFAULT_BUCKETS }
      : null,
  };
}

/** A dependency cycle would make every request call itself for ever. */
function checkCycles(
  apps: AppSpec[],
  services: ServiceSpec[],
  workloads: WorkloadSpec[],
  src: SourceDocument,
  err: (where: SourceDocument, path: Array<string | number>, message: string) => void,
): void {
  const appsOfService = new Map<string, Set<string>>();
  for (const s of services) {
    const set = new Set<string>();
    for (const w of workloads) {
      if (selectsWorkload(s, w)) set.add(w.app);
    }
    appsOfService.set(qualified(s.namespace, s.name), set);
  }
  const edges = new Map<string, Set<string>>();
  for (const a of apps) {
    const out = new Set<string>();
    for (const v of ['primary', 'canary'] as const) for (const d of a[v].dependencies) for (const t of appsOfService.get(d.service) ?? []) out.add(t);
    edges.set(a.name, out);
  }
  const state = new Map<string, number>();
  const stack: string[] = [];
  const visit = (n: string): boolean => {
    state.set(n, 1);
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 1) {
        const cycle = [...stack.slice(stack.indexOf(m)), m];
        err(src, ['spec', 'services', cycle[0], 'dependencies'], `dependency cycle ${cycle.join(' → ')}: every request would call itself for ever`);
        return true;
      }
      if (!state.has(m) && visit(m)) return true;
    }
    stack.pop();
    state.set(n, 2);
    return false;
  };
  for (const a of apps) if (!state.has(a.name) && visit(a.name)) return;
}
