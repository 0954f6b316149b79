import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Text } from '@codemirror/state';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../simulation/scenario/diagnostics';
import { countLabel, displayFile, includeEntryOffset, offsetOf, orderDiagnostics, rangeAt, toEditorDiagnostics } from '../../renderer/views/editor/diagnostics';
import { type Knob, knobSource, readKnobs, writeKnob } from '../../simulation/scenario/canary-knobs';
import { minimalChange } from '../../renderer/views/editor/text-diff';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(resolve(root, p), 'utf8');

const TUTORIAL = 'scenarios/examples/flagger-traefik-tutorial.gameday.yaml';
const TUTORIAL_MANIFESTS = 'scenarios/examples/manifests/01-flagger-docs-traefik-tutorial.yaml';

/** The tutorial example with its included manifests (IngressRoute, Canary, MetricTemplate) written into the file itself. */
function inlineTutorial(): string {
  const scenario = read(TUTORIAL);
  const include = '  include:\n    - manifests/01-flagger-docs-traefik-tutorial.yaml\n';
  expect(scenario).toContain(include);
  return `${scenario.replace(include, '')}---\n${read(TUTORIAL_MANIFESTS)}`;
}

/** Every line of `after` but the changed ones is identical to `before`'s; returns the changed lines (before, after). */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let ea = a.length;
  let eb = b.length;
  while (ea > start && eb > start && a[ea - 1] === b[eb - 1]) {
    ea--;
    eb--;
  }
  return { removed: a.slice(start, ea), added: b.slice(start, eb) };
}

function write(text: string, knob: Knob, value: string | number | null): string {
  const r = writeKnob(text, knob, value);
  if (!r.ok) throw new Error(r.message);
  return r.text;
}

/** The rolled-out Canary's analysis as the yaml package reads it back. */
function analysisOf(text: string): Record<string, unknown> {
  const canary = parseAllDocuments(text)
    .map((d) => d.toJS() as { kind?: string; spec?: { analysis?: Record<string, unknown> } })
    .find((d) => d?.kind === 'Canary');
  return canary?.spec?.analysis ?? {};
}

const threshold: Knob = { kind: 'analysis', field: 'threshold' };
const interval: Knob = { kind: 'analysis', field: 'interval' };
const maxWeight: Knob = { kind: 'analysis', field: 'maxWeight' };
const stepWeight: Knob = { kind: 'analysis', field: 'stepWeight' };
const successMin: Knob = { kind: 'metric', metric: 'request-success-rate', bound: 'min' };
const successMax: Knob = { kind: 'metric', metric: 'request-success-rate', bound: 'max' };
const durationMax: Knob = { kind: 'metric', metric: 'request-duration', bound: 'max' };

