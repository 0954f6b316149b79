import type { FaultParams, FaultSchedule, FaultSpec, FaultTarget, FaultType } from '../faults/spec';
import { windows } from '../faults/spec';
import { qualified, type WorldSpec } from '../model/spec';
import { formatDuration } from '../util/duration';
import { formatPath } from './diagnostics';
import { suggest } from './issues';
import { DEFAULT_NAMESPACE } from './manifests';
import { FAULT_TARGET_KINDS, FAULT_TARGET_WORDS, type FaultDocument, type FaultTargetKind, faultTargetSchemas, found, PROMETHEUS_JOBS, type ScenarioDocument } from './schema';
import { isMapping, type SourceDocument } from './yaml-source';

/**
 * Compiles `spec.faults` (docs/faults.md): reads each target, resolves it
 * against the compiled system (apps, revisions, workloads, Services,
 * streams, Prometheus jobs), names every fault, and rejects schedules that
 * cannot combine (two scale-downs of one Deployment, two owners of one
 * container's restarts, two different metrics outages, two scrape delays of
 * one job) when their windows overlap within the run.
 */

/** Reports a problem at `path` (at its key rather than its value when `key` is set). */
type Report = (where: SourceDocument, path: Array<string | number>, message: string, key?: boolean) => void;

type Path = Array<string | number>;

/** The parts of the compiled system faults are resolved against. */
export type FaultWorld = Pick<WorldSpec, 'apps' | 'workloads' | 'services' | 'streams' | 'traefik'>;

/** Types acting on each request a revision serves: a pods target must take every pod (mode all) and becomes the revision. */
const REVISION_TYPES: readonly FaultType[] = ['http-abort', 'http-delay', 'latency-shift', 'cpu-stress'];
/** Types that decide when a container stops and restarts: at most one at a time per Deployment. */
const CONTAINER_OWNERS: readonly FaultType[] = ['pod-failure', 'crash-loop', 'oom-leak'];

const KIND_SHAPES: Record<FaultTargetKind, string> = {
  version: 'a revision { service, version }',
  pods: 'pods { pods, mode, value }',
  edge: 'calls to a Service { from, to }',
  stream: 'a traffic stream { stream }',
  provider: 'provider (the metrics provider)',
  scrape: 'scrapes { job } or scrape',
  router: "router (Flagger's router)",
};

interface Compiled {
  spec: FaultSpec;
  path: Path;
  /** Deployments (workload names) the fault acts on, for overlap checks. */
  workloads: string[];
}

