import { Kernel } from '../kernel/kernel';
import { RandomStreams } from '../kernel/random';
import type { WorldSpec } from '../model/spec';
import { type SeriesPoint, World, type WorldSummary } from '../model/world';
import { FastEngine } from '../model/fast';
import { type ConfigApply, TraefikProxy } from '../routing/traefik';
import type { CanaryEvent, MetricCheck, TickRecord } from '../rollout/types';
import { FaultEngine, type FaultAction } from '../faults/engine';
import { type DecisionAction, GATE_DECISIONS, type GateDecision, HumanGates } from './gates';

/** One action of a run's action log: a live fault injection or cancellation, or a participant's gate decision. */
export type RunAction = FaultAction | DecisionAction;
import { RequestFaultHandler } from '../faults/request';
import { PodFaultHandler } from '../faults/pods';
import { ObservabilityFaultHandler } from '../faults/observability';
import type { FaultSpec } from '../faults/spec';
import { Scraper } from '../telemetry/scraper';
import { type CanaryRecord, type FlaggerSpec, FlaggerRuntime, outcomeOf, type RolloutOutcome } from './flagger';
import { type Labels, SeriesStore } from '../telemetry/tsdb';
import { CRD_PROVIDER, normalizeName } from '../routing/names';
import { selectsWorkload, type Version, type WorkloadSpec } from '../model/spec';
import { type SloResult, SloRuntime } from '../slo/runtime';
import type { SloSpec } from '../slo/spec';
import { type ShadowJudgeSpec, ShadowJudges, type ShadowVerdict } from './shadow';

/** Event queue slots a run starts with. */
const INITIAL_EVENT_CAPACITY = 256;

/**
 * Fault types fast mode can run: those that act on aggregate traffic (a spike multiplies expected counts), on
 * Flagger's ports or on scrapes, and those that change what one revision answers (an abort, a delay, a slowdown:
 * while one lasts, fast mode draws that revision's requests one by one through the same hooks as exact mode).
 * The others act on in-cluster calls, pods or Traefik's handlers.
 */
export const FAST_MODE_FAULTS: readonly string[] = ['traffic-spike', 'metrics-outage', 'router-reject', 'scrape-failure', 'scrape-delay', 'http-abort', 'http-delay', 'latency-shift', 'cpu-stress'];

/** Why fast mode cannot run a fault: what it acts on that fast mode does not simulate one by one. */
function fastModeRefusal(f: FaultSpec): string {
  const t = f.params.type;
  const what = /^(pod-|crash-loop|oom-leak|scale-down|counter-reset)/.test(t)
    ? 'pods and containers'
    : t === 'reload-storm'
      ? "Traefik's handlers, which fast mode does not rebuild per request"
      : 'in-cluster calls between services';
  return `fault ${f.name} (${t}) acts on ${what}`;
}

/** Why fast mode cannot run a scenario (with faults injected later): empty when it can. */
export function fastModeBlockers(scenario: Pick<RunnableScenario, 'world' | 'faults'>, injected: readonly FaultSpec[] = []): string[] {
  const blockers = scenario.world.traefik ? TraefikProxy.fastModeBlockers(scenario.world.traefik) : [];
  for (const f of [...(scenario.faults ?? []), ...injected]) if (FAST_MODE_FAULTS.indexOf(f.params.type) < 0) blockers.push(fastModeRefusal(f));
  return blockers;
}

/** The scenario uses what fast mode cannot aggregate. */
export class FastModeUnsupported extends Error {
  constructor(readonly reasons: string[]) {
    super(`fast mode cannot run this scenario: ${reasons.join('; ')}; use exact mode`);
  }
}

/** What a run needs: the compiled system plus its identity and defaults. */
export interface RunnableScenario {
  name: string;
  seed: number;
  /** Seconds. */
  duration: number;
  world: WorldSpec;
  /** Flagger's Canaries and MetricTemplates, and how webhooks answer; the rolled-out Canary is `rollout`. */
  flagger?: FlaggerSpec & { rollout: string | null };
  /** The scenario's faults. */
  faults?: readonly FaultSpec[];
  /** Service level objectives: error budgets, burn-rate alerts, the error budget policy. */
  slos?: readonly SloSpec[];
  /** Other canary judges evaluating the run in dry run beside Flagger (docs/judges.md, "In a run"). */
  shadowJudges?: readonly ShadowJudgeSpec[];
}

