/**
 * Flagger's per-Canary reconcile (`advanceCanary`, flagger.md §4) as a deterministic state machine over
 * {@link CanaryPorts}: each {@link CanaryController.tick} runs steps 1–22 of §4 in Flagger's order, writes the
 * status with Flagger's status writers (§2.2), emits Flagger's event and alert texts (§9), calls webhooks (§7) and
 * reports one {@link TickRecord} per tick.
 *
 * The controller is pure logic: the cluster (readiness, scaling, router, metrics, webhooks) is behind the ports,
 * so the conformance suite drives it with scripted ports and the simulation with the simulated system. Interval
 * normalisation is the manifest compiler's job (`AnalysisSpec.intervalMs`); the controller is simply ticked.
 *
 * Where Flagger's code and docs disagree the code is reproduced; each such place cites flagger.md §12.
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import { checkMetricProviders, runMetricChecks } from './metrics';
import type {
  AnalysisSpec,
  CanaryAlert,
  CanaryEvent,
  CanaryPorts,
  CanarySpec,
  CanaryStatus,
  MetricCheck,
  Phase,
  Readiness,
  Routes,
  Strategy,
  TickRecord,
  WebhookSpec,
  WebhookType,
} from './types';

/** Where the controller reports what it does. */
export interface ControllerSink {
  event(e: CanaryEvent): void;
  alert(a: CanaryAlert): void;
  check(c: MetricCheck): void;
  tick(r: TickRecord): void;
}

/** Effective max weight of the canary strategy (§6.1): the ladder's last step (≤ 100), else `maxWeight`, else 100. */
export function maxWeightOf(analysis: Pick<AnalysisSpec, 'maxWeight' | 'stepWeights'>): number {
  const steps = analysis.stepWeights;
  if (steps.length > 0) return Math.min(100, steps[steps.length - 1]);
  return analysis.maxWeight > 0 ? analysis.maxWeight : 100;
}

/**
 * Flagger's `nextStepWeight` (§6.1): the linear step when `stepWeight > 0` or there is no ladder (possibly 0), else
 * the distance to the next ladder entry, capped at the remaining `100 − current` (1 at 100 so promotion can run).
 * The result is never clamped to maxWeight (stepWeight 20, maxWeight 50 ⇒ 20, 40, 60).
 */
export function nextStepWeight(analysis: Pick<AnalysisSpec, 'stepWeight' | 'stepWeights'>, current: number): number {
  const steps = analysis.stepWeights;
  if (analysis.stepWeight > 0 || steps.length === 0) return analysis.stepWeight;
  const maxStep = 100 - current;
  if (maxStep === 0) return 1;
  if (current === 0) return Math.min(maxStep, steps[0]);
  for (let i = 0; i < steps.length - 1; i++) {
    if (steps[i] === current) return Math.min(maxStep, steps[i + 1] - current);
  }
  return maxStep;
}

/** Flagger's `DeploymentStrategy` (§3). */
export function strategyOf(analysis: Pick<AnalysisSpec, 'iterations' | 'match'>): Strategy {
  if (analysis.iterations > 0) return analysis.match.length > 0 ? 'ab-testing' : 'blue-green';
  return 'canary';
}

const INITIAL_STATUS: CanaryStatus = {
  phase: '',
  canaryWeight: 0,
  failedChecks: 0,
  iterations: 0,
  lastAppliedSpec: '',
  lastPromotedSpec: '',
};

type EventType = CanaryEvent['type'];

export class CanaryController {
  private readonly st: CanaryStatus;
  private now = 0;
  /** Last weights read from or written to the router (fallback for the tick record when GetRoutes fails). */
  private lastRoutes: Routes = { primary: 100, canary: 0, mirrored: false };

  constructor(
    private readonly spec: CanarySpec,
    private readonly ports: CanaryPorts,
    private readonly sink: ControllerSink,
    initial?: Partial<CanaryStatus>,
  ) {
    this.st = { ...INITIAL_STATUS, ...initial };
  }

  get status(): Readonly<CanaryStatus> {
    return { ...this.st };
  }

  /** One reconcile of the Canary at simulated time `t` (seconds). */
  tick(t: number): void {
    this.now = t;
    this.advance();
    const routes = this.ports.getRoutes();
    if (!('error' in routes)) this.lastRoutes = routes;
    const { phase, canaryWeight, failedChecks, iterations } = this.st;
    this.sink.tick({ t, phase, canaryWeight, primaryWeight: this.lastRoutes.primary, failedChecks, iterations });
  }

