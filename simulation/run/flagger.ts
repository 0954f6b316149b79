import type { Kernel } from '../kernel/kernel';
import type { World } from '../model/world';
import { CanaryController } from '../rollout/controller';
import { type ExplainContext, explain } from '../rollout/explain';
import { queryPrometheus } from '../rollout/prometheus';
import type { CanaryAlert, CanaryEvent, CanaryPorts, CanarySpec, MetricCheck, MetricTemplateSpec, Phase, ProviderResult, TickRecord, WebhookSpec } from '../rollout/types';
import { ScriptedWebhook, type WebhookBehaviour, type WebhookCall } from '../rollout/webhooks';
import type { SeriesStore } from '../telemetry/tsdb';

/** The Flagger part of a scenario: Canaries, MetricTemplates, how webhooks answer, load tests. */
export interface FlaggerSpec {
  canaries: readonly CanarySpec[];
  templates: readonly MetricTemplateSpec[];
  webhooks: ReadonlyArray<WebhookBehaviour & { name: string; canary: string | null; errorBudget?: string | null; human?: boolean }>;
  loadTests?: readonly LoadTestSpec[];
}

/** A webhook whose command runs `hey`: each successful call starts a run of its load generator stream. */
export interface LoadTestSpec {
  /** The Canary, namespace/name. */
  canary: string;
  hook: string;
  /** Index of the load generator stream in the world's streams. */
  stream: number;
  /** Requests per second. */
  rate: number;
  /** Seconds per run. */
  duration: number;
}

/** Fault hooks on Flagger's ports (simulation/faults/observability.ts): what the metrics provider and the API server answer instead. */
export interface FlaggerFaults {
  /** The metrics provider's answer to every query while a metrics outage lasts; null: it answers normally. */
  providerFault(): ProviderResult | null;
  /** The error the API server answers to router updates while they are rejected; null: updates go through. */
  routerFault(): string | null;
  /** The metrics outage in force, for explanations (draws nothing). */
  activeOutage(): { name: string; mode: string } | null;
}

/** What the analysis of one Canary did over a run. */
export interface CanaryRecord {
  canary: string;
  namespace: string;
  events: CanaryEvent[];
  alerts: CanaryAlert[];
  checks: MetricCheck[];
  timeline: TickRecord[];
  webhookCalls: WebhookCall[];
  /** Phase and simulated second of every phase change. */
  phases: Array<{ t: number; phase: Phase }>;
}

/**
 * Flagger in the simulation: one controller per Canary, ticking every
 * analysis interval from the start of the run (Flagger's job ticks at once
 * when created, then every interval), acting on the simulated cluster
 * through the ports: Deployments of the world, the Traefik router, the
 * simulated Prometheus, scripted webhooks.
 *
 * The run starts after Flagger initialised every Canary (the world is built
 * that way: primary running, target scaled to zero, TraefikService at
 * 100/0), so controllers start in phase Initialized with the current
 * template as both the applied and the promoted spec.
 */
export class FlaggerRuntime {
  readonly records: CanaryRecord[] = [];
  private readonly controllers: CanaryController[] = [];
  /** Each controller's tick period, seconds. */
  private readonly periods: number[] = [];
  private readonly evTick: number;