export type RunMode = 'exact' | 'fast';

export interface RunOptions {
  seed?: number;
  /** 'exact' (default): every request is an event; 'fast': traffic drawn in aggregate (see FastEngine). */
  mode?: RunMode;
  /** Seconds; defaults to the scenario's duration. */
  duration?: number;
  /** A previous run's action log (live fault injections and cancellations), replayed at their times. */
  actions?: readonly RunAction[];
  /**
   * Keep latency histograms for the summary's quantiles (default true). The
   * tuning lab's runs need only decisions and counts: false leaves the
   * summary's latencies null and saves fast mode a third of its time. Metrics
   * Prometheus scrapes are unaffected.
   */
  latencySummaries?: boolean;
  /** Evaluate the SLOs' rules (default true); see SloPorts.rules. The tuning lab's runs skip them when nothing reads them. */
  sloRules?: boolean;
  /** Explain each of Flagger's events (default true): the decision log's reasons, which the tuning lab's runs do not read. */
  explanations?: boolean;
}

export type RunState = 'ready' | 'running' | 'done' | 'cancelled';

export interface RunStats {
  /** External requests answered. */
  requests: number;
  /** Requests simulated at every hop (external plus dependency calls). */
  calls: number;
  /** Kernel events processed. */
  events: number;
  /** Simulated seconds covered. */
  simSeconds: number;
}

export interface TelemetryStats {
  series: number;
  samples: number;
  /** Bytes held by the time-series store. */
  bytes: number;
  scrapes: number;
  failedScrapes: number;
}

export interface TraefikStats {
  replicas: number;
  /** Configuration changes applied (each rebuilds every replica's handlers). */
  configApplies: number;
  /** Changes skipped as identical to the applied configuration. */
  configSkipped: number;
  /** Routers or services that failed to build at some apply, with why. */
  buildErrors: string[];
}

/** The run result; `gameday run --json` prints it (plus wallMs). */
export interface RunResult extends WorldSummary {
  scenario: string;
  seed: number;
  mode: RunMode;
  stats: RunStats;
  traefik: TraefikStats | null;
  telemetry: TelemetryStats;
  /** The rolled-out Canary (namespace/name), when the scenario has one. */
  canary: string | null;
  /** How its analysis ended. */
  outcome: RolloutOutcome | null;
  /** One entry per analysis tick. */
  timeline: TickRecord[];
  /** Flagger's events, in order. */
  events: CanaryEvent[];
  /** Every metric check the analysis ran. */
  checks: MetricCheck[];
  /** Each SLO: budget at start and end, consumed by the rollout, burn-rate alerts (docs/slo.md). */
  slo: SloResult[];
  /** Each shadow judge's verdict (marked shadow: it did not act); only when the scenario has shadow judges. */
  shadow?: ShadowVerdict[];
}

/** Which revision a series' labels belong to, for one app (see Simulation.versionClassifier). */
interface VersionClassifier {
  workloads: WorkloadSpec[];
  role: (w: WorkloadSpec) => Version;
  /** Pod name → revision, for the pods indexed so far. */
  pods: Map<string, Version>;
  indexed: number;
  classify: (labels: Labels) => Version | null;
}

/**
 * A run of one scenario with one seed: the API the CLI, a worker and the UI
 * share. Advance it in slices (so a host can stay responsive and cancel),
 * read its series incrementally, seek anywhere. A run is a pure function of
 * scenario and seed, so seeking backwards re-simulates from the start; the
 * compiled scenario is reused, so only the simulation itself is repeated.
 */
export class Simulation {
  readonly seed: number;
  readonly endTime: number;
  readonly mode: RunMode;
  private fast: FastEngine | null = null;
  private kernel!: Kernel;
  private world!: World;
  private _store!: SeriesStore;
  private scraper!: Scraper;
  private flagger: FlaggerRuntime | null = null;
  private slos: SloRuntime | null = null;
  private shadow: ShadowJudges | null = null;
  private faults!: FaultEngine;
  private readonly log: RunAction[];
  private gates!: HumanGates;
  private _state: RunState = 'ready';
  private readonly latencySummaries: boolean;
  private readonly sloRules: boolean;
  private readonly explanations: boolean;