  // -------------------------------------------------------------------------------------------------------------
  // The tick (§4)
  // -------------------------------------------------------------------------------------------------------------

  private advance(): void {
    const { spec, ports, st } = this;
    const analysis = spec.analysis;
    const id = `${spec.name}.${spec.namespace}`;
    const targetId = `${spec.target}.${spec.namespace}`;

    // 2. Suspend: nothing but the event; the status is untouched so the analysis resumes where it stopped.
    if (spec.suspend) {
      this.normal('skipping canary run as object is suspended');
      return;
    }
    const skip = spec.skipAnalysis;
    const initializing = st.phase === '' || st.phase === 'Initializing';

    // 4. Metric provider availability: reported, but the tick continues either way.
    if (!skip && initializing) {
      const err = checkMetricProviders(spec, ports);
      if (err === null) this.normal('all the metrics providers are available!');
      else this.errorEvent(`Error checking metric providers: ${err}`);
    }

    // 5. Primary initialization: the primary must be ready before the Canary is Initialized.
    if (!skip && initializing) {
      const ready = ports.primaryReadiness(analysis.primaryReadyThreshold);
      if (!ready.ready) {
        this.warning(`${spec.target}-primary.${spec.namespace} not ready: ${ready.reason}`);
        if (!ready.retriable) this.rollback();
        return;
      }
    }

    // 6. The target is scaled to zero while initializing (the apex service and TraefikService are the ports' concern).
    if (initializing) ports.scaleCanaryToZero();

    // 7. Initialized. Step 8 finds no change afterwards, so initialization never starts an analysis in the same tick.
    if (initializing) {
      this.syncStatus('Initialized', 0, 0, 0);
      this.normal(`Initialization done! ${id}`);
      this.alert('info', `New ${spec.targetKind} detected, initialization completed.`);
    }

    // 8. Should advance?
    if (!this.shouldAdvance()) return;

    // 9. maxWeight.
    const maxWeight = maxWeightOf(analysis);

    // 10. Primary readiness (skipped with skipAnalysis).
    if (!skip) {
      const ready = ports.primaryReadiness(analysis.primaryReadyThreshold);
      if (!ready.ready) {
        const text = `${spec.target}-primary.${spec.namespace} not ready: ${ready.reason}`;
        this.warning(text);
        if (!ready.retriable) {
          if (st.phase === 'Promoting' || st.phase === 'Finalising') this.failedPromotion(text);
          else this.rollback();
        }
        return;
      }
    }

    // 11. Read the routes.
    const routes = ports.getRoutes();
    if ('error' in routes) {
      this.warning(routes.error);
      return;
    }
    this.lastRoutes = routes;

    // 12. Start / gate (checkCanaryStatus).
    if (!(st.phase === 'Progressing' || st.phase === 'WaitingPromotion' || st.phase === 'Promoting' || st.phase === 'Finalising')) {
      this.startAnalysis();
      return;
    }

    // 13. A new revision mid-analysis restarts it (confirm-rollout hooks are not re-run, the canary is not re-scaled).
    if (st.phase === 'Progressing' || st.phase === 'WaitingPromotion') {
      if (this.targetChanged(st.lastAppliedSpec, st.lastPromotedSpec)) {
        this.normal(`New revision detected! Restarting analysis for ${targetId}`);
        if (!this.setRoutes(100, 0, false)) return;
        this.syncStatus('Progressing', 0, 0, 0);
        return;
      }
    }

    // 14. Canary readiness: retriable ⇒ just wait (no failedChecks increment, no threshold check this tick).
    const canaryReady: Readiness = ports.canaryReadiness(analysis.canaryReadyThreshold);
    if (!canaryReady.ready) {
      this.warning(`canary deployment ${targetId} not ready: ${canaryReady.reason}`);
      if (!canaryReady.retriable) this.rollback();
      return;
    }

    // 15. Skip analysis: promote straight away.
    if (skip) {
      if (!this.setRoutes(100, 0, false)) return;
      this.normal(`Copying ${targetId} template spec to ${spec.target}-primary.${spec.namespace}`);
      ports.promotePrimary();
      ports.scaleCanaryToZero();
      this.setStatusPhase('Succeeded');
      this.runPostRolloutHooks('Succeeded');
      this.normal(`Promotion completed! Canary analysis was skipped for ${targetId}`);
      this.alert('info', 'Canary analysis was skipped, promotion finished.');
      return;
    }

    // 16. Manual rollback gate. Flagger also lists `Waiting`, but a Waiting canary never gets here (step 12 returns
    // for every Waiting tick), so it cannot be rolled back by a rollback hook (§12.1); the type checker agrees.
    if (st.phase === 'Progressing' || st.phase === 'WaitingPromotion') {
      for (const hook of this.hooks('rollback')) {
        const r = ports.callWebhook(hook, st.phase);
        if (r.ok) {
          this.warning(`Rollback check ${hook.name} passed`);
          this.warning(`Rolling back ${id} manual webhook invoked`);
          this.alert('warn', 'Rolling back manual webhook invoked');
          this.rollback();
          return;
        }
        this.normal(`Rollback hook ${hook.name} not signaling a rollback`);
      }
    }

    // 17. Promoting: shift traffic back to the primary.
    if (st.phase === 'Promoting') {
      this.promotionStep(routes);
      return;
    }

    // 18. Finalising: done.
    if (st.phase === 'Finalising') {
      ports.scaleCanaryToZero();
      this.setStatusPhase('Succeeded');
      this.runPostRolloutHooks('Succeeded');
      this.normal(`Promotion completed! Scaling down ${targetId}`);
      this.alert('info', 'Canary analysis completed successfully, promotion finished.');
      return;
    }

    // 19. Threshold. Checked before this tick's analysis, so the rollback happens on the tick after the failing
    // tick that reached the threshold (threshold failing ticks + 1, not interval × threshold, §12.3). Flagger also
    // ORs a "non-retriable" flag here that is always false at this point, so its "progress deadline exceeded"
    // rollback text is unreachable (§12.2).
    if ((st.phase === 'Progressing' || st.phase === 'WaitingPromotion') && st.failedChecks >= analysis.threshold) {
      this.rollback();
      return;
    }

    // 20. Pre-rollout (weight 0, iteration 0, not mirrored) or the analysis. Metrics therefore never run before the
    // first weight increase / iteration; with a closed traffic gate this branch repeats every tick (§12.6).
    if (routes.canary === 0 && st.iterations === 0 && !(analysis.mirror && routes.mirrored)) {
      this.normal(`Starting canary analysis for ${targetId}`);
      if (!this.runGateHooks('pre-rollout', (hook, err) => `Halt ${id} advancement pre-rollout check ${hook.name} failed ${err}`, 'Pre-rollout')) {
        this.st.failedChecks += 1;
        return;
      }
    } else if (!this.runAnalysis()) {
      this.st.failedChecks += 1;
      return;
    }

    // 21. Provider `kubernetes` (this tick only, not persisted): no traffic shifting, 10 iterations instead.
    let effective: AnalysisSpec = analysis;
    if (spec.provider === 'kubernetes') {
      if (effective.match.length > 0) {
        this.warning('A/B testing is not supported when using the kubernetes provider');
        effective = { ...effective, match: [] };
      }
      if (effective.iterations < 1) {
        this.warning('Progressive traffic is not supported when using the kubernetes provider');
        this.warning('Setting canaryAnalysis.iterations: 10');
        effective = { ...effective, iterations: 10 };
      }
    }

    // 22. Strategy step.
    switch (strategyOf(effective)) {
      case 'ab-testing':
        this.abTestingStep(effective);
        return;
      case 'blue-green':
        this.blueGreenStep(effective, routes);
        return;
      case 'canary':
        this.canaryStep(effective, routes, maxWeight);
        return;
    }
  }

