import { describe, expect, it } from 'vitest';
import { Simulation } from '../../simulation/run/simulation';
import { canary, deployment, mustLoad, scenarioFile } from '../support/scenario';

/** api: 4 primary replicas, 20 s to start; the canary revision answers in 40 ms instead of 10 ms. */
function sim(replicas = 4) {
  return new Simulation(
    mustLoad(
      scenarioFile(
        `duration: 10m
traffic:
  - name: apex
    target: api
    rate: 50
services:
  api:
    startupTime: 20s
    latency: { distribution: fixed, value: 10ms }
    canary:
      latency: { distribution: fixed, value: 40ms }`,
        deployment('api', replicas),
        canary('api'),
      ),
    ),
    { seed: 1 },
  );
}

const primaryPods = (s: Simulation) => s.model.podList().filter((p) => p.workload === 'api-primary' && p.state !== 'gone');

describe('rolling update of a Deployment (Kubernetes RollingUpdate defaults)', () => {
  it('replaces every pod with the new template, never below desired − 25 % ready or above desired + 25 % pods', () => {
    const s = sim(4);
    s.advanceTo(60);
    const before = new Set(primaryPods(s).map((p) => p.name));
    s.model.updateTemplate('api-primary', 'canary');
    let minReady = Infinity;
    let maxPods = 0;
    for (let t = 60; t <= 200; t += 0.5) {
      s.advanceTo(t);
      const pods = primaryPods(s).filter((p) => p.state !== 'terminating');
      minReady = Math.min(minReady, pods.filter((p) => p.state === 'ready').length);
      maxPods = Math.max(maxPods, pods.length);
    }
    expect(minReady).toBe(3); // maxUnavailable = floor(4 × 25 %) = 1
    expect(maxPods).toBe(5); // maxSurge = ceil(4 × 25 %) = 1
    const after = primaryPods(s);
    expect(after).toHaveLength(4);
    expect(after.every((p) => p.state === 'ready' && !before.has(p.name))).toBe(true);
    // New ReplicaSet: a new pod-template-hash in the names.
    const hash = (n: string) => n.split('-').at(-2);
    expect(new Set(after.map((p) => hash(p.name))).size).toBe(1);
    expect(hash(after[0].name)).not.toBe(hash([...before][0]));
  });

  it('takes as long as the pods need: with surge 1 and unavailable 1, four replicas are replaced in two startup times', () => {
    const s = sim(4);
    s.advanceTo(60);
    s.model.updateTemplate('api-primary', 'canary');
    // Two new pods at once: one within the surge, one replacing the old pod retired within the unavailability budget.
    expect(s.model.readiness('api-primary', 100, 600)).toEqual({ ready: false, retriable: true, reason: 'waiting for rollout to finish: 2 out of 4 new replicas have been updated' });
    s.advanceTo(80.1);
    // Those two ready: two more old pods go, two more new pods start.
    expect(s.model.readiness('api-primary', 100, 600)).toEqual({ ready: false, retriable: true, reason: 'waiting for rollout to finish: 1 old replicas are pending termination' });
    s.advanceTo(100.1);
    expect(s.model.readiness('api-primary', 100, 600)).toEqual({ ready: true });
  });

  it('reports unavailable updated replicas with the ready threshold, and a progress deadline that waiting cannot fix', () => {
    const s = sim(2);
    s.advanceTo(30);
    s.model.scale('api', 2);
    expect(s.model.readiness('api', 100, 600)).toEqual({ ready: false, retriable: true, reason: 'waiting for rollout to finish: 0 of 2 (readyThreshold 100%) updated replicas are available' });
    expect(s.model.readiness('api', 0, 600)).toEqual({ ready: true });
    expect(s.model.readiness('api', 100, 10)).toEqual({ ready: false, retriable: true, reason: 'waiting for rollout to finish: 0 of 2 (readyThreshold 100%) updated replicas are available' });
    s.advanceTo(45);
    expect(s.model.readiness('api', 100, 10)).toEqual({ ready: false, retriable: false, reason: 'deployment "api" exceeded its progress deadline' });
    s.advanceTo(51);
    expect(s.model.readiness('api', 100, 10)).toEqual({ ready: true });
  });

  it('serves with the new revision once promoted', () => {
    const s = sim(2);
    s.advanceTo(60);
    s.model.updateTemplate('api-primary', 'canary');
    const r = s.runToEnd();
    expect(r.services.api.canary?.requests).toBeGreaterThan(10_000);
  });
});