  constructor(
    readonly scenario: RunnableScenario,
    options: RunOptions = {},
  ) {
    this.seed = options.seed ?? scenario.seed;
    this.endTime = options.duration ?? scenario.duration;
    this.mode = options.mode ?? 'exact';
    this.log = [...(options.actions ?? [])];
    this.latencySummaries = options.latencySummaries ?? true;
    this.sloRules = options.sloRules ?? true;
    this.explanations = options.explanations ?? true;
    if (this.mode === 'fast') {
      const blockers = fastModeBlockers(scenario, this.log.flatMap((a) => (a.action === 'inject' ? [a.fault] : [])));
      if (blockers.length > 0) throw new FastModeUnsupported(blockers);
    }
    if (!Number.isSafeInteger(this.seed)) throw new RangeError(`seed must be an integer, got ${this.seed}`);
    if (!(this.endTime >= 0)) throw new RangeError(`duration must be >= 0, got ${this.endTime}`);
    this.reset();
  }

  private reset(): void {
    // A small queue to start with (it doubles as needed): a sweep's short runs hold few events at once,
    // and every run allocates its own.
    this.kernel = new Kernel(INITIAL_EVENT_CAPACITY);
    this.cursor = 0;
    this.classifiers.clear();
    const rng = new RandomStreams(this.seed);
    this._store = new SeriesStore();
    const scrape = this.scenario.world.scrape;
    const scraper = new Scraper(this.kernel, this._store, [], scrape, rng.stream('prometheus/scrape'));
    this.scraper = scraper;
    const settle = () => this.fast?.flush();
    this.world = new World(this.scenario.world, this.kernel, rng, this.mode === 'fast' ? 'none' : 'events', {
      add: (t) => {
        // The same object: the world swaps its registry when the container restarts.
        t.beforeScrape = settle;
        return scraper.addTarget(t);
      },
      remove: (i) => scraper.removeTarget(i),
    });
    if (!this.latencySummaries) for (const x of [...this.world.internals().behaviours, ...this.world.internals().streams]) x.stats.latencies = false;
    this.fast = this.mode === 'fast' ? new FastEngine(this.scenario.world, this.world, this.world.proxy, this.kernel, rng) : null;
    // Traefik's replicas, spread evenly over the scrape interval.
    const replicas = this.world.proxy?.replicas ?? [];
    // The replica's metrics are looked up at each scrape: a restart (counter-reset fault) replaces them.
    const traefikTargets = replicas.map((r, i) => ({ job: 'traefik', instance: `traefik-${i}:9100`, registry: r.registry, beforeScrape: settle, afterScrape: () => replicas[i].afterScrape() }));
    traefikTargets.forEach((t, i) => scraper.addTarget(t, (scrape.interval * i) / replicas.length));
    const proxy = this.world.proxy;
    const restartTraefik = proxy
      ? () => {
          proxy.restartReplicas();
          traefikTargets.forEach((t, i) => (t.registry = replicas[i].registry));
        }
      : null;
    const request = new RequestFaultHandler(this.world, (name) => rng.stream(`faults/${name}`));
    // Pod and observability faults: their hooks stay null (the no-fault path) until a fault of theirs opens.
    const pods = new PodFaultHandler(this.world, this.kernel, rng, request, restartTraefik);
    const observability = new ObservabilityFaultHandler(this.world, this.kernel, rng, { scraper, fast: this.fast });
    this.faults = new FaultEngine(this.kernel, rng, [request, pods, observability], this.endTime);
    if (this.fast) this.faults.beforeChange = settle;
    for (const f of this.scenario.faults ?? []) this.faults.add(f);
    const slos = this.scenario.slos ?? [];
    const faults = this.faults;
    this.slos =
      slos.length > 0
        ? new SloRuntime(slos, {
            kernel: this.kernel,
            store: this._store,
            timestamp: (t) => this.timestamp(t),
            scrapeInterval: scrape.interval,
            settle,
            versionOf: (app) => this.versionClassifier(app),
            faultsActiveDuring: (t0, t1) => faults.activeDuring(t0, t1),
            rules: this.sloRules,
          })
        : null;
    const sloRuntime = this.slos;
    const policy = sloRuntime ? (slo: string, type: string) => sloRuntime.gateAnswer(slo, type) : null;
    const flagger = this.scenario.flagger;
    const gates = (this.gates = new HumanGates());
    this.flagger = flagger && flagger.canaries.length > 0 ? new FlaggerRuntime(flagger, this.kernel, this.world, this._store, (t) => this.timestamp(t), observability, policy, (hook) => gates.answer(hook), this.explanations) : null;
    // Shadow judges read the store and Flagger's records only: no events, no random draws (run/shadow.ts).
    const judges = this.scenario.shadowJudges ?? [];
    const records = this.flagger?.records ?? [];
    this.shadow =
      judges.length > 0
        ? new ShadowJudges(judges, {
            store: this._store,
            timestamp: (t) => this.timestamp(t),
            record: (id) => records.find((r) => `${r.namespace}/${r.canary}` === id) ?? null,
            canary: (id) => flagger?.canaries.find((c) => `${c.namespace}/${c.name}` === id) ?? null,
          })
        : null;
    if (this._state !== 'cancelled') this._state = 'ready';
  }