  /** Step 8 (`shouldAdvance`). */
  private shouldAdvance(): boolean {
    const st = this.st;
    const p = st.phase;
    if (p === 'Progressing' || p === 'Waiting' || p === 'WaitingPromotion' || p === 'Promoting' || p === 'Finalising') return true;
    // The comparison uses the status as loaded at the start of the tick; a Failed canary's lastAppliedSpec is
    // refreshed first, so a change is noticed only on the first tick after it and is lost if that tick ends
    // before the gate step (§12.21).
    const { lastAppliedSpec, lastPromotedSpec } = st;
    if (p === 'Failed') this.syncStatus('Failed', st.canaryWeight, st.failedChecks, st.iterations);
    return this.targetChanged(lastAppliedSpec, lastPromotedSpec);
  }

  /** `HasTargetChanged`: reverting to the promoted spec never counts as a change (§4 step 8, §12.17). */
  private targetChanged(lastApplied: string, lastPromoted: string): boolean {
    const rev = this.ports.targetRevision();
    return rev !== lastApplied && rev !== lastPromoted;
  }

  /** Step 12 for Initialized / Succeeded / Failed / Waiting: confirm-rollout gate, then the detection tick. */
  private startAnalysis(): void {
    const { spec, st } = this;
    for (const hook of this.hooks('confirm-rollout')) {
      const r = this.ports.callWebhook(hook, st.phase);
      if (!r.ok) {
        // Entering Waiting is announced once; a still-closed gate is silent.
        if (st.phase !== 'Waiting') {
          this.setStatusPhase('Waiting');
          this.warning(`Halt ${spec.name}.${spec.namespace} advancement waiting for approval ${hook.name}`);
          if (!hook.muteAlert) this.alert('warn', 'Canary is waiting for approval.');
        }
        return;
      }
      this.normal(`Confirm-rollout check ${hook.name} passed`);
    }
    // Flagger emits these on a copy of the Canary whose phase is already Progressing (§7.3, C35 event 6).
    this.emit('Normal', `New revision detected! Scaling up ${spec.target}.${spec.namespace}`, { phase: 'Progressing' });
    this.alert('info', 'New revision detected, progressing canary analysis.');
    this.ports.scaleCanaryUp();
    this.syncStatus('Progressing', 0, 0, 0);
  }

