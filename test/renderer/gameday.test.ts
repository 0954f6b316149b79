import { describe, expect, it } from 'vitest';
import { RunSession, type RunSnapshot, runWindows, type ScenarioSummary, type SessionReply } from '../../simulation/run/session';
import { Simulation } from '../../simulation/run/simulation';
import { loadScenario } from '../../simulation/scenario/loader';
import type { CanaryEvent } from '../../simulation/rollout/types';
import { includePaths, scenarioFaultDocs, webhookTypes } from '../../renderer/views/gameday/scenario-text';
import { copyDocument, defaultForm, formDocument, freshName, paletteEntries, parseFaultText, takenNames, versionsOf } from '../../renderer/views/gameday/palette';
import { gateSentence, gateState } from '../../renderer/views/gameday/gates';
import { exerciseTimeline, laneOf, packRows } from '../../renderer/views/gameday/timeline';
import { buildExerciseRecord, exerciseFileName, exerciseJson, scenarioFiles } from '../../renderer/views/gameday/exercise';
import { clock } from '../../renderer/format';
import { repoHost } from '../support/scenario';

/**
 * The game-day view's pure parts (renderer/views/gameday/*.ts), against real
 * runs of the bundled scenarios through a run session: the palette's fault
 * documents, whether Flagger waits at a gate, the exercise timeline, and the
 * exported exercise record (which replays to the same run).
 */

const GAMEDAY = 'scenarios/gameday-checkout.yaml';

function text(file: string): string {
  const t = repoHost.readFile(file);
  if (t === null) throw new Error(`no file ${file}`);
  return t;
}

function session(file: string): { s: RunSession; summary: ScenarioSummary } {
  const s = new RunSession(repoHost);
  const opened = s.handle({ kind: 'open', file });
  if (opened.kind !== 'opened' || !opened.ok) throw new Error(JSON.stringify(opened));
  s.handle({ kind: 'start' });
  return { s, summary: opened.summary };
}

function snap(r: SessionReply): RunSnapshot {
  if (r.kind !== 'snapshot') throw new Error(JSON.stringify(r));
  return r.snapshot;
}

describe('the game-day scenario', () => {
  it('loads with its plan, binds both webhooks to the team and, left alone, is held at the promotion gate', () => {
    const { s, summary } = session(GAMEDAY);
    expect(summary.gameDay?.participants.map((p) => p.role)).toEqual(['facilitator', 'incident-commander', 'operator']);
    expect(summary.gameDay?.faults).toEqual(['http-abort', 'latency-shift']);
    expect(summary.faults).toEqual([]);
    expect(summary.expect).toEqual({ outcome: 'held' });
    const end = snap(s.handle({ kind: 'advance', to: summary.duration }));
    expect(end.humanGates.map((g) => g.hook)).toEqual(['promotion-approval', 'pull-the-plug']);
    expect(end.result.outcome?.phase).toBe('WaitingPromotion');
    expect(end.expectation?.met).toBe(true);
  });
});