  get state(): RunState {
    return this._state;
  }

  /** Current simulated time in seconds. */
  get now(): number {
    return this.kernel.now;
  }

  get done(): boolean {
    return this._state === 'done';
  }

  /**
   * Simulates up to time `t` (capped at the run's end), processing at most
   * `maxEvents` events. Returns true when the clock reached `t`, false when
   * the event budget ran out first (call again to continue).
   */
  advanceTo(t: number, maxEvents = Infinity): boolean {
    if (this._state === 'cancelled') throw new Error('the run was cancelled');
    const target = Math.min(t, this.endTime);
    if (target < this.kernel.now) {
      this.seek(target);
      return true;
    }
    this._state = 'running';
    // Logged actions happen where they happened live: after every event at their time.
    let budget = maxEvents;
    while (this.cursor < this.log.length && this.log[this.cursor].t <= target) {
      const a = this.log[this.cursor];
      const before = this.kernel.events;
      if (!this.kernel.runUntil(a.t, budget)) return false;
      budget -= this.kernel.events - before;
      this.fast?.flush();
      this.apply(a);
      this.cursor++;
    }
    const reached = this.kernel.runUntil(target, budget);
    // Fast mode settles its aggregate traffic at event-driven points (scrapes, changes, actions) and at the end —
    // never where a host happens to pause, so the result does not depend on how the run was sliced.
    if (reached && this.kernel.now >= this.endTime) this.fast?.flush();
    if (reached && this.kernel.now >= this.endTime) this._state = 'done';
    // Every event up to now has run: the shadow judges take what is due up to now (never mid-instant, so how a host
    // slices the run does not change what they see).
    if (reached) this.shadow?.advance(this.kernel.now, this.kernel.now >= this.endTime);
    return reached;
  }

  /**
   * Injects a fault now (its schedule counts from now), e.g. from the
   * game-day fault palette. Recorded in the action log: replaying scenario,
   * seed and log reproduces the run exactly.
   */
  inject(fault: FaultSpec): void {
    if (this.mode === 'fast' && FAST_MODE_FAULTS.indexOf(fault.params.type) < 0) throw new FastModeUnsupported([fastModeRefusal(fault)]);
    this.act({ t: this.kernel.now, action: 'inject', fault });
  }

  /** Ends a fault now, whatever its schedule; recorded in the action log. */
  cancelFault(faultName: string): void {
    this.act({ t: this.kernel.now, action: 'cancel', name: faultName });
  }

  /** A live action: after seeking back, it replaces the log's later actions (a new branch of the run). */
  /**
   * A participant's decision on a human-bound gate (game-day mode), now.
   * Recorded in the action log: replaying it reproduces the exercise.
   */
  decide(hook: string, decision: GateDecision, by: string, justification: string): void {
    if (GATE_DECISIONS.indexOf(decision) < 0) throw new RangeError(`decision must be one of ${GATE_DECISIONS.join(', ')}, got ${JSON.stringify(decision)}`);
    if (justification.trim() === '') throw new RangeError('a decision needs a justification: say in a few words why');
    if (by.trim() === '') throw new RangeError('a decision needs who took it');
    const hooks = this.humanHooks();
    if (!hooks.includes(hook)) throw new RangeError(`no human gate named ${hook}${hooks.length > 0 ? `; human gates: ${hooks.join(', ')}` : ' (bind a Canary webhook to the participants with spec.webhooks[].human: true)'}`);
    this.act({ t: this.kernel.now, action: 'decide', hook, decision, by: by.trim(), justification: justification.trim() });
  }