describe('readKnobs', () => {
  it("reads the examples' inline Canary (the tutorial's manifests file)", () => {
    const s = readKnobs(read(TUTORIAL_MANIFESTS));
    expect(s).toEqual({
      kind: 'inline',
      knobs: {
        canary: 'test/podinfo',
        analysisKey: 'analysis',
        interval: '10s',
        threshold: 10,
        stepWeight: 5,
        maxWeight: 50,
        stepWeights: null,
        iterations: null,
        stepWeightPromotion: null,
        metrics: [
          { name: 'request-success-rate', min: 99, max: null },
          { name: 'request-duration', min: null, max: 500 },
        ],
      },
    });
  });

  it('reads the Canary of a scenario with its manifests inline, naming it by spec.rollout.canary', () => {
    const s = readKnobs(inlineTutorial());
    expect(s.kind).toBe('inline');
    if (s.kind === 'inline') expect(s.knobs).toMatchObject({ canary: 'test/podinfo', threshold: 10, interval: '10s' });
  });

  it('says which included file holds the Canary (default.yaml includes manifests/shop/canary.yaml)', () => {
    const text = read('scenarios/default.yaml');
    const bare = readKnobs(text);
    expect(bare).toMatchObject({ kind: 'included', knobs: null, includes: ['manifests/shop/deployments.yaml', 'manifests/shop/traefik.yaml', 'manifests/shop/canary.yaml'] });
    if (bare.kind === 'included') expect(bare.message).toMatch(/is in one of the included files .*: edit it there/);

    const includes = Object.fromEntries(['deployments', 'traefik', 'canary'].map((n) => [`manifests/shop/${n}.yaml`, read(`scenarios/manifests/shop/${n}.yaml`)]));
    const s = readKnobs(text, { includes });
    expect(s).toMatchObject({ kind: 'included', file: 'manifests/shop/canary.yaml', message: 'the Canary is in manifests/shop/canary.yaml: edit it there' });
    if (s.kind === 'included') expect(s.knobs).toMatchObject({ canary: 'shop/backend', interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 });
  });

  it('names the single include of the tutorial even without its text', () => {
    const s = readKnobs(read(TUTORIAL));
    expect(s).toMatchObject({ kind: 'included', file: 'manifests/01-flagger-docs-traefik-tutorial.yaml' });
    if (s.kind === 'included') expect(s.message).toBe('the Canary podinfo is in manifests/01-flagger-docs-traefik-tutorial.yaml: edit it there');
  });

  it('explains scenarios without a Canary, with several, and broken YAML', () => {
    expect(readKnobs('apiVersion: gameday.dev/v1alpha1\nkind: Scenario\nspec:\n  duration: 1m\n')).toMatchObject({ kind: 'none' });
    const two = `${read(TUTORIAL_MANIFESTS)}\n---\n${read('scenarios/manifests/shop/canary.yaml')}`;
    expect(readKnobs(two)).toMatchObject({ kind: 'none', message: expect.stringMatching(/several Canaries \(podinfo, backend\)/) });
    const broken = read(TUTORIAL_MANIFESTS).replace('    threshold: 10', '    threshold: [10');
    expect(readKnobs(broken)).toMatchObject({ kind: 'unreadable' });
  });

  it('reads stepWeights and iterations analyses', () => {
    const text = read(TUTORIAL_MANIFESTS).replace('    stepWeight: 5\n', '    stepWeights: [1, 5, 20]\n');
    const s = readKnobs(text);
    expect(s.kind === 'inline' && s.knobs).toMatchObject({ stepWeight: null, stepWeights: [1, 5, 20] });
  });
});