  constructor(
    spec: FlaggerSpec,
    private readonly kernel: Kernel,
    private readonly world: World,
    private readonly store: SeriesStore,
    /** Simulated seconds to the store's Unix milliseconds. */
    private readonly timestamp: (t: number) => number,
    /** Fault hooks (metrics-outage, router-reject); null without faults. */
    private readonly faults: FlaggerFaults | null = null,
    /** How a webhook bound to an SLO's error budget policy answers now (slo/runtime.ts gateAnswer). */
    policy: ((slo: string, hookType: string) => { status: number; body: string }) | null = null,
    /** How a webhook bound to the participants answers now (run/gates.ts); null: none are. */
    human: ((hook: WebhookSpec) => { status: number; body: string }) | null = null,
    /** Explain every event (the decision log's reasons); the tuning lab's runs read only the decisions. */
    explanations = true,
  ) {
    this.evTick = kernel.register('flagger-tick', (i) => this.onTick(i));
    spec.canaries.forEach((c, i) => {
      const record: CanaryRecord = { canary: c.name, namespace: c.namespace, events: [], alerts: [], checks: [], timeline: [], webhookCalls: [], phases: [] };
      this.records.push(record);
      const hooks = new Map<string, ScriptedWebhook>();
      for (const h of c.analysis.webhooks) {
        const b = spec.webhooks.find((w) => w.name === h.name && (w.canary === null || w.canary === `${c.namespace}/${c.name}`));
        const budget = b?.errorBudget ?? null;
        const responder = b?.human && human ? () => human(h) : budget !== null && policy ? () => policy(budget, h.type) : null;
        hooks.set(h.name, new ScriptedWebhook(b, responder));
      }
      const loads = new Map((spec.loadTests ?? []).filter((l) => l.canary === `${c.namespace}/${c.name}`).map((l) => [l.hook, l]));
      const ports = this.ports(c, spec.templates, hooks, loads, record);
      const revision = world.templateOf(c.target);
      const explainCtx: ExplainContext = { spec: c, store: this.store, scrapeInterval: world.spec.scrape.interval, timestamp: this.timestamp, outage: () => this.faults?.activeOutage() ?? null };
      // The sink is only called from the controller's ticks, after it is made.
      let controller: CanaryController | null = null;
      let last: Phase | null = null;
      controller = new CanaryController(
        c,
        ports,
        {
          event: (e) => record.events.push(explanations ? { ...e, explanation: explain(explainCtx, e, (controller as CanaryController).status, record.checks) } : e),
          alert: (a) => record.alerts.push(a),
          check: (m) => record.checks.push(m),
          tick: (r) => {
            record.timeline.push(r);
            if (r.phase !== last) record.phases.push({ t: r.t, phase: r.phase });
            last = r.phase;
          },
        },
        { phase: 'Initialized', canaryWeight: 0, failedChecks: 0, iterations: 0, lastAppliedSpec: revision, lastPromotedSpec: revision },
      );
      this.controllers.push(controller);
      this.periods.push(c.analysis.intervalMs / 1000);
      kernel.at(kernel.now, this.evTick, i);
    });
  }

  private onTick(i: number): void {
    this.controllers[i].tick(this.kernel.now);
    this.kernel.at(this.kernel.now + this.periods[i], this.evTick, i);
  }

  private ports(c: CanarySpec, templates: readonly MetricTemplateSpec[], hooks: Map<string, ScriptedWebhook>, loads: Map<string, LoadTestSpec>, record: CanaryRecord): CanaryPorts {
    const world = this.world;
    const primary = `${c.target}-primary`;
    const key = `${c.namespace}/${c.name}`;
    const replicas = world.desiredReplicas(primary);
    const now = () => this.timestamp(this.kernel.now);
    // Without IngressRoutes there is no Traefik to read the TraefikService Flagger writes: its weights are kept, and route nothing.
    // The kubernetes provider's router is Flagger's no-op router: nothing Flagger writes moves traffic either.
    const unrouted = { primary: 100, canary: 0 };
    const proxy = c.provider === 'kubernetes' ? null : world.proxy;
    return {
      targetRevision: () => world.templateOf(c.target),
      primaryReadiness: (threshold) => world.readiness(primary, threshold, c.progressDeadlineSeconds),
      canaryReadiness: (threshold) => world.readiness(c.target, threshold, c.progressDeadlineSeconds),
      scaleCanaryUp: () => world.scale(c.target, replicas),
      scaleCanaryToZero: () => world.scale(c.target, 0),
      promotePrimary: () => world.updateTemplate(primary, 'canary'),
      getRoutes: () => {
        // Traefik's router reads the primary's weight; the canary gets the rest, and nothing is mirrored (flagger.md §10.2).
        const primaryWeight = proxy ? proxy.getRoutes(key).primary : unrouted.primary;
        return { primary: primaryWeight, canary: 100 - primaryWeight, mirrored: false };
      },
      setRoutes: (p, w) => {
        if (p === 0 && w === 0) return { error: `RoutingRule ${c.apex}.${c.namespace} update failed: no valid weights` };
        // Fault hook (router-reject): the API server rejects the update; the weights stay.
        const rejected = this.faults?.routerFault() ?? null;
        if (rejected !== null) return { error: rejected };
        if (proxy) proxy.setRoutes(key, p, w);
        else Object.assign(unrouted, { primary: p, canary: w });
        return null;
      },
      // Fault hook (metrics-outage): the provider's answer replaces the query's.
      queryMetricsServer: (q) => this.faults?.providerFault() ?? queryPrometheus(this.store, q, now()),
      template: (name, namespace) => templates.find((t) => t.name === name && t.namespace === namespace) ?? null,
      queryTemplate: (_t, q) => this.faults?.providerFault() ?? queryPrometheus(this.store, q, now()),
      callWebhook: (hook, phase) => {
        const script = hooks.get(hook.name) ?? new ScriptedWebhook();
        const out = script.call(hook, this.kernel.now * 1000);
        record.webhookCalls.push({
          t: this.kernel.now,
          hook: hook.name,
          type: hook.type,
          phase,
          attempts: out.attempts,
          status: out.status,
          ok: out.result.ok,
          ...(out.result.ok ? {} : { error: out.result.error }),
        });
        // Flagger's load tester runs the command in the background: a call it accepts starts the load (unless that run still goes).
        if (out.result.ok) {
          const load = loads.get(hook.name);
          if (load) world.startLoad(load.stream, load.rate, load.duration);
        }
        return out.result;
      },
    };
  }
}