  /** Names of the Canary webhooks the participants answer. */
  humanHooks(): string[] {
    return [...new Set((this.scenario.flagger?.webhooks ?? []).filter((w) => w.human).map((w) => w.name))];
  }

  /** The latest decision on a human gate, if any. */
  decisionOn(hook: string): DecisionAction | null {
    return this.gates.decisionOn(hook);
  }

  private act(a: RunAction): void {
    // A host that advanced with an event budget may have stopped between events of this instant: finish them, as
    // replaying the log does (an action applies after every event at its time).
    this.kernel.runUntil(this.kernel.now);
    this.fast?.flush();
    this.apply(a);
    this.log.splice(this.cursor);
    this.log.push(a);
    this.cursor = this.log.length;
  }

  private apply(a: RunAction): void {
    if (a.action === 'inject') this.faults.inject(a.fault);
    else if (a.action === 'cancel') this.faults.cancel(a.name);
    else this.gates.decide(a);
  }

  /**
   * The run's action log: live injections and cancellations (and those
   * replayed from `RunOptions.actions`), in order. Replaying scenario, seed
   * and this log reproduces the run; seeking backwards keeps it, so the
   * re-simulated run is the same run.
   */
  get actionLog(): readonly RunAction[] {
    return this.log;
  }

  /** Faults active now, with their intensity. */
  activeFaults(): Array<{ name: string; type: string; intensity: number }> {
    return this.faults.active().map((f) => ({ name: f.spec.name, type: f.spec.params.type, intensity: f.intensity }));
  }

  /** The next action of the log to replay. */
  private cursor = 0;

  /** Simulates to the end of the run. */
  runToEnd(): RunResult {
    this.advanceTo(this.endTime);
    return this.result();
  }

  /** Moves to time `t`; going back re-simulates from the start. */
  seek(t: number): void {
    if (this._state === 'cancelled') throw new Error('the run was cancelled');
    const target = Math.min(Math.max(0, t), this.endTime);
    if (target < this.kernel.now) this.reset();
    this.advanceTo(target);
  }

  cancel(): void {
    this._state = 'cancelled';
  }

  /** Series keys: which app and version each series column belongs to. */
  get seriesKeys() {
    return this.world.seriesKeys;
  }

  /** Series points recorded since index `from`; `next` is the index to ask for next time. */
  readSeries(from = 0): { points: SeriesPoint[]; next: number } {
    const points = this.world.series.slice(from);
    return { points, next: from + points.length };
  }

  /** The scraped samples (what Prometheus holds). */
  get store(): SeriesStore {
    return this._store;
  }

  /** Unix milliseconds of simulated time t (sample timestamps). */
  timestamp(t: number): number {
    return this.scenario.world.scrape.startMs + Math.round(t * 1000);
  }

  /** Traefik configuration applies so far. */
  get configApplies(): readonly ConfigApply[] {
    return this.world.proxy?.applies ?? [];
  }

  /** Totals so far. */
  result(): RunResult {
    const summary = this.world.summary();
    const proxy = this.world.proxy;
    const applies = proxy?.applies ?? [];
    return {
      scenario: this.scenario.name,
      seed: this.seed,
      mode: this.mode,
      stats: {
        requests: this.world.externalResponses(),
        calls: this.world.requestsCreated,
        events: this.kernel.events,
        simSeconds: this.kernel.now,
      },
      traefik: proxy
        ? {
            replicas: proxy.replicas.length,
            configApplies: applies.filter((a) => a.applied).length,
            configSkipped: applies.filter((a) => !a.applied).length,
            buildErrors: [...new Set(applies.flatMap((a) => a.errors))],
          }
        : null,
      telemetry: {
        series: this._store.seriesCount,
        samples: this._store.sampleCount,
        bytes: this._store.bytes(),
        scrapes: this.scraper.scrapes.reduce((a, b) => a + b, 0),
        failedScrapes: this.scraper.failures.reduce((a, b) => a + b, 0),
      },
      ...summary,
      ...this.rolloutResult(),
      slo: this.sloResults(),
      ...(this.shadow ? { shadow: this.shadow.results() } : {}),
    };
  }