  /** §4.A: rollout hooks, then builtin/inline metrics, then template metrics; the first failure ends it. */
  private runAnalysis(): boolean {
    const { spec } = this;
    const id = `${spec.name}.${spec.namespace}`;
    for (const hook of this.hooks('rollout')) {
      const r = this.ports.callWebhook(hook, 'Progressing');
      if (!r.ok) {
        this.warning(`Halt ${id} advancement external check ${hook.name} failed ${r.error}`);
        return false;
      }
    }
    return runMetricChecks(spec, this.ports, this.now, {
      warning: (m) => this.warning(m),
      error: (m) => this.errorEvent(m),
      check: (c) => this.sink.check(c),
    });
  }

  /** §6.1 canary strategy (after the checks passed). */
  private canaryStep(analysis: AnalysisSpec, routes: Routes, maxWeight: number): void {
    const { spec, st } = this;
    const id = `${spec.name}.${spec.namespace}`;
    const step = nextStepWeight(analysis, routes.canary);
    if (step <= 0) return; // stepWeight 0 and no ladder: the canary never advances (§12.14)
    // The traffic gate is also consulted on the promotion tick (nextStepWeight is still > 0 there) and blocks it (§12.6).
    if (!routes.mirrored && st.phase !== 'WaitingPromotion') {
      for (const hook of this.hooks('confirm-traffic-increase')) {
        const r = this.ports.callWebhook(hook, 'Progressing');
        if (!r.ok) {
          this.warning(`Halt ${id} advancement waiting for traffic increase approval ${hook.name}`);
          if (!hook.muteAlert) this.alert('warn', 'Canary traffic increase is waiting for approval.');
          return;
        }
        this.normal(`Confirm-traffic-increase check ${hook.name} passed`);
      }
    }
    if (routes.canary < maxWeight) {
      let primary: number;
      let canary: number;
      let mirrored = false;
      if (analysis.mirror && routes.canary === 0) {
        // Mirror pre-stage. Traefik drops the mirror flag and never reports `mirrored`, so a canary with
        // `mirror: true` stays at weight 0 forever (§10.4, §12.9).
        if (!routes.mirrored) {
          primary = 100;
          canary = 0;
          mirrored = true;
        } else {
          primary = 100 - step;
          canary = step;
        }
      } else {
        // No clamping to maxWeight (§6.1).
        primary = Math.max(0, routes.primary - step);
        canary = Math.min(100, routes.canary + step);
      }
      if (!this.setRoutes(primary, canary, mirrored)) return;
      this.st.canaryWeight = canary;
      this.normal(`Advance ${id} canary weight ${canary}`);
      return;
    }
    if (!this.runConfirmPromotionHooks(analysis)) return;
    this.promote();
  }

  /** §6.2 Blue/Green. `status.canaryWeight` is never written (stays 0, §12.5). */
  private blueGreenStep(analysis: AnalysisSpec, routes: Routes): void {
    const { spec, st } = this;
    const n = analysis.iterations;
    const kubernetes = spec.provider === 'kubernetes';
    if (n > st.iterations) {
      // "Start traffic mirroring" is only logged, not an event.
      if (analysis.mirror && !routes.mirrored && !kubernetes && !this.setRoutes(100, 0, true)) return;
      st.iterations += 1;
      this.normal(`Advance ${spec.name}.${spec.namespace} canary iteration ${st.iterations}/${n}`);
      return;
    }
    if (!this.runConfirmPromotionHooks(analysis)) return;
    if (n === st.iterations) {
      if (!kubernetes) {
        this.normal(analysis.mirror ? 'Stop traffic mirroring and route all traffic to canary' : 'Routing all traffic to canary');
        if (!this.setRoutes(0, 100, false)) return;
      }
      st.iterations += 1;
      return;
    }
    this.promote();
  }