describe('scenario text', () => {
  it("reads the scenario's faults with their default names, its includes and its webhooks' types", () => {
    const doc = `apiVersion: gameday.dev/v1alpha1
kind: Scenario
metadata: { name: x }
spec:
  include: [manifests/a.yaml, ../shared/b.yaml, manifests/a.yaml]
  faults:
    - { type: pod-kill, target: { service: app }, at: 2m }
    - { name: boom, type: http-abort, target: { service: app, version: canary }, at: 1m, for: 30s, repeat: { every: 2m, times: 3 } }
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: { name: app }
spec:
  analysis:
    webhooks:
      - { name: gate, type: confirm-promotion, url: http://x }
      - { name: load, url: http://y }
`;
    expect(scenarioFaultDocs(doc).map((f) => f.name)).toEqual(['pod-kill-0', 'boom']);
    expect(includePaths('scenarios/team/x.yaml', doc)).toEqual(['scenarios/team/manifests/a.yaml', 'scenarios/shared/b.yaml']);
    expect(webhookTypes(doc)).toEqual({ gate: 'confirm-promotion', load: 'rollout' });
    expect(webhookTypes(text(GAMEDAY))).toEqual({ 'promotion-approval': 'confirm-promotion', 'pull-the-plug': 'rollback' });
    // The windows a schedule opens within a run (the scenario summary carries them): 1m–1m30s, then every 2m,
    // 3 times; the last starts after a 4m horizon and is dropped.
    const boom = { at: 60, for: 30, rampIn: 0, rampOut: 0, repeat: { every: 120, times: 3 } };
    expect(runWindows(boom, 600)).toEqual([
      [60, 90],
      [180, 210],
      [300, 330],
    ]);
    expect(runWindows(boom, 240)).toEqual([
      [60, 90],
      [180, 210],
    ]);
    // Without for: to the horizon (an injection at 100 with at: 30s starts at 130).
    expect(runWindows({ at: 130, for: Infinity, rampIn: 0, rampOut: 0, repeat: null }, 600)).toEqual([[130, 600]]);
    expect(scenarioFaultDocs('not: [valid')).toEqual([]);
  });
});

describe('fault palette', () => {
  it("offers the plan's fault types with a form whose document the session injects", () => {
    const { s, summary } = session(GAMEDAY);
    const entries = paletteEntries(summary, scenarioFaultDocs(text(GAMEDAY)));
    expect(entries.map((e) => [e.kind, e.key])).toEqual([
      ['type', 'http-abort'],
      ['type', 'latency-shift'],
    ]);
    expect(versionsOf(summary, 'checkout')).toEqual(['primary', 'canary']);
    const form = defaultForm('http-abort', summary);
    expect(form).toMatchObject({ service: 'checkout', version: 'canary', params: { code: '500', percent: '10' }, duration: '5m' });
    s.handle({ kind: 'advance', to: 100 });
    const name = freshName('http-abort-live', takenNames(summary, null));
    const doc = formDocument({ ...form, params: { ...form.params, percent: '20' } }, name);
    expect(doc).toEqual({ name: 'http-abort-live', type: 'http-abort', target: { service: 'checkout', version: 'canary' }, code: 500, percent: 20, for: '5m' });
    const after = snap(s.handle({ kind: 'inject', fault: doc }));
    expect(after.activeFaults.map((f) => f.name)).toEqual(['http-abort-live']);
    // The next one gets a fresh name; a bad parameter is refused with what is wrong.
    expect(freshName('http-abort-live', takenNames(summary, after))).toBe('http-abort-live-2');
    const bad = s.handle({ kind: 'inject', fault: formDocument({ ...form, params: { code: '500', percent: 'lots' } }, 'x') });
    expect(bad.kind).toBe('error');
    expect(bad.kind === 'error' && bad.message).toMatch(/^the fault cannot be injected: percent/);
    // metrics-outage targets the provider.
    expect(formDocument(defaultForm('metrics-outage', summary), 'm')).toEqual({ name: 'm', type: 'metrics-outage', target: 'provider', mode: 'error', for: '5m' });
    expect(formDocument({ ...defaultForm('latency-shift', summary), duration: ' ' }, 'l')).toEqual({ name: 'l', type: 'latency-shift', target: { service: 'checkout', version: 'canary' }, factor: 2 });
  });

  it('a scheduled fault of the plan is injected again as a copy with a fresh name, starting now', () => {
    const file = 'scenarios/budget-halt.yaml';
    const { s, summary } = session(file);
    const docs = scenarioFaultDocs(text(file));
    const plan = { ...(summary.gameDay ?? { objective: 'o', participants: [], hypothesis: '', hideFaults: false, blastRadius: '', abortTrigger: '', observe: [] }), faults: ['payments-incident', 'pod-kill'] };
    const entries = paletteEntries({ ...summary, gameDay: plan }, docs);
    expect(entries[0]).toMatchObject({ kind: 'scheduled', name: 'payments-incident', type: 'http-abort', at: 360 });
    expect(entries[1]).toMatchObject({ kind: 'type', type: 'pod-kill', form: true });
    s.handle({ kind: 'advance', to: 60 });
    const again = s.handle({ kind: 'inject', fault: copyDocument(docs[0], 'payments-incident') });
    expect(again.kind === 'error' && again.message).toMatch(/already exists/);
    const entry = entries[0];
    if (entry.kind !== 'scheduled' || !entry.fault) throw new Error('no document');
    const copy = copyDocument(entry.fault, freshName('payments-incident-copy', takenNames(summary, null)));
    expect(copy).not.toHaveProperty('at');
    expect(copy).toMatchObject({ name: 'payments-incident-copy', type: 'http-abort', for: '4m', percent: 40 });
    const r = snap(s.handle({ kind: 'inject', fault: copy }));
    expect(r.activeFaults.map((f) => f.name)).toEqual(['payments-incident-copy']);
  });

  it('reads a fault written as YAML, and says when it is not one', () => {
    expect(parseFaultText('name: x\ntype: pod-kill\ntarget: { service: checkout, version: canary }')).toEqual({ ok: true, doc: { name: 'x', type: 'pod-kill', target: { service: 'checkout', version: 'canary' } } });
    expect(parseFaultText('- a\n- b')).toMatchObject({ ok: false });
    expect(parseFaultText('a: [b')).toMatchObject({ ok: false });
  });
});