  /** Each shadow judge's verdict so far (the `shadow` of `result()`); empty without shadow judges. */
  shadowVerdicts(): ShadowVerdict[] {
    return this.shadow?.results() ?? [];
  }

  /** Each SLO's budget and alerts so far (the `slo` of `result()`, without the rest of the summary). */
  sloResults(): SloResult[] {
    return this.slos?.results() ?? [];
  }

  /** What Flagger did for each Canary so far. */
  get canaryRecords(): readonly CanaryRecord[] {
    return this.flagger?.records ?? [];
  }

  private rolloutResult(): Pick<RunResult, 'canary' | 'outcome' | 'timeline' | 'events' | 'checks'> {
    const records = this.canaryRecords;
    const want = this.scenario.flagger?.rollout ?? null;
    const r = records.find((x) => `${x.namespace}/${x.canary}` === want) ?? (records.length === 1 ? records[0] : undefined);
    if (!r) return { canary: null, outcome: null, timeline: [], events: [], checks: [] };
    return { canary: `${r.namespace}/${r.canary}`, outcome: outcomeOf(r), timeline: [...r.timeline], events: [...r.events], checks: [...r.checks] };
  }

  /**
   * Which of an app's Deployments a series comes from, by its labels: the
   * Canary's target is the canary, every other Deployment of the app the
   * primary. Traefik's `service` label names a Kubernetes Service
   * (`<ns>-<name>-<port>@kubernetescrd`) that selects only canary or only
   * primary pods; the kubernetes-pods job's `pod` label names a pod. Null
   * for series of neither (a Service selecting both, the entrypoint).
   */
  private versionClassifier(app: string): ((labels: Labels) => Version | null) | null {
    let c = this.classifiers.get(app);
    if (c === undefined) this.classifiers.set(app, (c = this.makeVersionClassifier(app)));
    if (c === null) return null;
    // Pods only ever join the world (ids in creation order): index the new ones.
    for (; c.indexed < this.world.podCount; c.indexed++) {
      const p = this.world.podIdentity(c.indexed);
      const w = c.workloads.find((x) => x.name === p.workload);
      if (w) c.pods.set(p.name, c.role(w));
    }
    return c.classify;
  }

  /** Each app's classifier, made once per run and kept current as pods come (see versionClassifier). */
  private readonly classifiers = new Map<string, VersionClassifier | null>();

  private makeVersionClassifier(app: string): VersionClassifier | null {
    const spec = this.scenario.world;
    const workloads = spec.workloads.filter((w) => w.app === app);
    if (workloads.length === 0) return null;
    const c = this.scenario.flagger?.canaries.find((x) => workloads.some((w) => w.name === x.target && w.namespace === x.namespace));
    const role = (w: WorkloadSpec): Version => (c && w.name === c.target && w.namespace === c.namespace ? 'canary' : 'primary');
    const services = new Map<string, Version>();
    for (const svc of spec.services) {
      const roles = new Set(workloads.filter((w) => selectsWorkload(svc, w)).map(role));
      if (roles.size === 1) services.set(normalizeName(`${svc.namespace}-${svc.name}`), [...roles][0]);
    }
    const pods = new Map<string, Version>();
    const suffix = `@${CRD_PROVIDER}`;
    const classify = (labels: Labels): Version | null => {
      const svc = labels.service;
      if (svc !== undefined && svc.endsWith(suffix)) {
        // <ns>-<name>-<port>: drop the port (a number or a name) to find the Service.
        const cut = svc.lastIndexOf('-', svc.length - suffix.length);
        const hit = cut > 0 ? services.get(svc.slice(0, cut)) : undefined;
        if (hit) return hit;
      }
      const pod = labels.pod;
      return pod === undefined ? null : (pods.get(pod) ?? null);
    };
    return { workloads, role, pods, indexed: 0, classify };
  }

  /** The live world, for tests and fault injection (later issues). */
  get model(): World {
    return this.world;
  }
}
