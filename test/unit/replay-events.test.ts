import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { actualFromEvents, parseAge, parseEvents, placeEvents, readFlaggerMessage } from '../../simulation/replay/events';
import { clock } from '../fixtures/replay/podinfo-rollout';

const fixture = (name: string) => readFileSync(`test/fixtures/replay/${name}`, 'utf8');
const PODINFO = { name: 'podinfo', namespace: 'test', target: 'podinfo' };
const MESSAGES = [
  'New revision detected! Scaling up podinfo.test',
  'Starting canary analysis for podinfo.test',
  'Advance podinfo.test canary weight 25',
  'Advance podinfo.test canary weight 50',
  'Halt podinfo.test advancement success rate 98.50% < 99%',
  'Halt podinfo.test advancement success rate 98.83% < 99%',
  'Copying podinfo.test template spec to podinfo-primary.test',
  'Routing all traffic to primary',
  'Promotion completed! Scaling down podinfo.test',
];
/** When each of MESSAGES happened (the hand-computed rollout). */
const TIMES = ['12:01:00', '12:02:00', '12:02:00', '12:03:00', '12:04:00', '12:05:00', '12:06:00', '12:07:00', '12:08:00'].map(clock);

describe('Flagger event texts', () => {
  it('reads every text of the catalogue that tells what the analysis did', () => {
    const cases: Array<[string, object]> = [
      ['New revision detected! Scaling up podinfo.test', { kind: 'detected', object: { name: 'podinfo', namespace: 'test' } }],
      ['New revision detected! Restarting analysis for podinfo.test', { kind: 'restarted' }],
      ['Starting canary analysis for podinfo.test', { kind: 'started' }],
      ['Advance podinfo.test canary weight 10', { kind: 'advance-weight', weight: 10 }],
      ['Advance podinfo.test canary iteration 2/10', { kind: 'advance-iteration', iteration: 2, iterations: 10 }],
      ['Advance podinfo.test primary weight 60', { kind: 'advance-primary-weight', weight: 60 }],
      ['Halt podinfo.test advancement success rate 98.70% < 99%', { kind: 'halt-metric', metric: 'request-success-rate', value: '98.70', op: '<', bound: '99' }],
      ['Halt podinfo.test advancement request duration 1.5s > 500ms', { kind: 'halt-metric', metric: 'request-duration', value: '1.5s', op: '>', bound: '500ms' }],
      ['Halt podinfo.test advancement error-ratio 2.35 > 2', { kind: 'halt-metric', metric: 'error-ratio', value: '2.35', op: '>', bound: '2' }],
      ['Halt advancement no values found for traefik metric request-success-rate probably podinfo.test is not receiving traffic: running query failed: no values found', { kind: 'halt-no-values', metric: 'request-success-rate', object: { name: 'podinfo', namespace: 'test' } }],
      ['Halt advancement no values found for traefik metric request-duration probably podinfo.test is not receiving traffic', { kind: 'halt-no-values', metric: 'request-duration' }],
      ['Halt advancement no values found for custom metric: error-ratio: no values found', { kind: 'halt-no-values', metric: 'error-ratio' }],
      ['Halt podinfo.test advancement waiting for approval confirm-rollout', { kind: 'waiting-approval', hook: 'confirm-rollout' }],
      ['Halt podinfo.test advancement waiting for traffic increase approval gate', { kind: 'halt-gate', hook: 'gate' }],
      ['Halt podinfo.test advancement waiting for promotion approval gate', { kind: 'halt-gate' }],
      ['Halt podinfo.test advancement pre-rollout check smoke failed Forbidden', { kind: 'halt-webhook', hook: 'smoke' }],
      ['Halt podinfo.test advancement external check load-test failed POST http://x giving up after 1 attempt(s)', { kind: 'halt-webhook', hook: 'load-test' }],
      ['Prometheus query failed: running query failed: request failed', { kind: 'query-error' }],
      ['Metric query failed for error-ratio: error response', { kind: 'query-error', metric: 'error-ratio' }],
      ['Rolling back podinfo.test failed checks threshold reached 5', { kind: 'rollback', failedChecks: 5 }],
      ['Rolling back podinfo.test manual webhook invoked', { kind: 'rollback' }],
      ['Canary failed! Scaling down podinfo.test', { kind: 'failed' }],
      ['Copying podinfo.test template spec to podinfo-primary.test', { kind: 'promoting' }],
      ['Routing all traffic to primary', { kind: 'routing-primary', object: null }],
      ['Routing all traffic to canary', { kind: 'routing-canary' }],
      ['Promotion completed! Scaling down podinfo.test', { kind: 'succeeded' }],
      ['Promotion completed! Canary analysis was skipped for podinfo.test', { kind: 'skipped' }],
      ['podinfo-primary.test not ready: waiting for rollout to finish: 1 old replicas are pending termination', { kind: 'not-ready', object: { name: 'podinfo', namespace: 'test' } }],
      ['canary deployment podinfo.test not ready: waiting for rollout to finish: 0 of 1 updated replicas are available', { kind: 'not-ready' }],
      ['Initialization done! podinfo.test', { kind: 'initialized' }],
      ['Pre-rollout check smoke passed', { kind: 'info' }],
      ['all the metrics providers are available!', { kind: 'info' }],
    ];
    for (const [text, want] of cases) expect(readFlaggerMessage(text), text).toMatchObject(want);
    expect(readFlaggerMessage('Scaled up replica set podinfo-6c8b7f9d5 to 1')).toBeNull();
  });

  it('reads ages with kubectl\'s precision', () => {
    expect(parseAge('45s')).toEqual({ ageMs: 45_000, resolutionMs: 1000 });
    expect(parseAge('3m12s')).toEqual({ ageMs: 192_000, resolutionMs: 1000 });
    expect(parseAge('9m')).toEqual({ ageMs: 540_000, resolutionMs: 1000 }); // below 10 minutes HumanDuration prints the seconds unless they are 0
    expect(parseAge('12m')).toEqual({ ageMs: 720_000, resolutionMs: 60_000 });
    expect(parseAge('5h3m')).toEqual({ ageMs: 18_180_000, resolutionMs: 60_000 });
    expect(parseAge('2d4h')).toEqual({ ageMs: 187_200_000, resolutionMs: 3_600_000 });
    expect(parseAge('10d')).toEqual({ ageMs: 864_000_000, resolutionMs: 86_400_000 });
    expect(parseAge('')).toBeNull();
    expect(parseAge('3 minutes')).toBeNull();
  });
});