describe('human gates', () => {
  it('Flagger waits at the confirm-promotion gate from its halt until the team rolls back', () => {
    const { s } = session(GAMEDAY);
    const before = snap(s.handle({ kind: 'advance', to: 260 }));
    expect(gateState('promotion-approval', before.result.events, 'confirm-promotion', before.result.timeline.at(-1)?.phase ?? null)).toMatchObject({ waiting: false, since: null });
    const at = snap(s.handle({ kind: 'advance', to: 300 }));
    const waiting = gateState('promotion-approval', at.result.events, null, at.result.timeline.at(-1)?.phase ?? null);
    expect(waiting).toEqual({ hook: 'promotion-approval', kind: 'confirm-promotion', waiting: true, since: 270, passedAt: null });
    expect(gateSentence(waiting, clock)).toBe('Flagger is waiting at this gate (since 4:30): it goes on only when the team approves.');
    // The rollback hook is polled at every analysis: known as one from the events alone.
    expect(gateState('pull-the-plug', at.result.events)).toMatchObject({ kind: 'rollback', waiting: false, passedAt: null });
    snap(s.handle({ kind: 'decide', hook: 'promotion-approval', decision: 'rollback', by: 'Bo', justification: 'p99 doubled on the canary' }));
    const after = snap(s.handle({ kind: 'advance', to: 360 }));
    expect(after.result.outcome?.phase).toBe('Failed');
    expect(gateState('promotion-approval', after.result.events, null, after.result.timeline.at(-1)?.phase ?? null).waiting).toBe(false);
    const plug = gateState('pull-the-plug', after.result.events);
    expect(plug).toMatchObject({ kind: 'rollback', passedAt: 330 });
    expect(gateSentence(plug, clock)).toBe('The rollback was signalled at 5:30.');
  });

  it('an approval passes the gate; a traffic-increase gate waits again at every tick until approved', () => {
    const ev = (t: number, message: string): CanaryEvent => ({ t, type: 'Normal', reason: 'Synced', message });
    const events = [ev(30, 'Halt app.ns advancement waiting for traffic increase approval more'), ev(60, 'Halt app.ns advancement waiting for traffic increase approval more')];
    expect(gateState('more', events)).toMatchObject({ kind: 'confirm-traffic-increase', waiting: true, since: 30 });
    expect(gateState('other', events)).toMatchObject({ kind: null, waiting: false });
    const passed = [...events, ev(90, 'Confirm-traffic-increase check more passed'), ev(90, 'Advance app.ns canary weight 20')];
    expect(gateState('more', passed)).toMatchObject({ waiting: false, passedAt: 90 });
    // A settled analysis waits nowhere, whatever the events say.
    expect(gateState('more', events, null, 'Failed').waiting).toBe(false);
    // confirm-rollout: "waiting for approval".
    expect(gateState('go', [ev(10, 'Halt app.ns advancement waiting for approval go')], null, 'Waiting')).toMatchObject({ kind: 'confirm-rollout', waiting: true });
  });
});