  /** §6.3 A/B testing. Traefik ignores `match`, so routes 0/100 send all traffic to the canary (§12.9). */
  private abTestingStep(analysis: AnalysisSpec): void {
    const { spec, st } = this;
    const n = analysis.iterations;
    if (n > st.iterations) {
      if (!this.setRoutes(0, 100, false)) return;
      st.iterations += 1;
      this.normal(`Advance ${spec.name}.${spec.namespace} canary iteration ${st.iterations}/${n}`);
      return;
    }
    if (!this.runConfirmPromotionHooks(analysis)) return;
    if (n === st.iterations) this.promote();
  }

  /** Copy the canary's template to the primary and enter Promoting (w and it kept). */
  private promote(): void {
    const { spec } = this;
    this.normal(`Copying ${spec.target}.${spec.namespace} template spec to ${spec.target}-primary.${spec.namespace}`);
    this.ports.promotePrimary();
    this.setStatusPhase('Promoting');
  }

  /** §6.4: the promotion traffic shift (phase Promoting). */
  private promotionStep(routes: Routes): void {
    const { spec } = this;
    if (spec.provider === 'kubernetes') {
      this.setStatusPhase('Finalising');
      return;
    }
    const swp = spec.analysis.stepWeightPromotion;
    if (swp === 0) {
      this.normal('Routing all traffic to primary');
      if (!this.setRoutes(100, 0, false)) return;
      this.setStatusPhase('Finalising');
      return;
    }
    // With a staged promotion nothing happens while the router's canary weight is already 0.
    if (routes.canary <= 0) return;
    const primary = Math.min(100, routes.primary + swp);
    const canary = Math.max(0, routes.canary - swp);
    if (!this.setRoutes(primary, canary, false)) return;
    this.normal(`Advance ${spec.name}.${spec.namespace} primary weight ${primary}`);
    if (primary === 100) this.setStatusPhase('Finalising');
    else this.st.canaryWeight = canary;
  }

  /**
   * Confirm-promotion hooks (§7.2), payload phase always Progressing. A failure enters WaitingPromotion once
   * (status weight 0, iterations := iterations − 1, i.e. −1 for the canary strategy, §12.5); while already waiting
   * it only sets iterations := iterations − 1 again.
   */
  private runConfirmPromotionHooks(analysis: AnalysisSpec): boolean {
    const { spec, st } = this;
    for (const hook of this.hooks('confirm-promotion')) {
      const r = this.ports.callWebhook(hook, 'Progressing');
      if (!r.ok) {
        if (st.phase !== 'WaitingPromotion') {
          this.setStatusPhase('WaitingPromotion', analysis.iterations);
          this.warning(`Halt ${spec.name}.${spec.namespace} advancement waiting for promotion approval ${hook.name}`);
          if (!hook.muteAlert) this.alert('warn', 'Canary promotion is waiting for approval.');
        } else {
          st.iterations = analysis.iterations - 1;
        }
        return false;
      }
      this.normal(`Confirm-promotion check ${hook.name} passed`);
    }
    return true;
  }

  /** Gate hooks of one type in list order; the first failure stops. `passed` names the success event's prefix. */
  private runGateHooks(type: WebhookType, failure: (hook: WebhookSpec, err: string) => string, passed: string): boolean {
    for (const hook of this.hooks(type)) {
      const r = this.ports.callWebhook(hook, 'Progressing');
      if (!r.ok) {
        this.warning(failure(hook, r.error));
        return false;
      }
      this.normal(`${passed} check ${hook.name} passed`);
    }
    return true;
  }

  /** Post-rollout hooks with the given payload phase; a failure is reported and stops the remaining ones. */
  private runPostRolloutHooks(phase: Phase): void {
    for (const hook of this.hooks('post-rollout')) {
      const r = this.ports.callWebhook(hook, phase);
      if (!r.ok) {
        this.warning(`Post-rollout hook ${hook.name} failed ${r.error}`);
        return;
      }
      this.normal(`Post-rollout check ${hook.name} passed`);
    }
  }