describe('writeKnob', () => {
  it('changes only the intended scalar: every other byte (comments, other documents) is kept', () => {
    const before = inlineTutorial();
    const after = write(before, threshold, '3');
    expect(changedLines(before, after)).toEqual({ removed: ['    threshold: 10'], added: ['    threshold: 3'] });
    expect(after.length).toBe(before.length - 1);
    expect(after).toContain('    # max number of failed metric checks before rollback\n    threshold: 3\n');
    expect(analysisOf(after).threshold).toBe(3);
  });

  it('edits each knob in place', () => {
    const before = read(TUTORIAL_MANIFESTS);
    const cases: Array<[Knob, string, string, string]> = [
      [interval, '30s', '    interval: 10s', '    interval: 30s'],
      [stepWeight, '10', '    stepWeight: 5', '    stepWeight: 10'],
      [maxWeight, '80', '    maxWeight: 50', '    maxWeight: 80'],
      [successMin, '99.5', '        min: 99', '        min: 99.5'],
      [durationMax, '750', '        max: 500', '        max: 750'],
    ];
    for (const [knob, value, was, now] of cases) {
      const after = write(before, knob, value);
      expect(changedLines(before, after)).toEqual({ removed: [was], added: [now] });
    }
  });

  it('keeps comments on the same line and the quoting of strings', () => {
    const text = 'apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: { name: c }\nspec:\n  analysis:\n    interval: "1m" # tick\n    threshold: 5   # checks\n    stepWeight: 10\n';
    expect(write(text, interval, '2m')).toBe(text.replace('"1m"', '"2m"'));
    expect(write(text, threshold, '7')).toBe(text.replace('threshold: 5   #', 'threshold: 7   #'));
  });

  it('adds a missing field beside its siblings, in their indentation', () => {
    const before = read(TUTORIAL_MANIFESTS).replace('    # max traffic percentage routed to canary\n    # percentage (0-100)\n    maxWeight: 50\n', '');
    expect(readKnobs(before)).toMatchObject({ kind: 'inline', knobs: { maxWeight: null } });
    const after = write(before, maxWeight, 40);
    expect(changedLines(before, after)).toEqual({ removed: [], added: ['    maxWeight: 40'] });
    expect(after).toContain('    stepWeight: 5\n    maxWeight: 40\n    # Traefik Prometheus checks\n');
    expect(analysisOf(after)).toMatchObject({ maxWeight: 40, stepWeight: 5, threshold: 10 });
  });

  it('adds a missing thresholdRange bound, and a missing thresholdRange', () => {
    const before = read(TUTORIAL_MANIFESTS);
    const withMax = write(before, successMax, '100');
    expect(changedLines(before, withMax)).toEqual({ removed: [], added: ['        max: 100'] });
    const min = write(before, { kind: 'metric', metric: 'request-duration', bound: 'min' }, '1');
    expect(changedLines(before, min)).toEqual({ removed: [], added: ['        min: 1'] }); // before max
    expect(min).toContain('      thresholdRange:\n        min: 1\n        max: 500\n');

    const noRange = before.replace('      # minimum req success rate (non 5xx responses)\n      # percentage (0-100)\n      thresholdRange:\n        min: 99\n', '');
    const added = write(noRange, successMin, '98');
    expect(changedLines(noRange, added)).toEqual({ removed: [], added: ['      thresholdRange:', '        min: 98'] });
    expect(readKnobs(added)).toMatchObject({ knobs: { metrics: [{ name: 'request-success-rate', min: 98, max: null }, { max: 500 }] } });
  });

  it('removes a bound when emptied (with its thresholdRange when it was the last one)', () => {
    const before = read(TUTORIAL_MANIFESTS);
    const after = write(before, successMin, '');
    expect(changedLines(before, after)).toEqual({ removed: ['      thresholdRange:', '        min: 99'], added: [] });
    const both = write(before, durationMax, null);
    expect(readKnobs(both)).toMatchObject({ knobs: { metrics: [{ min: 99 }, { name: 'request-duration', min: null, max: null }] } });
    // Nothing to remove: nothing changes.
    expect(write(before, successMax, '')).toBe(before);
  });

  it('edits flow mappings', () => {
    const text =
      'apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: { name: c, namespace: ns }\nspec:\n  analysis: { interval: 1m, threshold: 2, stepWeight: 5 }\n' +
      '  # keep me\n';
    const t2 = write(text, threshold, '4');
    expect(t2).toBe(text.replace('threshold: 2', 'threshold: 4'));
    const t3 = write(text, maxWeight, '60');
    expect(t3).toBe(text.replace('stepWeight: 5 }', 'stepWeight: 5, maxWeight: 60 }'));
    expect(analysisOf(t3)).toEqual({ interval: '1m', threshold: 2, stepWeight: 5, maxWeight: 60 });

    const metrics =
      'apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: { name: c }\nspec:\n  analysis:\n    interval: 1m\n    threshold: 2\n    stepWeight: 5\n    metrics:\n' +
      '      - { name: request-success-rate, interval: 1m, thresholdRange: { min: 99 } }\n      - { name: request-duration, interval: 1m }\n';
    expect(write(metrics, successMax, '100')).toBe(metrics.replace('{ min: 99 }', '{ min: 99, max: 100 }'));
    expect(write(metrics, durationMax, '500')).toBe(metrics.replace('{ name: request-duration, interval: 1m }', '{ name: request-duration, interval: 1m, thresholdRange: { max: 500 } }'));
    const removed = write(write(metrics, successMax, '100'), successMin, '');
    expect(removed).toBe(metrics.replace('{ min: 99 }', '{ max: 100 }'));
  });

  it('works on the right document of a multi-document file', () => {
    const before = inlineTutorial();
    const docsBefore = before.split('\n---\n');
    const after = write(before, interval, '1m');
    const docsAfter = after.split('\n---\n');
    expect(docsAfter.length).toBe(docsBefore.length);
    // Only the Canary's document differs.
    const differing = docsAfter.map((d, i) => d !== docsBefore[i]);
    expect(differing.filter(Boolean)).toHaveLength(1);
    expect(docsAfter[differing.indexOf(true)]).toContain('kind: Canary');
    // The MetricTemplate's `interval` placeholders are untouched.
    expect(after.split('{{ interval }}').length).toBe(before.split('{{ interval }}').length);

    // The rolled-out Canary is the one spec.rollout.canary names, not the first.
    const other = read('scenarios/manifests/shop/canary.yaml');
    const two = `${before}---\n${other}`;
    const t = write(two, threshold, '2');
    expect(changedLines(two, t)).toEqual({ removed: ['    threshold: 10'], added: ['    threshold: 2'] });
  });

  it('keeps CRLF line breaks when adding a field', () => {
    const text = 'apiVersion: flagger.app/v1beta1\r\nkind: Canary\r\nmetadata:\r\n  name: c\r\nspec:\r\n  analysis:\r\n    interval: 1m\r\n    threshold: 2\r\n    stepWeight: 5\r\n';
    expect(write(text, maxWeight, '50')).toBe(`${text}    maxWeight: 50\r\n`);
  });

  it('refuses invalid values with a message, leaving the text alone', () => {
    const text = read(TUTORIAL_MANIFESTS);
    const refused: Array<[Knob, string, RegExp]> = [
      [threshold, '0', /threshold must be at least 1/],
      [threshold, '2.5', /threshold must be a whole number/],
      [threshold, '', /threshold is required/],
      [maxWeight, '150', /maxWeight must be a percentage from 1 to 100/],
      [stepWeight, '-5', /stepWeight must be a whole number/],
      [interval, '1h', /interval must be a Go duration such as 1m or 30s/],
      [interval, 'soon', /interval must be a Go duration/],
      [interval, '0s', /longer than 0s/],
      [successMin, 'ninety', /thresholdRange.min of request-success-rate must be a number/],
      [{ kind: 'metric', metric: 'nope', bound: 'min' }, '1', /no metric named nope/],
    ];
    for (const [knob, value, message] of refused) {
      const r = writeKnob(text, knob, value);
      expect(r.ok, `${JSON.stringify(knob)} = ${value}`).toBe(false);
      if (!r.ok) expect(r.message).toMatch(message);
    }
    expect(knobSource(interval, '1m30s')).toEqual({ source: '1m30s' });
  });

  it('refuses to write a Canary that lives in an included file, naming it', () => {
    const r = writeKnob(read(TUTORIAL), threshold, '3');
    expect(r).toEqual({ ok: false, message: 'the Canary podinfo is in manifests/01-flagger-docs-traefik-tutorial.yaml: edit it there' });
  });

  it('refuses stepWeight when the analysis uses stepWeights, and aliases', () => {
    const text = read(TUTORIAL_MANIFESTS).replace('    stepWeight: 5\n', '    stepWeights: [1, 5, 20]\n');
    expect(writeKnob(text, stepWeight, '5')).toMatchObject({ ok: false, message: expect.stringMatching(/uses stepWeights/) });
    const alias = 'apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: { name: c }\nx: &t 5\nspec:\n  analysis:\n    interval: 1m\n    threshold: *t\n    stepWeight: 5\n';
    expect(writeKnob(alias, threshold, '3')).toMatchObject({ ok: false, message: expect.stringMatching(/alias/) });
  });
});