export function compileFaults(doc: ScenarioDocument, src: SourceDocument, world: FaultWorld, err: Report, warn: Report): FaultSpec[] {
  const horizon = doc.spec.duration;
  const names = new Map<string, number>();
  const out: Compiled[] = [];
  doc.spec.faults.forEach((f, i) => {
    const path: Path = ['spec', 'faults', i];
    const name = f.name ?? `${f.type}-${i}`;
    const prev = names.get(name);
    if (prev !== undefined) {
      err(src, [...path, f.name !== undefined ? 'name' : 'type'], `a fault named ${name} already exists (spec.faults[${prev}], line ${src.locate(['spec', 'faults', prev]).line}); fault names must be unique${f.name === undefined ? ` (${name} is this fault's default name: give it a name)` : ''}`);
    } else names.set(name, i);

    const schedule = compileSchedule(f, path, horizon, src, err, warn);
    const t = compileTarget(f, path, world, src, err, warn);
    if (!schedule || !t) return;
    const { type, name: _n, target: _t, at: _a, for: _f, rampIn: _ri, rampOut: _ro, repeat: _r, ...rest } = f;
    const params = { type, ...rest } as FaultParams;
    if (params.type === 'scale-down' && t.target.kind === 'pods') {
      const w = world.workloads.find((x) => x.name === (t.target as { workload: string }).workload);
      if (w && params.replicas >= w.replicas && w.version === 'primary')
        warn(src, [...path, 'replicas'], `${w.name} runs ${w.replicas} replica${w.replicas === 1 ? '' : 's'} at the start: scaling it to ${params.replicas} is no scale-down`);
    }
    out.push({ spec: { name, target: t.target, schedule, params, origin: `${src.file}:${src.locate(path).line}` }, path, workloads: t.workloads });
  });
  checkOverlaps(out, horizon, src, err);
  return out.map((c) => c.spec);
}

// ---- schedules ------------------------------------------------------------------

function compileSchedule(f: FaultDocument, path: Path, horizon: number, src: SourceDocument, err: Report, warn: Report): FaultSchedule | null {
  const duration = f.for ?? Infinity;
  let ok = true;
  if (f.repeat) {
    if (duration === Infinity) {
      err(src, [...path, 'repeat'], 'a repeated fault needs for: each occurrence must end before the next starts');
      ok = false;
    } else if (f.repeat.every < duration) {
      err(src, [...path, 'repeat', 'every'], `expected every of at least for (${formatDuration(duration)}): occurrences would overlap`);
      ok = false;
    }
  }
  if (duration !== Infinity && f.rampIn + f.rampOut > duration) {
    err(src, [...path, f.rampIn > 0 ? 'rampIn' : 'rampOut'], `expected rampIn + rampOut (${formatDuration(f.rampIn + f.rampOut)}) of at most for (${formatDuration(duration)})`);
    ok = false;
  }
  if (duration === Infinity && f.rampOut > 0) warn(src, [...path, 'rampOut'], 'rampOut has no effect on a fault without for (it lasts until the end of the run)');
  if (f.at >= horizon) warn(src, [...path, 'at'], `the fault starts at or after the end of the run (duration ${formatDuration(horizon)}): it never acts`);
  return ok ? { at: f.at, for: duration, rampIn: f.rampIn, rampOut: f.rampOut, repeat: f.repeat ? { every: f.repeat.every, times: f.repeat.times } : null } : null;
}

// ---- targets --------------------------------------------------------------------

function list(names: readonly string[]): string {
  return names.length > 0 ? names.join(', ') : 'none';
}

function didYouMean(word: string, candidates: readonly string[]): string {
  const hint = suggest(word, candidates);
  return hint ? ` (did you mean ${hint}?)` : '';
}

function kindsText(kinds: readonly FaultTargetKind[]): string {
  const s = kinds.map((k) => KIND_SHAPES[k]);
  return s.length === 1 ? s[0] : `${s.slice(0, -1).join(', ')} or ${s[s.length - 1]}`;
}

/** The kind of a target as written (by its keys, or the word), or null. */
function kindOf(raw: unknown): FaultTargetKind | null {
  if (typeof raw === 'string') return (FAULT_TARGET_WORDS as Record<string, FaultTargetKind>)[raw] ?? null;
  if (!isMapping(raw)) return null;
  if ('service' in raw || 'version' in raw) return 'version';
  if ('pods' in raw || 'mode' in raw) return 'pods';
  if ('to' in raw || 'from' in raw) return 'edge';
  if ('stream' in raw) return 'stream';
  if ('job' in raw) return 'scrape';
  return null;
}

/** Parses a target mapping with its kind's schema; issues are reported at their own fields. */
function parseShape<K extends keyof typeof faultTargetSchemas>(kind: K, raw: unknown, path: Path, src: SourceDocument, err: Report) {
  const schema = faultTargetSchemas[kind];
  const r = schema.safeParse(raw);
  if (r.success) return r.data as ReturnType<(typeof schema)['parse']>;
  const known = Object.keys(schema.shape);
  for (const issue of r.error.issues) {
    const at = [...path, ...issue.path.filter((s): s is string | number => typeof s !== 'symbol')];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        err(src, [...at, key], `unknown field "${key}" in ${KIND_SHAPES[kind]} target${hint ? ` (did you mean "${hint}"?)` : `; expected one of: ${known.join(', ')}`}`, true);
      }
      continue;
    }
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    err(src, at, missing ? `missing required field "${String(at[at.length - 1])}": ${issue.message.replace(/, found nothing$/, '')}` : issue.message);
  }
  return null;
}

