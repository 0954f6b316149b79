import { formatBound } from '../telemetry/registry';
import { type SloSpec, formatPromDuration, periodSeconds } from './spec';
import { goFormatFloatV } from '../promql/functions';

/**
 * The Prometheus rules of an SLO, in the shape Sloth generates
 * (slok/sloth examples/_gen): per window a recording rule
 * `slo:sli_error:ratio_rate<window>`, the period's ratio as the average of
 * the shortest window's, Sloth's metadata rules, and the burn-rate alerts.
 * One difference: Sloth ORs the window pairs into one page and one ticket
 * alert; here each pair is its own alerting rule (as Pyrra writes them), so
 * each row of the workbook's table has its own `for`, state and times. The
 * same rules run inside the simulation (rule-engine.ts) and are exported by
 * `gameday slo-rules`.
 */

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Readonly<Record<string, string>>;
  /** Seconds of history the rule's value averages over (SLI ratios: their window); not part of the rule file. */
  window?: number;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  /** Seconds. */
  for: number;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  /** Seconds. */
  interval: number;
  rules: readonly Rule[];
}

export function isAlertingRule(r: Rule): r is AlertingRule {
  return (r as AlertingRule).alert !== undefined;
}

/** Sloth's id of an SLO: service and name. */
export function sloId(spec: SloSpec): string {
  return `${spec.ruleService}-${spec.name}`;
}

/** The labels that identify an SLO's series. */
export function sloLabels(spec: SloSpec): Record<string, string> {
  return { sloth_id: sloId(spec), sloth_service: spec.ruleService, sloth_slo: spec.name };
}

function selector(spec: SloSpec): string {
  const l = sloLabels(spec);
  return `{sloth_id=${JSON.stringify(l.sloth_id)}, sloth_service=${JSON.stringify(l.sloth_service)}, sloth_slo=${JSON.stringify(l.sloth_slo)}}`;
}

const WINDOW_PLACEHOLDER = /\{\{\s*\.window\s*\}\}/g;

/** A query text with its `{{ .window }}` placeholders filled. */
export function withWindow(query: string, window: string): string {
  return query.replace(WINDOW_PLACEHOLDER, window);
}

export function hasWindowPlaceholder(query: string): boolean {
  return new RegExp(WINDOW_PLACEHOLDER.source).test(query);
}

/** The SLI's queries over `window` (Prometheus duration text): events per second, bad and total. */
export function sliQueries(spec: SloSpec, window: string): { bad: string; total: string; errorRatio: string } {
  const ind = spec.indicator;
  if (ind.kind === 'latency') {
    const sep = ind.matchers === '' ? '' : `${ind.matchers},`;
    const good = `sum(rate(${ind.histogram}_bucket{${sep}le="${formatBound(ind.threshold)}"}[${window}]))`;
    const total = `sum(rate(${ind.histogram}_count{${ind.matchers}}[${window}]))`;
    return { bad: `(${total} - ${good})`, total, errorRatio: `1 - (\n(${good})\n/\n(${total})\n)` };
  }
  const total = withWindow(ind.total, window);
  if (ind.bad !== null) {
    const bad = withWindow(ind.bad, window);
    return { bad, total, errorRatio: `(${bad})\n/\n(${total})` };
  }
  const good = withWindow(ind.good as string, window);
  return { bad: `((${total}) - (${good}))`, total, errorRatio: `1 - (\n(${good})\n/\n(${total})\n)` };
}

/** Every window the rules record: each alert's long and short windows, shortest first. */
export function recordedWindows(spec: SloSpec): number[] {
  const ws = new Set<number>();
  for (const w of spec.alerting.windows) {
    ws.add(w.long);
    ws.add(w.short);
  }
  if (ws.size === 0) ws.add(300);
  return [...ws].sort((a, b) => a - b);
}

/** The recording rule name of a window. */
export function ratioRecord(window: string): string {
  return `slo:sli_error:ratio_rate${window}`;
}

/** Numbers as Go's %v prints them (Sloth writes its factors and budgets that way). */
const num = (x: number) => goFormatFloatV(x);