describe('kubectl and Flagger formats', () => {
  it('reads kubectl describe canary: the Events section only, ages relative to when it was printed', () => {
    const p = parseEvents('podinfo-describe.txt', fixture('podinfo-describe.txt'));
    expect(p.format).toBe('describe');
    expect(p.diagnostics).toEqual([]);
    expect(p.events.map((e) => e.message)).toEqual(MESSAGES);
    expect(p.events.map((e) => e.type)).toEqual(['Normal', 'Normal', 'Normal', 'Normal', 'Warning', 'Warning', 'Normal', 'Normal', 'Normal']);
    expect(p.events[0]).toMatchObject({ line: 50, time: { kind: 'relative', ageMs: 540_000, resolutionMs: 1000, text: '9m' }, count: 1 });
    const placed = placeEvents(p.events, clock('12:10:00'));
    expect(placed.map((e) => e.tMs)).toEqual(TIMES);
  });

  it('reads kubectl get events (the default columns), skipping other objects\' events', () => {
    const p = parseEvents('podinfo-get-events.txt', fixture('podinfo-get-events.txt'));
    expect(p.format).toBe('table');
    expect(p.diagnostics).toEqual([]);
    expect(p.events.map((e) => e.message)).toEqual(MESSAGES);
    expect(p.events.every((e) => e.object === 'canary/podinfo')).toBe(true);
    expect(placeEvents(p.events, clock('12:10:00')).map((e) => e.tMs)).toEqual(TIMES);
  });

  it('reads kubectl get events -o wide (an empty SUBOBJECT column, MESSAGE in the middle, FIRST SEEN and COUNT)', () => {
    const p = parseEvents('podinfo-events-wide.txt', fixture('podinfo-events-wide.txt'));
    expect(p.diagnostics).toEqual([]);
    expect(p.events.map((e) => e.message)).toEqual(MESSAGES);
    expect(p.events.map((e) => e.count)).toEqual(MESSAGES.map(() => 1));
    expect(p.events[4].firstTime).toMatchObject({ kind: 'relative', ageMs: 360_000 });
  });

  it('reads custom columns with RFC 3339 times, and Flagger\'s JSON log lines', () => {
    const table = parseEvents('t.txt', fixture('podinfo-events-timestamps.txt'));
    expect(table.diagnostics).toEqual([]);
    expect(table.events.map((e) => [e.message, e.time])).toEqual(MESSAGES.map((m, i) => [m, { kind: 'absolute', ms: TIMES[i], resolutionMs: 1000 }]));
    const log = parseEvents('podinfo-flagger.log', fixture('podinfo-flagger.log'));
    expect(log.format).toBe('flagger-log');
    expect(log.diagnostics).toEqual([]);
    expect(log.events.map((e) => e.message)).toEqual(MESSAGES);
    expect(log.events[0].time).toEqual({ kind: 'absolute', ms: TIMES[0] + 412, resolutionMs: 1 });
    expect(log.events[0].object).toBe('canary/podinfo');
  });

  it('reads kubectl get events -o json, with aggregated events', () => {
    const json = JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            kind: 'Event',
            involvedObject: { kind: 'Canary', name: 'podinfo', namespace: 'test' },
            message: 'Halt advancement no values found for traefik metric request-success-rate probably podinfo.test is not receiving traffic: running query failed: no values found',
            type: 'Warning',
            reason: 'Synced',
            count: 3,
            firstTimestamp: '2024-03-01T12:03:00Z',
            lastTimestamp: '2024-03-01T12:05:00Z',
          },
          { kind: 'Event', involvedObject: { kind: 'Pod', name: 'podinfo-1' }, message: 'Started container podinfod', type: 'Normal', lastTimestamp: '2024-03-01T12:01:05Z' },
          { kind: 'Event', involvedObject: { kind: 'Canary', name: 'podinfo' }, message: 'Rolling back podinfo.test failed checks threshold reached 3', type: 'Warning', lastTimestamp: '2024-03-01T12:06:00Z' },
          { kind: 'Event', involvedObject: { kind: 'Canary', name: 'podinfo' }, message: 'Canary failed! Scaling down podinfo.test', type: 'Warning', lastTimestamp: '2024-03-01T12:06:00Z' },
        ],
      },
      null,
      2,
    );
    const p = parseEvents('events.json', json);
    expect(p.format).toBe('json');
    expect(p.diagnostics).toEqual([]);
    expect(p.events).toHaveLength(3);
    expect(p.events[0]).toMatchObject({ count: 3, line: 5, time: { kind: 'absolute', ms: clock('12:05:00') }, firstTime: { kind: 'absolute', ms: clock('12:03:00') } });
    const actual = actualFromEvents(placeEvents(p.events, null), PODINFO);
    expect(actual).toMatchObject({ outcome: 'rolled-back', decidedAtMs: clock('12:06:00'), failedChecks: 3, reason: 'Rolling back podinfo.test failed checks threshold reached 3' });
    expect(actual.halts).toEqual([expect.objectContaining({ count: 3, kind: 'halt-no-values' })]);
  });

  it('reads kubectl events\' aggregated ages and plain timestamped lines', () => {
    const text = [
      '2024-03-01T12:02:00Z  Normal   Starting canary analysis for podinfo.test',
      '2024-03-01T12:02:00Z  Normal   Advance podinfo.test canary weight 25',
      '2m (x2 over 3m)  Warning  Halt podinfo.test advancement success rate 98.50% < 99%',
    ].join('\n');
    const p = parseEvents('lines.txt', text);
    expect(p.format).toBe('lines');
    expect(p.diagnostics).toEqual([]);
    expect(p.events[2]).toMatchObject({ type: 'Warning', count: 2, time: { kind: 'relative', ageMs: 120_000 }, firstTime: { kind: 'relative', ageMs: 180_000 } });
  });

  it('says where a line cannot be read', () => {
    const text = [
      'Events:',
      '  Type     Reason  Age   From     Message',
      '  ----     ------  ----  ----     -------',
      '  Normal   Synced  8m    flagger  Starting canary analysis for podinfo.test',
      '  Normal   Synced  a while ago  flagger  Advance podinfo.test canary weight 25',
      '  Normal',
    ].join('\n');
    const p = parseEvents('describe.txt', text);
    expect(p.events).toHaveLength(1);
    expect(p.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`)).toEqual([
      'describe.txt:5:3: cannot read this line of the Events section: expected Type (Normal or Warning), Reason, Age, From and Message',
      'describe.txt:6:3: cannot read this line of the Events section: expected Type (Normal or Warning), Reason, Age, From and Message',
    ]);
    const table = parseEvents('get.txt', 'LAST SEEN   TYPE     REASON   OBJECT           MESSAGE\nyesterday   Normal   Synced   canary/podinfo   Advance podinfo.test canary weight 25\n');
    expect(table.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual([
      '2:1: cannot read the time "yesterday": expected an age as kubectl prints it (45s, 3m12s, 12m, 2m (x3 over 5m)) or an RFC 3339 time',
    ]);
    const lines = parseEvents('notes.txt', 'the rollout went fine\n');
    expect(lines.diagnostics.map((d) => `${d.line}:${d.column}: ${d.severity}`)).toEqual(['1:1: error']);
    const json = parseEvents('broken.json', '{"items": [\n  {"message": "Advance podinfo.test canary weight 25",\n');
    expect(json.diagnostics[0]).toMatchObject({ severity: 'error', line: 3, column: 1 });
  });

  it('warns about a Canary\'s event whose text is not Flagger\'s, and keeps other Canaries\' events apart', () => {
    const text = 'LAST SEEN   TYPE     REASON   OBJECT           MESSAGE\n1m          Normal   Synced   canary/podinfo   Something new in Flagger 2.0\n1m          Normal   Synced   canary/other     Advance other.test canary weight 10\n';
    const p = parseEvents('get.txt', text);
    expect(p.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', line: 2, message: 'not one of Flagger\'s event texts, ignored: "Something new in Flagger 2.0"' })]);
    expect(actualFromEvents(placeEvents(p.events, 0), PODINFO).outcome).toBe('no-analysis');
  });

  it('tells what happened: promoted, with the halts counted as failed checks', () => {
    const p = parseEvents('podinfo-describe.txt', fixture('podinfo-describe.txt'));
    const a = actualFromEvents(placeEvents(p.events, clock('12:10:00')), PODINFO);
    expect(a).toMatchObject({
      source: 'events',
      outcome: 'promoted',
      detectedAtMs: clock('12:01:00'),
      startMs: clock('12:02:00'),
      decidedAtMs: clock('12:06:00'),
      endMs: clock('12:07:00'),
      failedChecks: 2,
      reason: 'Copying podinfo.test template spec to podinfo-primary.test',
    });
    expect(a.weights).toEqual([
      { tMs: clock('12:02:00'), weight: 25 },
      { tMs: clock('12:03:00'), weight: 50 },
    ]);
  });
});