describe('diagnostics in the editor', () => {
  const doc = Text.of(['apiVersion: gameday.dev/v1alpha1', 'kind: Scenario', 'spec:', '  seed: -4', '  rate: "x y"', '']);
  const lineStart = (n: number) => doc.line(n).from;

  it('maps 1-based line and column to offsets', () => {
    expect(offsetOf(doc, 1, 1)).toBe(0);
    expect(offsetOf(doc, 2, 7)).toBe(lineStart(2) + 6);
    expect(offsetOf(doc, 4, 9)).toBe(lineStart(4) + 8);
  });

  it('clamps positions to the document', () => {
    expect(offsetOf(doc, 0, 5)).toBe(0); // no position: the start
    expect(offsetOf(doc, 99, 1)).toBe(lineStart(doc.lines)); // past the last line: the last line
    expect(offsetOf(doc, 2, 99)).toBe(doc.line(2).to); // past the line end: its end
    expect(offsetOf(doc, 3, 0)).toBe(lineStart(3)); // column 0: the line start
    expect(offsetOf(doc, 3, Number.NaN)).toBe(lineStart(3));
    expect(offsetOf(Text.of(['']), 5, 5)).toBe(0);
  });

  it('underlines the token at the position', () => {
    expect(rangeAt(doc, 4, 9)).toEqual({ from: lineStart(4) + 8, to: lineStart(4) + 10 }); // -4
    expect(rangeAt(doc, 5, 9)).toEqual({ from: lineStart(5) + 8, to: lineStart(5) + 13 }); // "x y" whole
    expect(rangeAt(doc, 4, 3)).toEqual({ from: lineStart(4) + 2, to: lineStart(4) + 6 }); // seed, not the colon
    expect(rangeAt(doc, 2, 99)).toEqual({ from: doc.line(2).to, to: doc.line(2).to }); // nothing there: a point
  });

  it("keeps this file's diagnostics, as CodeMirror ranges, with the field path as source", () => {
    const ds: Diagnostic[] = [
      { severity: 'error', file: 'scenarios/x.yaml', line: 4, column: 9, path: 'spec.seed', message: 'expected the seed of at least 0' },
      { severity: 'warning', file: 'scenarios/manifests/c.yaml', line: 3, column: 3, path: '', message: 'elsewhere' },
      { severity: 'error', file: './scenarios/x.yaml', line: 0, column: 0, path: '', message: 'no position' },
      { severity: 'error', file: 'scenarios/x.yaml', line: 40, column: 2, path: '', message: 'beyond the end' },
    ];
    expect(toEditorDiagnostics(ds, 'scenarios/x.yaml', doc)).toEqual([
      { from: lineStart(4) + 8, to: lineStart(4) + 10, severity: 'error', message: 'expected the seed of at least 0', source: 'spec.seed' },
      { from: 0, to: 0, severity: 'error', message: 'no position' },
      { from: doc.length, to: doc.length, severity: 'error', message: 'beyond the end' },
    ]);
    expect(toEditorDiagnostics(ds, null, doc)).toEqual([]);
  });

  it("shows included files' problems at the include entry, with their file and position", () => {
    const text = read('scenarios/default.yaml');
    const d = Text.of(text.split('\n'));
    const ds: Diagnostic[] = [
      { severity: 'warning', file: 'scenarios/manifests/shop/canary.yaml', line: 30, column: 7, path: 'spec.analysis', message: 'w' },
      { severity: 'error', file: 'scenarios/not-included.yaml', line: 1, column: 1, path: '', message: 'x' },
    ];
    const at = text.indexOf('manifests/shop/canary.yaml');
    expect(toEditorDiagnostics(ds, 'scenarios/default.yaml', d, text)).toEqual([
      { from: at, to: at + 'manifests/shop/canary.yaml'.length, severity: 'warning', message: 'manifests/shop/canary.yaml:30:7: w', source: 'spec.analysis' },
    ]);
    // Without the text, only this file's problems.
    expect(toEditorDiagnostics(ds, 'scenarios/default.yaml', d)).toEqual([]);
  });

  it('lists this file first, then included files by name', () => {
    const ds: Diagnostic[] = [
      { severity: 'warning', file: 'scenarios/manifests/shop/canary.yaml', line: 3, column: 3, path: '', message: 'w' },
      { severity: 'error', file: 'scenarios/default.yaml', line: 9, column: 1, path: '', message: 'b' },
      { severity: 'warning', file: 'scenarios/default.yaml', line: 2, column: 1, path: '', message: 'a' },
    ];
    expect(orderDiagnostics(ds, 'scenarios/default.yaml').map((d) => d.message)).toEqual(['a', 'b', 'w']);
    expect(displayFile('scenarios/manifests/shop/canary.yaml', 'scenarios/default.yaml')).toBe('manifests/shop/canary.yaml');
    expect(displayFile('/other/place.yaml', 'scenarios/default.yaml')).toBe('/other/place.yaml');
    expect(countLabel(ds)).toBe('1 error, 2 warnings');
    expect(countLabel([])).toBe('no problems');
  });

  it("finds the include entry that brings in an included file's problem", () => {
    const text = read('scenarios/default.yaml');
    const at = includeEntryOffset(text, 'scenarios/default.yaml', 'scenarios/manifests/shop/canary.yaml');
    expect(at).not.toBeNull();
    expect(text.slice(at ?? 0).startsWith('manifests/shop/canary.yaml')).toBe(true);
    expect(includeEntryOffset(text, 'scenarios/default.yaml', 'scenarios/elsewhere.yaml')).toBeNull();
  });
});

describe('minimalChange', () => {
  it('replaces only what differs', () => {
    expect(minimalChange('threshold: 10\n', 'threshold: 3\n')).toEqual({ from: 11, to: 13, insert: '3' });
    expect(minimalChange('a', 'a')).toBeNull();
    expect(minimalChange('', 'x')).toEqual({ from: 0, to: 0, insert: 'x' });
    expect(minimalChange('aaa', 'aa')).toEqual({ from: 2, to: 3, insert: '' });
    const a = 'spec:\n  x: 1\n';
    const b = 'spec:\n  y: 2\n  x: 1\n';
    const c = minimalChange(a, b);
    expect(c && a.slice(0, c.from) + c.insert + a.slice(c.to)).toBe(b);
  });
});
