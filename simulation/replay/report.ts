/**
 * A replay's result for people (a text report) and for tools (a stable JSON
 * document, `kind: gameday-replay/v1`, times in RFC 3339).
 *
 * Pure TypeScript, no Node or DOM APIs.
 *
 * @module
 */

import type { ActualRollout } from './events';
import type { DryRun, DryRunCheck, ReplayResult } from './dry-run';
import type { ImportSummary } from './import';
import type { Timeline } from './timeline';
import { formatClock, formatDate, formatRfc3339, formatSpan } from './time';

const iso = (ms: number | null) => (ms === null ? null : formatRfc3339(ms));

/** Where the data came from, for the report. */
export type DataSource = { kind: 'files'; files: ImportSummary[] } | { kind: 'prometheus'; url: string; mode: 'raw' | 'range'; fromMs: number; toMs: number; requests: number };

function timelineJson(t: Timeline) {
  return {
    source: t.source,
    interval: formatSpan(t.intervalMs),
    start: iso(t.startMs),
    end: iso(t.endMs),
    outcome: t.outcome,
    reason: t.reason,
    decidedAt: iso(t.decidedAtMs),
    startsMidAnalysis: t.startsMidAnalysis,
    ticks: t.ticks.map((x) => ({ t: formatRfc3339(x.tMs), weight: x.weight, share: x.share })),
    halts: t.halts.map(formatRfc3339),
    ...(t.source === 'traffic' ? { metric: t.metric, services: t.services } : {}),
  };
}

function actualJson(a: ActualRollout) {
  return {
    source: a.source,
    outcome: a.outcome,
    detectedAt: iso(a.detectedAtMs),
    start: iso(a.startMs),
    decidedAt: iso(a.decidedAtMs),
    end: iso(a.endMs),
    reason: a.reason,
    failedChecks: a.failedChecks,
    halts: a.halts.map((h) => ({ t: iso(h.tMs), count: h.count, kind: h.kind, message: h.message })),
    weights: a.weights.map((w) => ({ t: iso(w.tMs), weight: w.weight })),
  };
}

function checkJson(c: DryRunCheck) {
  return { metric: c.metric, kind: c.kind, value: c.value, min: c.min, max: c.max, ok: c.ok, error: c.error ?? null, query: c.query };
}

function runJson(r: DryRun) {
  return {
    label: r.label,
    overrides: r.overrides,
    settings: r.settings,
    outcome: { result: r.outcome.result, at: iso(r.outcome.atMs), reason: r.outcome.reason, failedChecks: r.outcome.failedChecks, canaryWeight: r.outcome.canaryWeight, phase: r.outcome.phase, lastTick: iso(r.outcome.lastTickMs) },
    failures: r.failures.map((f) => ({ t: formatRfc3339(f.tMs), metric: f.metric, value: f.value, op: f.op, bound: f.bound, error: f.error ?? null })),
    ticks: r.ticks.map((t) => ({
      t: formatRfc3339(t.tMs),
      recordedWeight: t.recordedWeight,
      phase: t.phase,
      canaryWeight: t.canaryWeight,
      failedChecks: t.failedChecks,
      decision: t.decision,
      checks: t.checks.map(checkJson),
      events: t.events,
    })),
  };
}

/** The JSON document of a replay (`gameday replay --json`). */
export function replayJson(r: ReplayResult, source: DataSource) {
  return {
    kind: 'gameday-replay/v1',
    canary: r.canary,
    data: {
      series: r.data.series,
      samples: r.data.samples,
      from: iso(r.data.fromMs),
      to: iso(r.data.toMs),
      source:
        source.kind === 'files'
          ? { kind: 'files', files: source.files.map((f) => ({ file: f.file, format: f.format, series: f.series, samples: f.samples })) }
          : { kind: 'prometheus', url: source.url, mode: source.mode, from: formatRfc3339(source.fromMs), to: formatRfc3339(source.toMs), requests: source.requests },
    },
    timeline: timelineJson(r.timeline),
    traffic: r.trafficTimeline === null ? { error: r.trafficError } : r.trafficTimeline === r.timeline ? { sameAsTimeline: true } : timelineJson(r.trafficTimeline),
    actual: r.actual === null ? null : actualJson(r.actual),
    runs: r.runs.map(runJson),
    comparison: r.comparison,
    warnings: r.warnings,
  };
}

// ---- text ---------------------------------------------------------------------------------------------------------

function table(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i] - [...cell].length))).join('  ').trimEnd());
}

function cell(c: DryRunCheck | undefined): string {
  if (c === undefined) return '–';
  const mark = c.ok ? '✓' : '✗';
  if (c.value === null) return `${c.error && !/no values found/.test(c.error) ? 'error' : 'no values'} ${mark}`;
  const v = c.metric === 'request-duration' ? `${c.value} ms` : Number.isInteger(c.value) ? String(c.value) : c.value.toFixed(c.kind === 'builtin' ? 2 : 4);
  return `${v} ${mark}`;
}