/** The rule groups of one SLO; `startMs` fixes a calendar month's length. */
export function sloRuleGroups(spec: SloSpec, startMs: number): RuleGroup[] {
  const id = sloId(spec);
  const ids = sloLabels(spec);
  const base = { ...spec.labels, ...ids };
  const sel = selector(spec);
  const windows = recordedWindows(spec);
  const period = formatPromDuration(periodSeconds(spec, startMs));
  const shortest = formatPromDuration(windows[0]);
  const interval = spec.alerting.evaluationInterval;

  const sli: RecordingRule[] = windows.map((w) => {
    const text = formatPromDuration(w);
    return { record: ratioRecord(text), expr: sliQueries(spec, text).errorRatio, labels: { ...base, sloth_window: text }, window: w };
  });
  sli.push({
    record: ratioRecord(period),
    expr: `sum_over_time(${ratioRecord(shortest)}${sel}[${period}])\n/ ignoring (sloth_window)\ncount_over_time(${ratioRecord(shortest)}${sel}[${period}])`,
    labels: { ...ids, sloth_window: period },
    window: periodSeconds(spec, startMs),
  });

  const days = periodSeconds(spec, startMs) / 86400;
  const meta: RecordingRule[] = [
    { record: 'slo:objective:ratio', expr: `vector(${num(spec.objective / 100)})`, labels: base },
    { record: 'slo:error_budget:ratio', expr: `vector(${num(spec.errorBudget)})`, labels: base },
    { record: 'slo:time_period:days', expr: `vector(${num(days)})`, labels: base },
    {
      record: 'slo:current_burn_rate:ratio',
      expr: `${ratioRecord(shortest)}${sel}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio${sel}`,
      labels: base,
    },
    {
      record: 'slo:period_burn_rate:ratio',
      expr: `${ratioRecord(period)}${sel}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio${sel}`,
      labels: base,
    },
    { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio${sel}`, labels: base },
  ];

  const alerts: AlertingRule[] = spec.alerting.windows.map((w) => {
    const factor = `(${num(w.burnRate)} * ${num(spec.errorBudget)})`;
    const short = formatPromDuration(w.short);
    const long = formatPromDuration(w.long);
    return {
      alert: spec.alerting.name,
      expr: `(${ratioRecord(short)}${sel} > ${factor})\nand ignoring (sloth_window)\n(${ratioRecord(long)}${sel} > ${factor})`,
      for: w.for,
      labels: { ...spec.labels, ...ids, sloth_severity: w.severity, burn_rate: num(w.burnRate), long_window: long, short_window: short },
      annotations: {
        summary: `${spec.ruleService} ${spec.name}: error budget burning ${num(w.burnRate)}x too fast over ${long} and ${short}`,
        title: `(${w.severity}) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too fast.`,
      },
    };
  });

  return [
    { name: `sloth-slo-sli-recordings-${id}`, interval, rules: sli },
    { name: `sloth-slo-meta-recordings-${id}`, interval, rules: meta },
    { name: `sloth-slo-alerts-${id}`, interval, rules: alerts },
  ];
}

// ---- the rule file ------------------------------------------------------------

/** A YAML scalar: plain when YAML reads it back as the same string, else double-quoted (JSON escapes are valid YAML). */
function scalar(s: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_.\-/ ]*$/.test(s) && !/ $/.test(s) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(s);
  return plain ? s : JSON.stringify(s);
}

function block(indent: string, key: string, text: string): string[] {
  if (!text.includes('\n')) return [`${indent}${key}: ${scalar(text)}`];
  return [`${indent}${key}: |-`, ...text.split('\n').map((l) => `${indent}  ${l}`)];
}

function mapping(indent: string, key: string, m: Readonly<Record<string, string>>): string[] {
  const keys = Object.keys(m).sort();
  if (keys.length === 0) return [];
  return [`${indent}${key}:`, ...keys.map((k) => `${indent}  ${k}: ${scalar(m[k])}`)];
}

/** A Prometheus rule file (`groups:`) as `promtool check rules` reads it. */
export function ruleFileYaml(groups: readonly RuleGroup[], header: readonly string[] = []): string {
  const out: string[] = [...header.map((h) => `# ${h}`), 'groups:'];
  for (const g of groups) {
    out.push(`- name: ${scalar(g.name)}`, `  interval: ${formatPromDuration(g.interval)}`, '  rules:');
    for (const r of g.rules) {
      if (isAlertingRule(r)) {
        out.push(`  - alert: ${scalar(r.alert)}`, ...block('    ', 'expr', r.expr));
        if (r.for > 0) out.push(`    for: ${formatPromDuration(r.for)}`);
        out.push(...mapping('    ', 'labels', r.labels), ...mapping('    ', 'annotations', r.annotations));
      } else {
        out.push(`  - record: ${scalar(r.record)}`, ...block('    ', 'expr', r.expr), ...mapping('    ', 'labels', r.labels));
      }
    }
  }
  return `${out.join('\n')}\n`;
}