  /** §4.F rollback (threshold, manual hook, non-retriable readiness). */
  private rollback(): void {
    const { spec, st } = this;
    const id = `${spec.name}.${spec.namespace}`;
    if (st.failedChecks >= spec.analysis.threshold) {
      this.warning(`Rolling back ${id} failed checks threshold reached ${st.failedChecks}`);
      this.alert('error', `Failed checks threshold reached ${st.failedChecks}`);
    }
    if (!this.setRoutes(100, 0, false)) return;
    this.warning(`Canary failed! Scaling down ${id}`);
    this.ports.scaleCanaryToZero();
    this.syncStatus('Failed', 0, 0, 0);
    this.runPostRolloutHooks('Failed');
  }

  /** §4.F failed promotion: all traffic to the canary, which is not scaled down; status weight 100. */
  private failedPromotion(err: string): void {
    const { spec } = this;
    this.warning(`Promotion of ${spec.target}.${spec.namespace} failed, primary not ready: ${err}`);
    this.alert('error', `Promotion failed, primary not ready: ${err}`);
    if (!this.setRoutes(0, 100, false)) return;
    this.syncStatus('Failed', 100, 0, 0);
    this.runPostRolloutHooks('Failed');
  }

  // -------------------------------------------------------------------------------------------------------------
  // Status writers (§2.2)
  // -------------------------------------------------------------------------------------------------------------

  /** Overwrites phase and all three counters; refreshes lastAppliedSpec (and lastPromotedSpec on Initialized). */
  private syncStatus(phase: Phase, canaryWeight: number, failedChecks: number, iterations: number): void {
    const st = this.st;
    st.phase = phase;
    st.canaryWeight = canaryWeight;
    st.failedChecks = failedChecks;
    st.iterations = iterations;
    st.lastAppliedSpec = this.ports.targetRevision();
    if (phase === 'Initialized') st.lastPromotedSpec = st.lastAppliedSpec;
  }

  /**
   * Sets the phase; outside Progressing/Waiting/Promoting resets weight and iterations (WaitingPromotion:
   * iterations := analysis iterations − 1). Never touches failedChecks, which therefore survives into Succeeded
   * (§12.4).
   */
  private setStatusPhase(phase: Phase, iterations = this.spec.analysis.iterations): void {
    const st = this.st;
    st.phase = phase;
    if (phase !== 'Progressing' && phase !== 'Waiting' && phase !== 'Promoting') {
      st.canaryWeight = 0;
      st.iterations = phase === 'WaitingPromotion' ? iterations - 1 : 0;
    }
    if (phase === 'Initialized' || phase === 'Succeeded') st.lastPromotedSpec = st.lastAppliedSpec;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Ports, events, alerts
  // -------------------------------------------------------------------------------------------------------------

  private hooks(type: WebhookType): WebhookSpec[] {
    return this.spec.analysis.webhooks.filter((h) => h.type === type);
  }

  /** Writes the routes; on failure emits the router's error as a Warning and returns false. */
  private setRoutes(primary: number, canary: number, mirror: boolean): boolean {
    const err = this.ports.setRoutes(primary, canary, mirror);
    if (err !== null) {
      this.warning(err.error);
      return false;
    }
    this.lastRoutes = { primary, canary, mirrored: mirror };
    return true;
  }

  private normal(message: string): void {
    this.emit('Normal', message);
  }

  private warning(message: string): void {
    this.emit('Warning', message);
  }

  private errorEvent(message: string): void {
    this.emit('Warning', message, { error: true });
  }

  /**
   * Records an event and calls every `event` hook with the Canary's phase at that moment (§7.3). The status writers
   * mutate the one in-memory status, so e.g. post-rollout events after SetStatusPhase(Succeeded) carry Succeeded,
   * and payloads can carry any phase, including WaitingPromotion and the pre-initialization one (§12.18).
   */
  private emit(type: EventType, message: string, opts: { error?: boolean; phase?: Phase } = {}): void {
    const e: CanaryEvent = { t: this.now, type, reason: 'Synced', message };
    if (opts.error === true) e.error = true;
    this.sink.event(e);
    const phase = opts.phase ?? this.st.phase;
    // Event hook failures are only logged by Flagger.
    for (const hook of this.hooks('event')) this.ports.callWebhook(hook, phase, { message, type });
  }

  private alert(severity: CanaryAlert['severity'], message: string): void {
    this.sink.alert({ t: this.now, severity, message });
  }
}