/** How the rollout ended (`gameday run --json` → `outcome`). */
export interface RolloutOutcome {
  /** The Canary's final phase. */
  phase: Phase;
  /** The new revision was promoted: Succeeded after an analysis or a skipped one. */
  promoted: boolean;
  /** Simulated second of the decision: promotion started (Promoting, or Succeeded when skipped) or rollback (Failed); null while undecided. */
  decidedAt: number | null;
  /** Why, in Flagger's words. */
  reason: string;
}

export function outcomeOf(record: CanaryRecord): RolloutOutcome {
  const last = record.timeline.at(-1);
  const phase: Phase = last?.phase ?? 'Initialized';
  // The decision that stands is the latest: the last analysis' promotion (Promoting, or Succeeded when skipped) or its failure.
  const since = [...record.phases].reverse().find((p) => p.phase === 'Progressing')?.t ?? 0;
  const decisive = record.phases.filter((p) => p.t >= since && (p.phase === 'Promoting' || p.phase === 'Failed' || p.phase === 'Succeeded'));
  const promoting = decisive.find((p) => p.phase === 'Promoting' || p.phase === 'Succeeded');
  const failed = decisive.find((p) => p.phase === 'Failed');
  if (phase === 'Failed' && failed) {
    const tick = record.events.filter((e) => e.t === failed.t);
    // Rollback and failed promotion say why in their own words; gate texts ("Rollback check … passed") come first in the tick.
    const first = tick.find((e) => /^(Rolling back|Promotion of|Canary failed!)/.test(e.message)) ?? tick.find((e) => e.type === 'Warning');
    const text = first?.message ?? 'Canary failed';
    const halts = record.events.filter((e) => e.t < failed.t && e.message.startsWith('Halt '));
    const cause = text.includes('failed checks threshold reached') && halts.length > 0 ? ` (last failed check: ${halts[halts.length - 1].message})` : '';
    return { phase, promoted: false, decidedAt: failed.t, reason: `${text}${cause}` };
  }
  if (phase === 'Succeeded' && promoting) {
    const done = [...record.events].reverse().find((e) => e.message.startsWith('Promotion completed!'));
    return { phase, promoted: true, decidedAt: promoting.t, reason: done?.message ?? 'Promotion completed' };
  }
  if (promoting) return { phase, promoted: false, decidedAt: promoting.t, reason: `promotion decided; still ${phase} when the run ended` };
  if (phase === 'Initialized') return { phase, promoted: false, decidedAt: null, reason: 'no new revision was detected during the run' };
  const lastEvent = record.events.at(-1)?.message;
  // The router's weight: Flagger's status reads 0 while waiting for promotion and in Blue/Green.
  const canaryTraffic = 100 - (last?.primaryWeight ?? 100);
  return { phase, promoted: false, decidedAt: null, reason: `undecided: ${phase} with ${canaryTraffic}% of traffic on the canary when the run ended${lastEvent ? ` (last event: ${lastEvent})` : ''}` };
}