function settingsLine(r: DryRun): string {
  const s = r.settings;
  const steps = s.stepWeights.length > 0 ? `steps ${s.stepWeights.join(', ')}` : `step ${s.stepWeight}`;
  const metrics = s.metrics.map((m) => `${m.name}${m.min !== null ? ` ≥ ${m.min}` : ''}${m.max !== null ? ` ≤ ${m.max}` : ''}`).join(', ');
  return `interval ${s.interval}, threshold ${s.threshold}, max weight ${s.maxWeight} (${steps}); ${metrics || 'no metrics'}`;
}

function runLines(r: DryRun): string[] {
  const metrics = r.settings.metrics.map((m) => m.name).filter((n, i, all) => all.indexOf(n) === i);
  const header = ['tick', 'recorded', 'weight', ...metrics, 'failed', 'decision'];
  const rows = [header];
  let prevWeight: number | null = null;
  for (const t of r.ticks) {
    const weight = prevWeight === null || prevWeight === t.canaryWeight ? String(t.canaryWeight) : `${prevWeight} → ${t.canaryWeight}`;
    prevWeight = t.canaryWeight;
    rows.push([formatClock(t.tMs), String(t.recordedWeight), weight, ...metrics.map((m) => cell(t.checks.find((c) => c.metric === m))), String(t.failedChecks), t.decision === 'none' ? '' : t.decision]);
  }
  const title = r.overrides.length > 0 ? `Dry run with ${r.overrides.join(', ')}` : 'Dry run: the Canary as written';
  const o = r.outcome;
  const verdict = o.result === 'undecided' ? `undecided at the end of the recorded analysis (weight ${o.canaryWeight}, ${o.failedChecks} failed checks)` : `${o.result.replace('-', ' ')} at ${formatClock(o.atMs as number)}${o.reason ? ` — ${o.reason}` : ''}`;
  return [`${title} (${settingsLine(r)})`, ...table(rows), `  → ${verdict}`];
}

/** The readable report of a replay (`gameday replay`). */
export function formatReplay(r: ReplayResult, source: DataSource): string {
  const lines: string[] = [];
  const from = r.data.fromMs;
  const to = r.data.toMs;
  const span = from === null || to === null ? 'no samples' : `${formatDate(from)} ${formatClock(from)} – ${formatDate(to) === formatDate(from) ? '' : `${formatDate(to)} `}${formatClock(to)} UTC`;
  const where =
    source.kind === 'files'
      ? source.files.map((f) => `${f.file} (${f.format})`).join(', ')
      : `${source.url} (${source.requests} requests, ${source.mode === 'raw' ? 'raw samples' : 'query_range, resampled'})`;
  lines.push(`Replay of Canary ${r.canary} over ${r.data.series} series, ${r.data.samples} samples, ${span}, from ${where}`);
  lines.push('');

  const t = r.timeline;
  const source2 = t.source === 'events' ? "Flagger's events" : `Traefik's request rates (${t.metric}: ${t.services.canary.join(', ')} against ${t.services.primary.join(', ')})`;
  lines.push(`Timeline from ${source2}:`);
  lines.push(`  analysis from ${t.startMs === null ? '?' : formatClock(t.startMs)} to ${t.endMs === null ? 'the end of the recording' : formatClock(t.endMs)}, a tick every ${formatSpan(t.intervalMs)}`);
  const rows = [['tick', 'weight', ...(t.source === 'traffic' ? ['canary share'] : [])]];
  for (const x of t.ticks) rows.push([formatClock(x.tMs), String(x.weight), ...(t.source === 'traffic' ? [x.share === null ? '–' : `${(x.share * 100).toFixed(1)} %`] : [])]);
  lines.push(...table(rows));
  if (t.source === 'traffic') lines.push(`  ${t.outcome}: ${t.reason}`);
  if (r.trafficTimeline !== null && r.trafficTimeline !== t) lines.push(`  Traefik's rates: ${r.trafficTimeline.outcome}: ${r.trafficTimeline.reason}`);
  else if (r.trafficTimeline === null && r.trafficError !== null) lines.push(`  Traefik's rates: ${r.trafficError}`);
  lines.push('');

  for (const run of r.runs) {
    lines.push(...runLines(run));
    lines.push('');
  }
  lines.push('Side by side:');
  for (const c of r.comparison) lines.push(`  ${c}`);
  if (r.warnings.length > 0) {
    lines.push('');
    lines.push('Notes:');
    for (const w of r.warnings) lines.push(`  ${w}`);
  }
  return `${lines.join('\n')}\n`;
}
