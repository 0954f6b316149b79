import type { ExpectationResult } from '../simulation/run/expect';
import type { RunResult } from '../simulation/run/simulation';
import type { ShadowVerdict } from '../simulation/run/shadow';
import type { OutcomeSummary } from '../simulation/model/stats';
import { formatDuration } from '../simulation/util/duration';

interface Named {
  name: string;
  file: string;
  description?: string;
}

/** The readable summary `gameday run` prints. */
export function formatSummary(scenario: Named, r: RunResult & { stats: { wallMs: number }; expectation: ExpectationResult | null }): string {
  const lines: string[] = [];
  lines.push(`Scenario ${scenario.name} (${scenario.file}), seed ${r.seed}, ${formatDuration(r.stats.simSeconds)} simulated in ${(r.stats.wallMs / 1000).toFixed(2)} s (${r.mode} mode)`);
  if (scenario.description) lines.push(scenario.description);
  lines.push(`${r.stats.requests} requests from clients, ${r.stats.calls} calls in all, ${r.stats.events} events`);
  lines.push('');
  const rows: string[][] = [['service', 'version', 'requests', 'errors', 'error %', 'p50', 'p90', 'p99', 'util']];
  for (const [app, versions] of Object.entries(r.services)) {
    for (const [version, v] of Object.entries(versions)) {
      if (!v) continue;
      rows.push([app, version, ...cells(v), v.utilisation === null ? '-' : `${(v.utilisation * 100).toFixed(1)}%`]);
    }
  }
  lines.push(...table(rows));
  lines.push('');
  const srows: string[][] = [['stream', '', 'requests', 'errors', 'error %', 'p50', 'p90', 'p99', '']];
  for (const [name, s] of Object.entries(r.streams)) srows.push([name, '', ...cells(s), '']);
  lines.push(...table(srows));
  if (r.traefik) {
    lines.push('');
    lines.push(`Traefik: ${r.traefik.replicas} replica${r.traefik.replicas === 1 ? '' : 's'}, ${r.traefik.configApplies} configuration${r.traefik.configApplies === 1 ? '' : 's'} applied, ${r.traefik.configSkipped} unchanged skipped`);
    for (const e of r.traefik.buildErrors) lines.push(`  not built: ${e}`);
    const t = r.telemetry;
    lines.push(`Prometheus: ${t.scrapes} scrapes (${t.failedScrapes} failed), ${t.series} series, ${t.samples} samples, ${(t.bytes / 1024).toFixed(0)} KiB`);
  }
  if (r.canary && r.outcome) {
    const o = r.outcome;
    lines.push('');
    lines.push(`Canary ${r.canary}: ${o.phase}${o.promoted ? ', promoted' : ''}${o.decidedAt === null ? '' : ` (decided at ${formatDuration(o.decidedAt)})`}`);
    lines.push(`  ${o.reason}`);
    for (const e of r.events) lines.push(`  ${formatDuration(e.t).padStart(7)}  ${e.type === 'Warning' ? 'W' : ' '} ${e.message}`);
    lines.push(...shadowLines(r.shadow ?? []));
  } else if (r.shadow && r.shadow.length > 0) {
    lines.push(...shadowLines(r.shadow));
  }
  for (const s of r.slo) {
    const b = s.budget;
    lines.push('');
    lines.push(`SLO ${s.name}: ${s.objective}% over ${s.window}; error budget ${pct(b.start)} remaining at the start, ${pct(b.end)} at the end`);
    lines.push(`  consumed ${pct(b.consumed)} (${b.consumedMinutes.toFixed(2)} of ${b.budgetMinutes.toFixed(1)} budget minutes): primary ${pct(b.byCause.primary)}, canary ${pct(b.byCause.canary)}, other ${pct(b.byCause.other)}`);
    for (const [f, v] of Object.entries(b.byCause.whileFaultActive)) lines.push(`  while fault ${f} was active: ${pct(v)}`);
    if (s.policy) lines.push(`  policy: ${s.policy.changes.map((c) => `${c.tier} from ${formatDuration(c.t)}`).join(', ')}`);
    for (const a of s.alerts) {
      const state = a.firedAt === null ? `pending from ${formatDuration(a.activeAt)}${a.resolvedAt === null ? '' : `, dropped at ${formatDuration(a.resolvedAt)}`}` : `fired at ${formatDuration(a.firedAt)}${a.resolvedAt === null ? '' : `, resolved at ${formatDuration(a.resolvedAt)}`}`;
      lines.push(`  ${a.severity} alert ${a.burnRate}x (${a.longWindow}/${a.shortWindow}): ${state}`);
    }
    for (const e of s.ruleErrors) lines.push(`  rule ${e.rule} failed at ${formatDuration(e.t)}: ${e.error}`);
  }
  if (r.expectation) {
    const x = r.expectation;
    lines.push('');
    lines.push(`Expected ${x.expected.outcome}: ${x.met ? 'met' : 'NOT met'}`);
    for (const m of x.mismatches) lines.push(`  ${m}`);
  }
  return `${lines.join('\n')}\n`;
}

const JUDGE_NAMES: Record<ShadowVerdict['judge'], string> = { argo: 'Argo AnalysisRun', kayenta: 'Kayenta', consecutive: 'consecutive failed checks' };
const VERDICT_TEXT: Record<ShadowVerdict['verdict'], string> = { promote: 'would promote', rollback: 'would roll back', inconclusive: 'inconclusive, would pause for a person', undecided: 'undecided' };

/** Each shadow judge's verdict, marked shadow: they judged the same run in dry run and did not act. */
function shadowLines(shadow: readonly ShadowVerdict[]): string[] {
  if (shadow.length === 0) return [];
  const out = ['', '  Shadow judges (dry run: they judged the same run and did not act on the rollout):'];
  for (const v of shadow) {
    out.push(`  shadow ${v.name} (${JUDGE_NAMES[v.judge]}): ${VERDICT_TEXT[v.verdict]}${v.at === null ? '' : ` at ${formatDuration(v.at)}`}`);
    out.push(`    ${v.reason}`);
  }
  return out;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(Math.abs(x) < 0.001 ? 4 : 2)}%`;
}

function cells(s: OutcomeSummary): string[] {
  return [String(s.requests), String(s.errors), `${(s.errorRatio * 100).toFixed(2)}%`, ms(s.latency.p50), ms(s.latency.p90), ms(s.latency.p99)];
}

function ms(x: number | null): string {
  return x === null ? '-' : x < 1 ? `${(x * 1000).toFixed(1)}ms` : `${x.toFixed(2)}s`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}