function compileTarget(f: FaultDocument, path: Path, world: FaultWorld, src: SourceDocument, err: Report, warn: Report): { target: FaultTarget; workloads: string[] } | null {
  const at = [...path, 'target'];
  const raw = f.target;
  const kinds = FAULT_TARGET_KINDS[f.type];
  const kind = kindOf(raw);
  if (kind === null) {
    const hint = typeof raw === 'string' ? didYouMean(raw, Object.keys(FAULT_TARGET_WORDS)) : '';
    err(src, at, `expected the target of ${f.type} as ${kindsText(kinds)}, found ${found(raw)}${hint}`);
    return null;
  }
  if (!kinds.includes(kind)) {
    err(src, at, `${f.type} takes ${kindsText(kinds)} as its target, found ${KIND_SHAPES[kind]}`);
    return null;
  }
  const apps = world.apps.map((a) => a.name);
  const workloadsOf = (app: string, version: 'primary' | 'canary' | 'all') => world.workloads.filter((w) => w.app === app && (version === 'all' || w.version === version)).map((w) => w.name);

  switch (kind) {
    case 'version': {
      const t = parseShape('version', raw, at, src, err);
      if (!t) return null;
      if (!apps.includes(t.service)) {
        const w = world.workloads.find((x) => x.name === t.service);
        const hint = w ? ` (${t.service} is a Deployment of app ${w.app}: write { service: ${w.app}, version: ${w.version} }, or { pods: ${t.service} })` : didYouMean(t.service, apps);
        err(src, [...at, 'service'], `no app named ${t.service}${hint}; apps: ${list(apps)}`);
        return null;
      }
      const ws = workloadsOf(t.service, t.version);
      if (ws.length === 0) {
        err(src, [...at, 'version'], `${t.service} has no ${t.version} revision: no Canary targets Deployment ${t.service} (write version: primary or all)`);
        return null;
      }
      if (f.type === 'scale-down') {
        if (t.version === 'all') {
          err(src, [...at, 'version'], `scale-down scales one Deployment: expected version primary or canary (${ws.join(' or ')}), or { pods: <Deployment> }`);
          return null;
        }
        return { target: { kind: 'pods', workload: ws[0], mode: 'all', value: 100 }, workloads: ws };
      }
      return { target: { kind: 'version', app: t.service, version: t.version }, workloads: ws };
    }
    case 'pods': {
      const t = parseShape('pods', raw, at, src, err);
      if (!t) return null;
      const w = world.workloads.find((x) => x.name === t.pods);
      if (!w) {
        const names = world.workloads.map((x) => x.name);
        const app = world.workloads.find((x) => x.app === t.pods);
        const hint = app ? ` (the pods of app ${t.pods} run as ${workloadsOf(t.pods, 'all').join(' and ')})` : didYouMean(t.pods, names);
        err(src, [...at, 'pods'], `no Deployment named ${t.pods} runs in this scenario${hint}; Deployments: ${list(names)}`);
        return null;
      }
      let value: number;
      if (t.mode === 'one' || t.mode === 'all') {
        if (t.value !== undefined) {
          err(src, [...at, 'value'], `value applies to modes fixed, fixed-percent and random-max-percent; mode ${t.mode} takes none`);
          return null;
        }
        value = t.mode === 'one' ? 1 : 100;
      } else if (t.value === undefined) {
        err(src, [...at, 'mode'], `mode ${t.mode} needs a value: ${t.mode === 'fixed' ? 'how many pods' : 'a percentage of the pods'}`);
        return null;
      } else if (t.mode === 'fixed' && (!Number.isInteger(t.value) || t.value < 1)) {
        err(src, [...at, 'value'], `expected value (how many pods) as a whole number of at least 1, found ${t.value}`);
        return null;
      } else if (t.mode !== 'fixed' && (t.value <= 0 || t.value > 100)) {
        err(src, [...at, 'value'], `expected value (a percentage of the pods) above 0 and at most 100, found ${t.value}`);
        return null;
      } else value = t.value;
      if (REVISION_TYPES.includes(f.type) || f.type === 'scale-down') {
        if (t.mode !== 'all') {
          err(
            src,
            [...at, 'mode'],
            f.type === 'scale-down'
              ? `scale-down sets the Deployment's replicas; it selects no pods: remove mode (or write mode: all)`
              : `${f.type} acts on every request the revision's pods serve; selecting some pods (mode ${t.mode}) is not simulated: use mode: all, or { service: ${w.app}, version: ${w.version} }`,
          );
          return null;
        }
        if (f.type !== 'scale-down') return { target: { kind: 'version', app: w.app, version: w.version }, workloads: [w.name] };
      }
      if (t.mode === 'fixed' && value > w.replicas && w.replicas > 0) warn(src, [...at, 'value'], `${w.name} runs ${w.replicas} replica${w.replicas === 1 ? '' : 's'} at the start: fewer than ${value} pods can be selected`);
      return { target: { kind: 'pods', workload: w.name, mode: t.mode, value }, workloads: [w.name] };
    }
    case 'edge': {
      const t = parseShape('edge', raw, at, src, err);
      if (!t) return null;
      let from = null as (typeof world.apps)[number] | null;
      if (t.from !== undefined) {
        from = world.apps.find((a) => a.name === t.from) ?? null;
        if (!from) {
          err(src, [...at, 'from'], `no app named ${t.from}${didYouMean(t.from, apps)}; apps: ${list(apps)}`);
          return null;
        }
      }
      const known = world.services.map((s) => (s.namespace === DEFAULT_NAMESPACE ? s.name : qualified(s.namespace, s.name)));
      let to: string | null = null;
      let ambiguous = false;
      if (t.to.includes('/')) to = world.services.some((s) => qualified(s.namespace, s.name) === t.to) ? t.to : null;
      else if (from) to = world.services.some((s) => s.namespace === from.namespace && s.name === t.to) ? qualified(from.namespace, t.to) : null;
      else {
        const hits = world.services.filter((s) => s.name === t.to);
        if (hits.length === 1) to = qualified(hits[0].namespace, hits[0].name);
        ambiguous = hits.length > 1;
      }
      if (!to) {
        err(
          src,
          [...at, 'to'],
          ambiguous
            ? `Service ${t.to} exists in several namespaces; write namespace/${t.to}`
            : `no Service named ${t.to}${from ? ` in namespace ${from.namespace} (the caller's)` : ''}${didYouMean(t.to, known)}; Services: ${list(known)}`,
        );
        return null;
      }
      if (from) {
        const calls = [...from.primary.dependencies, ...from.canary.dependencies].some((d) => d.service === to);
        if (!calls) warn(src, at, `${from.name} does not call Service ${to} (its dependencies: ${list([...new Set([...from.primary.dependencies, ...from.canary.dependencies].map((d) => d.service))])}): the fault has no effect`);
      }
      return { target: { kind: 'edge', from: from ? from.name : null, to }, workloads: [] };
    }
    case 'stream': {
      const t = parseShape('stream', raw, at, src, err);
      if (!t) return null;
      const streams = world.streams.filter((s) => !s.loadTest).map((s) => s.name);
      if (!streams.includes(t.stream)) {
        err(src, [...at, 'stream'], `no traffic stream named ${t.stream}${didYouMean(t.stream, streams)}; streams: ${list(streams)}`);
        return null;
      }
      return { target: { kind: 'stream', stream: t.stream }, workloads: [] };
    }
    case 'scrape': {
      const jobs = PROMETHEUS_JOBS.filter((j) => (j === 'traefik' ? world.traefik !== null : world.apps.some((a) => a.metrics !== null)));
      if (typeof raw === 'string') {
        if (f.type === 'counter-reset') {
          err(src, at, 'counter-reset resets one job\'s counters: write { job: traefik } (Traefik restarts), or a revision or pods target');
          return null;
        }
        if (jobs.length === 0) warn(src, at, 'this scenario has no Prometheus jobs (no Traefik, no app metrics): the fault has no effect');
        return { target: { kind: 'scrape', job: null }, workloads: [] };
      }
      const t = parseShape('scrape', raw, at, src, err);
      if (!t) return null;
      if (f.type === 'counter-reset' && t.job !== 'traefik') {
        err(src, [...at, 'job'], `counter-reset on a job restarts Traefik: expected job traefik; for the apps' counters target their pods ({ pods: <Deployment> })`);
        return null;
      }
      if (!jobs.includes(t.job)) {
        err(
          src,
          [...at, 'job'],
          `no Prometheus job ${t.job} in this scenario: ${t.job === 'traefik' ? 'it has no IngressRoutes, so no Traefik' : 'no app exports metrics (services.<app>.metrics)'}; jobs: ${list(jobs)}`,
        );
        return null;
      }
      return { target: { kind: 'scrape', job: t.job }, workloads: [] };
    }
    case 'provider':
      return { target: { kind: 'provider' }, workloads: [] };
    case 'router':
      return { target: { kind: 'router' }, workloads: [] };
  }
}

// ---- overlaps -------------------------------------------------------------------

/** The first stretch within the run where both schedules are active, or null. */
function overlap(a: FaultSchedule, b: FaultSchedule, horizon: number): [number, number] | null {
  for (const [s1, e1] of windows(a, horizon)) {
    for (const [s2, e2] of windows(b, horizon)) {
      const start = Math.max(s1, s2);
      const end = Math.min(e1, e2, horizon);
      if (start < end) return [start, end];
    }
  }
  return null;
}

/** Why two faults cannot be active together, or null when they combine. */
function conflict(a: Compiled, b: Compiled): string | null {
  const pa = a.spec.params;
  const pb = b.spec.params;
  const shared = a.workloads.filter((w) => b.workloads.includes(w));
  if (pa.type === 'scale-down' && pb.type === 'scale-down' && shared.length > 0) return `two scale-downs of Deployment ${shared[0]} cannot combine (which replica count would hold?)`;
  if (CONTAINER_OWNERS.includes(pa.type) && CONTAINER_OWNERS.includes(pb.type) && shared.length > 0)
    return `${pa.type === pb.type ? `two ${pa.type} faults` : `${pa.type} and ${pb.type}`} on Deployment ${shared[0]} cannot combine: each decides when its containers stop and restart`;
  if (pa.type === 'metrics-outage' && pb.type === 'metrics-outage' && pa.mode !== pb.mode) return `metrics outages with modes ${pa.mode} and ${pb.mode} cannot combine (the provider answers one way)`;
  if (pa.type === 'scrape-delay' && pb.type === 'scrape-delay') {
    const ja = (a.spec.target as { job: string | null }).job;
    const jb = (b.spec.target as { job: string | null }).job;
    if (ja === null || jb === null || ja === jb) return `two scrape delays of job ${ja ?? jb ?? 'every job'} cannot combine (which delay would hold?)`;
  }
  return null;
}

function checkOverlaps(faults: Compiled[], horizon: number, src: SourceDocument, err: Report): void {
  for (let j = 1; j < faults.length; j++) {
    for (let i = 0; i < j; i++) {
      const why = conflict(faults[i], faults[j]);
      if (!why) continue;
      const when = overlap(faults[i].spec.schedule, faults[j].spec.schedule, horizon);
      if (!when) continue;
      const other = faults[i];
      err(
        src,
        [...faults[j].path, 'at'],
        `overlaps fault ${other.spec.name} (${formatPath(other.path)}, line ${src.locate(other.path).line}) from ${formatDuration(when[0])} to ${formatDuration(when[1])}: ${why}; move one so their windows do not overlap`,
      );
      break;
    }
  }
}