describe('exercise timeline', () => {
  it("puts Flagger's decisions, the team's decisions and the live faults on one axis, in time order", () => {
    const { s, summary } = session(GAMEDAY);
    s.handle({ kind: 'advance', to: 120 });
    snap(s.handle({ kind: 'inject', fault: { name: 'slow', type: 'latency-shift', target: { service: 'checkout', version: 'canary' }, factor: 2, for: '10m' } }));
    s.handle({ kind: 'advance', to: 200 });
    s.handle({ kind: 'cancel-fault', name: 'slow' });
    s.handle({ kind: 'advance', to: 300 });
    s.handle({ kind: 'decide', hook: 'promotion-approval', decision: 'rollback', by: 'Bo', justification: 'p99 doubled' });
    const r = snap(s.handle({ kind: 'advance', to: 400 }));
    const items = exerciseTimeline(r, summary, { faults: true });
    expect(items.map((i) => i.t)).toEqual([...items.map((i) => i.t)].sort((a, b) => a - b));
    const team = laneOf(items, 'team');
    expect(team).toEqual([{ lane: 'team', t: 300, end: null, kind: 'rollback', tone: 'bad', label: 'Bo: roll back at promotion-approval', detail: 'p99 doubled' }]);
    const faults = laneOf(items, 'faults');
    expect(faults.map((f) => [f.kind, f.t, f.end])).toEqual([
      ['injected', 120, 200],
      ['cancelled', 200, null],
    ]);
    expect(faults[0].detail).toBe('latency-shift on checkout canary (factor 2)');
    const flagger = laneOf(items, 'flagger');
    // Every decision of Flagger, without its routine polls of the rollback hook.
    expect(flagger.some((f) => /not signaling a rollback/.test(f.label))).toBe(false);
    expect(flagger.find((f) => f.kind === 'wait')).toMatchObject({ t: 270, tone: 'warn', label: 'Halt checkout.shop advancement waiting for promotion approval promotion-approval' });
    expect(flagger.find((f) => f.label === 'Rolling back checkout.shop manual webhook invoked')).toMatchObject({ t: 330, kind: 'rollback', tone: 'bad' });
    // The participants' view without the faults.
    expect(laneOf(exerciseTimeline(r, summary, { faults: false }), 'faults')).toEqual([]);
    expect(laneOf(exerciseTimeline(r, summary, { faults: false }), 'team')).toHaveLength(1);
  });

  it('shows scheduled fault windows, burn-rate alerts and budget tier changes', () => {
    const file = 'scenarios/budget-halt.yaml';
    const { s, summary } = session(file);
    const r = snap(s.handle({ kind: 'advance', to: summary.duration }));
    const items = exerciseTimeline(r, summary, { faults: true });
    expect(laneOf(items, 'faults').map((f) => [f.label, f.t, f.end])).toEqual([['payments-incident (scheduled)', 360, 600]]);
    const alerts = laneOf(items, 'alerts');
    expect(alerts.map((a) => [a.kind, a.t, a.end])).toEqual([
      ['firing', 480, r.t],
      ['firing', 540, 900],
    ]);
    expect(alerts[1].label).toBe('orders-availability page alert (burn rate 14.4× over 1h/5m)');
    expect(alerts[1].detail).toBe('pending from 9:00, fired at 9:00, resolved at 15:00');
    expect(laneOf(items, 'budget').map((b) => [b.t, b.kind, b.tone])).toEqual([
      [0, 'low-risk-only', 'warn'],
      [540, 'feature-freeze', 'bad'],
    ]);
  });

  it('packs overlapping spans into rows', () => {
    const span = (t: number, end: number) => ({ lane: 'faults' as const, t, end, kind: 'injected', tone: 'bad' as const, label: '', detail: null });
    expect(packRows([span(0, 100), span(50, 150), span(100, 200), span(160, 170)])).toEqual({ rows: [0, 1, 0, 1], count: 2 });
    expect(packRows([])).toEqual({ rows: [], count: 1 });
  });
});

describe('exported exercise', () => {
  it("carries the scenario's files (includes read through the host), seed, mode, time, actions, plan and notes", async () => {
    const file = 'scenarios/default.yaml';
    const read: string[] = [];
    const files = await scenarioFiles(file, text(file), async (p) => {
      read.push(p);
      return text(p);
    });
    expect(read).toEqual(['scenarios/manifests/shop/deployments.yaml', 'scenarios/manifests/shop/traefik.yaml', 'scenarios/manifests/shop/canary.yaml']);
    expect(Object.keys(files)).toEqual([file, ...read]);
    await expect(scenarioFiles(file, text(file), async () => Promise.reject(new Error('gone')))).rejects.toThrow('cannot read scenarios/manifests/shop/deployments.yaml, which the scenario includes: gone');
    expect(exerciseFileName('scenarios/gameday-checkout.yaml', 'x')).toBe('gameday-checkout.exercise.json');
    expect(exerciseFileName('/home/ana/team.gameday.yaml', 'x')).toBe('team.exercise.json');
    expect(exerciseFileName(null, 'checkout')).toBe('checkout.exercise.json');
  });

  it('replays to the same run: the injection and the decision with its justification are in the action log', async () => {
    const { s, summary } = session(GAMEDAY);
    s.handle({ kind: 'advance', to: 100 });
    s.handle({ kind: 'inject', fault: formDocument({ ...defaultForm('latency-shift', summary) }, 'latency-shift-live') });
    s.handle({ kind: 'advance', to: 290 });
    s.handle({ kind: 'decide', hook: 'promotion-approval', decision: 'rollback', by: 'Bo', justification: 'p99 doubled at the gate' });
    const r = snap(s.handle({ kind: 'advance', to: 420 }));
    const files = await scenarioFiles(GAMEDAY, text(GAMEDAY), async (p) => text(p));
    const record = buildExerciseRecord({ file: GAMEDAY, files, snapshot: r, plan: summary.gameDay, remediation: 'page on canary p99', exportedAt: '2025-01-02T03:04:05.000Z' });
    expect(record).toMatchObject({ format: 'gameday-exercise/v1', scenario: { file: GAMEDAY }, seed: 3, mode: 'exact', duration: 420, notes: { remediation: 'page on canary p99' }, exportedAt: '2025-01-02T03:04:05.000Z' });
    expect(record.plan?.objective).toMatch(/^Can the on-call team/);
    expect(record.actions.map((a) => a.action)).toEqual(['inject', 'decide']);
    expect(record.actions[1]).toEqual({ t: 290, action: 'decide', hook: 'promotion-approval', decision: 'rollback', by: 'Bo', justification: 'p99 doubled at the gate' });
    // Through JSON, as the file holds it, and replayed from its own files.
    const back = JSON.parse(exerciseJson(record)) as typeof record;
    const loaded = loadScenario(back.scenario.file, { readFile: (p) => back.scenario.files[p] ?? null });
    if (!loaded.ok) throw new Error('the exported files do not load');
    const replay = new Simulation(loaded.scenario, { seed: back.seed, mode: back.mode, duration: back.duration, actions: back.actions }).runToEnd();
    expect(replay.outcome).toEqual(r.result.outcome);
    expect(replay.outcome?.reason).toBe('Rolling back checkout.shop manual webhook invoked');
    expect(JSON.stringify(replay.events)).toBe(JSON.stringify(r.result.events));
    // A run moved back before an action leaves that action out of the record.
    expect(buildExerciseRecord({ file: GAMEDAY, files, snapshot: { ...r, t: 200 }, plan: null, remediation: '', exportedAt: null }).actions.map((a) => a.action)).toEqual(['inject']);
  });
});
