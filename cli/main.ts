import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { FastModeUnsupported, type RunMode, type RunOptions, Simulation } from '../simulation/run/simulation';
import { checkExpectation, checkOverSeeds } from '../simulation/run/expect';
import { formatDiagnostic } from '../simulation/scenario/diagnostics';
import { type LoadedScenario, loadScenario, looksLikeScenario, validateManifestFile } from '../simulation/scenario/loader';
import { validateJudgeFile } from '../simulation/scenario/shadow';
import { powerLint } from '../simulation/power/lint';
import { toOpenMetrics } from '../simulation/telemetry/openmetrics';
import { instantQuery, rangeQuery } from '../simulation/promql/engine';
import { parseDuration } from '../simulation/util/duration';
import { scenarioJsonSchema } from '../simulation/scenario/json-schema';
import { suggest } from '../simulation/scenario/issues';
import { ruleFileYaml, sloRuleGroups } from '../simulation/slo/rules';
import { daysInMonth } from '../simulation/slo/spec';
import { buildEvidence, ExerciseError, readExerciseRecord, scoreOf, toHtml, toJson, toMarkdown } from '../simulation/gameday/report';
import { fsHost, writeFileAtomic } from './host';
import { formatSweepResult, mergeShardFiles, runSweep } from './sweep';
import { replayCommand } from './replay';
import { parseShard } from '../simulation/sweep/shard';
import type { SweepResult } from '../simulation/sweep/aggregate';
import { applyConfiguration, applyTargetOf } from '../simulation/sweep/apply';
import { loadSweep, looksLikeSweep, runCount, sweepJsonSchema } from '../simulation/sweep/spec';
import { formatSummary } from './summary';

/** Exit codes (docs/cli.md). */
export const EXIT = { ok: 0, invalid: 1, usage: 2, internal: 3, unmet: 4, interrupted: 130 } as const;

/** package.json's version, set by the build (scripts/build.mjs). */
declare const __GAMEDAY_VERSION__: string;
const VERSION = typeof __GAMEDAY_VERSION__ === 'string' ? __GAMEDAY_VERSION__ : 'development';

const HELP: Record<string, string> = {
  main: `gameday — rehearse progressive delivery on a deterministic simulation

Usage: gameday <command> [options]

Commands:
  run <scenario>         simulate a scenario and print a summary (or JSON)
  validate <file...>     check scenarios and manifest files; list every error
  export-metrics <scenario>
                         write the scraped Prometheus samples as OpenMetrics
  query <scenario> <expr>
                         evaluate PromQL over the scraped samples (JSON like /api/v1/query)
  slo-rules <scenario>   write the Prometheus rules of the scenario's SLOs (recording
                         rules and burn-rate alerts) as one rule file
  report <run.json>      replay a game-day exercise and write its evidence package
                         (Markdown, self-contained HTML or JSON)
  check <scenario...>    judge each scenario's spec.expect on its own seed and over
                         100 seeds (fast mode); list the seeds that disagree
  sweep <sweep.yaml>     the tuning lab: run a Canary's configurations over healthy and
                         regressed canaries; false aborts, missed regressions, detection
                         times, the Pareto frontier and a recommendation
  sweep-merge <shard...> merge the shards of a sweep run on several machines
  replay <canary.yaml>   judge a rollout that already happened (recorded series, or a
                         window pulled from Prometheus) with a Canary's analysis in dry
                         run, as written and with candidate thresholds (--set)
  schema [--sweep]       print the Scenario (or Sweep) document's JSON Schema
  help [command]         show help for a command

Options:
  -h, --help             show help
  -v, --version          print the version

Exit codes: 0 success, 1 invalid input, 2 bad usage, 3 internal error,
4 the run missed the scenario's expected outcome (run --check), 130 interrupted (sweep).
Run 'gameday help <command>' for a command's options. Reference: docs/cli.md`,
  run: `Usage: gameday run <scenario> [--seed N] [--duration D] [--mode exact|fast] [--json] [--out FILE] [--check]

Simulates the scenario and prints a readable summary: per service and version,
requests, errors and latency quantiles; per traffic stream, what clients saw.

Options:
  --seed N          seed for every random stream (default: the scenario's spec.seed)
  --duration D      simulated time, Go syntax such as 10m or 1h30m (default: spec.duration)
  --mode M          exact (default: every request simulated) or fast (traffic drawn in
                    aggregate per interval; same metric series, much quicker)
  --json            print the result as one JSON object instead of the summary
  --out FILE        also write the JSON result to FILE (atomically)
  --check           exit 4 when the run misses the scenario's spec.expect (outcome,
                    decision time, deciding metric), saying how

The summary ends with what Flagger decided: the Canary's final phase, when and
why, each shadow judge's verdict (spec.shadowJudges: Argo, Kayenta or the
consecutive rule, in dry run, marked shadow) and every event of its analysis.

The same scenario and seed always give the same result; only stats.wallMs varies.`,
  'export-metrics': `Usage: gameday export-metrics <scenario> [--seed N] [--duration D] [--mode exact|fast] [--from T] [--to T] [--out FILE]

Simulates the scenario and writes every sample Prometheus scraped (Traefik's
metrics per replica, and up) as OpenMetrics text with timestamps, ending in
# EOF. Load it into a real Prometheus with
  promtool tsdb create-blocks-from openmetrics FILE DATA_DIR
Timestamps start at the scenario's spec.telemetry.startTime.

Options:
  --seed N          seed for every random stream (default: the scenario's spec.seed)
  --duration D      simulated time, Go syntax (default: spec.duration)
  --mode M          exact (default) or fast
  --from T, --to T  only samples in this window, as times from the run start (e.g. 5m)
  --out FILE        write to FILE (atomically) instead of standard output`,
  query: `Usage: gameday query <scenario> '<expr>' --at T [--seed N] [--duration D] [--mode exact|fast]
       gameday query <scenario> '<expr>' --from T --to T --step S [...]

Simulates the scenario, then evaluates the PromQL expression over what
Prometheus scraped, as Prometheus 2.42 would, and prints the answer in the
shape of its HTTP API (/api/v1/query, or /api/v1/query_range with --from, --to
and --step). Times are from the run start: seconds (90) or Go durations (1m30s).
Exit 0 when the query succeeds, 1 when it fails (the JSON says why).

Options:
  --at T            evaluation time of an instant query
  --from T, --to T  range of a range query
  --step S          resolution of a range query (e.g. 15s)
  --seed N, --duration D, --mode M   as for run`,
  'slo-rules': `Usage: gameday slo-rules <scenario> [--slo NAME] [--out FILE]

Loads the scenario (without running it) and prints the Prometheus rules of its
SLOs (spec.slos) as one rule file, in the shape Sloth generates: per SLO a
group of recording rules (slo:sli_error:ratio_rate<window> for every alert
window and the SLO period), a group of metadata rules and a group with one
burn-rate alert per window pair. These are the rules the simulation
evaluates; promtool check rules accepts the file. A month window's period is
the days of the month the scenario starts in (spec.telemetry.startTime).

Options:
  --slo NAME        only this SLO's rules (repeat for several)
  --out FILE        write to FILE (atomically) instead of standard output

Exit 0 on success; 1 when the scenario is invalid, has no SLOs, or has no SLO
named NAME.`,
  report: `Usage: gameday report <run.json> [--format md|html|json] [--out FILE] [--no-score]

Replays a game-day exercise exported by the app (an exercise record: the
scenario's files, seed, mode, duration, the action log of live faults and gate
decisions, the plan and the remediation notes) and writes its evidence package:
the Canary and MetricTemplates in force, the decision timeline with the evidence
behind every decision (check values and thresholds, canary weight, alerts
firing, budget remaining), the outcome and who decided it, the rollback
conditions, the SLO impact, the score (time to detect and to mitigate, blast
radius, budget burned, each decision judged, against Flagger alone on the same
faults), the plan, the notes and the replayable action log. Nothing is taken
from the record's results: everything is simulated again.

Options:
  --format F        md (default), html (one self-contained file: inline CSS and
                    SVG charts, no scripts, loads nothing) or json (sorted keys;
                    holds the exercise record, so gameday report reads it too).
                    Without --format, an --out file ending in .html or .json
                    chooses it.
  --out FILE        write to FILE (atomically) instead of standard output
  --no-score        leave the score out (it replays the exercise twice more)

Exit 0 on success; 1 when the file cannot be read, is not an exercise record
(each problem is named by its field), its scenario no longer loads (with the
loader's diagnostics) or its action log does not fit the scenario; 2 for bad usage.`,
  schema: `Usage: gameday schema [--sweep]

Prints the JSON Schema of the Scenario document (docs/scenario.schema.json), or
with --sweep of the tuning lab's Sweep document (docs/sweep.schema.json), for
editor completion and validation (e.g. the YAML language server's
# yaml-language-server: $schema=... comment).`,
  check: `Usage: gameday check <scenario...> [--seeds N] [--mode fast|exact] [--json]

Judges each scenario's expected outcome (spec.expect: outcome, decision time,
deciding metric) on the scenario's own seed in exact mode, as run --check
does, and over seeds 1 to N (spec.expect.seeds, default 100) in fast mode
(exact when the scenario needs it, or spec.expect.mode says so). A scenario
passes when its own seed meets the expectation and at least
spec.expect.seedsAgreeing of the seeds (default 95 %) do; the seeds that
disagree are listed with how.

Options:
  --seeds N         seeds to run (overrides spec.expect.seeds)
  --mode M          fast or exact for the seeds (overrides spec.expect.mode)
  --json            print one JSON object per scenario (one per line)

Exit 0 when every scenario passes, 4 when one misses, 1 when one is invalid or
has no spec.expect.`,
  sweep: `Usage: gameday sweep <sweep.yaml> [--workers N] [--shard i/N] [--json] [--out FILE] [--quiet]
                    [--apply [--configuration N] [--write]]

Runs every configuration of the sweep's Canary knobs over its situations (the
healthy canary and regressions, each with a prior weight) with its seeds, in
fast mode unless the sweep says exact. Prints per configuration the false-abort
and missed-regression rates with Wilson intervals, detection times (median,
p95), requests served by a bad canary, error budget burned and how long a
healthy rollout takes; marks the Pareto frontier and recommends the best
configuration for the sweep's objective. Progress with an ETA goes to stderr;
Ctrl-C stops (exit 130).

Options:
  --workers N       worker threads (default: one per core; 1 runs in this process).
                    The result is the same for any N.
  --shard i/N       run only shard i of N (0-based) and write a shard file (JSON)
                    to --out or stdout; merge the shards with gameday sweep-merge
  --json            print the result as JSON
  --out FILE        also write the JSON result (or the shard) to FILE, atomically
  --quiet           no progress on stderr
  --apply           print the diff that writes the recommended configuration (or
                    --configuration N, a row of the table counted from 0) into the
                    Canary's YAML; with --write, write it (atomically)

The sweep format and what each figure means: docs/tuning.md`,
  'sweep-merge': `Usage: gameday sweep-merge <shard.json...> [--json] [--out FILE] [--apply [--configuration N] [--write]]

Checks that the shard files come from the same sweep and the same scenario
files and cover every run exactly once, then prints the sweep's result: the
same bytes (with --json) as running the sweep in one process.

Options:
  --json            print the result as JSON
  --out FILE        also write the JSON result to FILE, atomically
  --apply, --configuration N, --write
                    as for gameday sweep (the Canary's file must be where the
                    shards read it)`,
  replay: `Usage: gameday replay <canary.yaml> [--template FILE ...] [--canary NAME]
                      (--data FILE ... | --prometheus URL --from T --to T [--step S]
                       [--token T | --user U:P] [--save FILE])
                      [--events FILE [--events-at T]] [--set knob=value ...] [--json] [--quiet]

Evaluates a rollout that already happened with a Canary's analysis, in dry run:
reconstructs the rollout's timeline (from Flagger's events, or from the canary's
share of Traefik's per-service request rates), then at each analysis tick runs
the Canary's metric checks over the recorded series exactly as Flagger does,
counts failed checks as Flagger does and says when it would have halted,
promoted or rolled back: with the Canary as written, and with the candidate
settings of --set, side by side with what actually happened.

The Canary file holds the Canary (and MetricTemplates), or is a scenario (its
rolled-out Canary is used).

Options:
  --template FILE   MetricTemplates the Canary's metrics use (repeatable)
  --canary NAME     which Canary (name or namespace/name) when the file has several
  --data FILE       recorded series (repeatable): a /api/v1/query_range answer
                    (JSON; an array of answers or one per line too), or OpenMetrics
                    text with timestamps (what gameday export-metrics writes)
  --prometheus URL  pull the series the Canary's queries read from this server
  --from T, --to T  the window to pull: RFC 3339, Unix seconds, now or now-1h
  --step S          pull with query_range at this step (resampled); without it,
                    the raw samples (instant queries of range selectors)
  --token T         bearer token for the server; --user U:P basic auth instead
  --save FILE       also write the pulled series as OpenMetrics (replay them later
                    with --data FILE)
  --events FILE     Flagger's events: kubectl describe canary, kubectl get events
                    (any columns, or -o json), or Flagger's JSON log lines
  --events-at T     when the events' ages (3m12s, LAST SEEN) were printed; without
                    it they are anchored to the start the traffic shows
  --set knob=value  a candidate setting (repeatable): analysis.threshold=5,
                    analysis.interval=1m, analysis.stepWeight=20, analysis.maxWeight,
                    metrics.<name>.thresholdRange.min=98 (or .max)
  --json            print the result as JSON (kind gameday-replay/v1)
  --quiet           no progress on stderr

Exit 0 when the replay ran; 1 when a file or the data cannot be read (each
problem located), the server cannot be reached, refuses the credentials or
answers an error, or the data hold no analysis; 2 for bad usage.
Reference: docs/replay.md`,
  validate: `Usage: gameday validate <file...>

Checks each file and prints every problem as file:line:column: field: message.
A Sweep is loaded with its scenario and checked against its Canary. A file
with a Scenario document is loaded with its included manifests and compiled,
its shadow judges' AnalysisTemplates and Kayenta configs with it; a file of
manifests only (Canary, MetricTemplate, IngressRoute, ...) is checked manifest
by manifest; an Argo AnalysisTemplate file or a Kayenta canary config (JSON or
YAML) is checked as its judge reads it. Exit 0 when every file is valid
(warnings allowed), 1 otherwise.`,
};

class UsageError extends Error {}

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Runs the CLI with the given arguments; returns the exit code (a promise for the commands that run asynchronously). */
export function main(argv: string[], io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): number | Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '-h' || command === '--help') {
      io.out(`${HELP.main}\n`);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === '-v' || command === '--version') {
      io.out(`${VERSION}\n`);
      return EXIT.ok;
    }
    if (command === 'help') {
      const topic = rest[0] ?? 'main';
      if (!HELP[topic]) throw new UsageError(`no command named ${topic}`);
      io.out(`${HELP[topic]}\n`);
      return EXIT.ok;
    }
    if (rest.includes('-h') || rest.includes('--help')) {
      if (!HELP[command]) throw new UsageError(`unknown command ${command}`);
      io.out(`${HELP[command]}\n`);
      return EXIT.ok;
    }
    switch (command) {
      case 'run':
        return runCommand(rest, io);
      case 'validate':
        return validateCommand(rest, io);
      case 'export-metrics':
        return exportMetricsCommand(rest, io);
      case 'query':
        return queryCommand(rest, io);
      case 'slo-rules':
        return sloRulesCommand(rest, io);
      case 'report':
        return reportCommand(rest, io);
      case 'check':
        return checkCommand(rest, io);
      case 'sweep':
        return sweepCommand(rest, io).catch((e) => failure(e, io));
      case 'sweep-merge':
        return sweepMergeCommand(rest, io);
      case 'replay':
        return replayCommand(rest, { ...io, tty: process.stderr.isTTY === true }).catch((e) => failure(e, io));
      case 'schema': {
        const { values } = parseArgs({ args: rest, options: { sweep: { type: 'boolean', default: false } } });
        io.out(`${JSON.stringify(values.sweep ? sweepJsonSchema() : scenarioJsonSchema(), null, 2)}\n`);
        return EXIT.ok;
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; commands: run, validate, export-metrics, query, slo-rules, report, check, sweep, sweep-merge, replay, schema, help`);
    }
  } catch (e) {
    return failure(e, io);
  }
}

/** The exit code of an exception: bad usage, or an internal error (a bug) with how to see its stack. */
function failure(e: unknown, io: Io): number {
  if (e instanceof UsageError || isParseArgsError(e)) {
    io.err(`gameday: ${(e as Error).message}\nRun 'gameday --help' for usage.\n`);
    return EXIT.usage;
  }
  io.err(`gameday: internal error: ${(e as Error)?.message ?? String(e)}\nThis is a bug; please report it with the scenario that caused it.${process.env.GAMEDAY_DEBUG ? `\n${(e as Error)?.stack}` : ' (GAMEDAY_DEBUG=1 shows the stack trace.)'}\n`);
  return EXIT.internal;
}

function isParseArgsError(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? '';
  return code.startsWith('ERR_PARSE_ARGS');
}

/** Options of every command that runs a scenario. */
const RUN_OPTIONS = {
  seed: { type: 'string' },
  duration: { type: 'string' },
  mode: { type: 'string' },
  out: { type: 'string' },
} as const;

/** --seed, --duration and --mode, shared by the commands that run a scenario. */
function runOptions(values: { seed?: string; duration?: string; mode?: string }): { seed?: number; duration?: number; mode?: RunMode } {
  if (values.mode !== undefined && values.mode !== 'exact' && values.mode !== 'fast') throw new UsageError(`--mode expects exact or fast, got ${JSON.stringify(values.mode)}`);
  let seed: number | undefined;
  if (values.seed !== undefined) {
    if (!/^[0-9]+$/.test(values.seed) || !Number.isSafeInteger(Number(values.seed))) throw new UsageError(`--seed expects a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(values.seed)}`);
    seed = Number(values.seed);
  }
  const duration = values.duration === undefined ? undefined : durationOption('--duration', values.duration, false);
  return { seed, duration, mode: values.mode as RunMode | undefined };
}

function durationOption(name: string, text: string, zeroAllowed: boolean): number {
  const d = parseDuration(text);
  if (typeof d !== 'number') throw new UsageError(`${name}: ${d.error}`);
  if (d < 0 || (!zeroAllowed && d === 0)) throw new UsageError(`${name} must be ${zeroAllowed ? 'zero or more' : 'greater than zero'}`);
  return d;
}

/** Loads a scenario, printing its diagnostics; null when it is invalid. */
function loadOrReport(raw: string, io: Io): LoadedScenario | null {
  const file = toPosix(raw);
  const loaded = loadScenario(file, fsHost);
  for (const d of loaded.diagnostics) io.err(`${formatDiagnostic(d)}\n`);
  if (loaded.ok) return loaded.scenario;
  const n = loaded.diagnostics.filter((d) => d.severity === 'error').length;
  io.err(`gameday: ${file} is not a valid scenario (${n} error${n === 1 ? '' : 's'})\n`);
  return null;
}

/** Writes `text` to `out` atomically; false (after saying why) when it cannot. */
function writeOut(out: string, text: string, io: Io): boolean {
  try {
    writeFileAtomic(out, text);
    return true;
  } catch (e) {
    io.err(`gameday: cannot write ${out}: ${(e as Error).message}\n`);
    return false;
  }
}

/** A time from the run start: plain seconds or a Go duration. */
function timeOption(name: string, text: string): number {
  if (/^[0-9]+(\.[0-9]+)?$/.test(text)) return Number(text);
  return durationOption(name, text, true);
}

function queryCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...RUN_OPTIONS, at: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, step: { type: 'string' } },
  });
  if (positionals.length !== 2) throw new UsageError(`query takes a scenario file and one PromQL expression, got ${positionals.length} arguments`);
  const ranged = values.from !== undefined || values.to !== undefined || values.step !== undefined;
  if (ranged && values.at !== undefined) throw new UsageError('give either --at (instant query) or --from, --to and --step (range query)');
  if (!ranged && values.at === undefined) throw new UsageError('give --at T for an instant query, or --from, --to and --step for a range query');
  if (ranged && (values.from === undefined || values.to === undefined || values.step === undefined)) throw new UsageError('a range query needs --from, --to and --step');
  const { seed, duration, mode } = runOptions(values);
  const scenario = loadOrReport(positionals[0], io);
  if (!scenario) return EXIT.invalid;
  const sim = newSimulation(scenario, { seed, duration, mode }, io);
  if (!sim) return EXIT.invalid;
  sim.runToEnd();
  const expr = positionals[1];
  const response = ranged
    ? rangeQuery(sim.store, expr, sim.timestamp(timeOption('--from', values.from as string)), sim.timestamp(timeOption('--to', values.to as string)), durationOption('--step', values.step as string, false) * 1000)
    : instantQuery(sim.store, expr, sim.timestamp(timeOption('--at', values.at as string)));
  io.out(`${JSON.stringify(response)}\n`);
  return response.status === 'success' ? EXIT.ok : EXIT.invalid;
}

/** A run, or null (after saying why) when fast mode cannot run the scenario. */
function newSimulation(scenario: LoadedScenario, options: RunOptions, io: Io): Simulation | null {
  try {
    return new Simulation(scenario, options);
  } catch (e) {
    if (e instanceof FastModeUnsupported) {
      io.err(`gameday: ${e.message}\n`);
      return null;
    }
    throw e;
  }
}

function runCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...RUN_OPTIONS, json: { type: 'boolean', default: false }, check: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new UsageError(`run takes one scenario file, got ${positionals.length}`);
  const { seed, duration, mode } = runOptions(values);
  const scenario = loadOrReport(positionals[0], io);
  if (!scenario) return EXIT.invalid;
  const t0 = performance.now();
  const sim = newSimulation(scenario, { seed, duration, mode }, io);
  if (!sim) return EXIT.invalid;
  const result = sim.runToEnd();
  const wallMs = Math.round((performance.now() - t0) * 1000) / 1000;
  const expectation = scenario.expect ? checkExpectation(scenario.expect, result) : null;
  const output = { ...result, stats: { ...result.stats, wallMs }, expectation };
  const json = `${JSON.stringify(output, null, 2)}\n`;
  io.out(values.json ? json : formatSummary(scenario, output));
  if (values.out && !writeOut(values.out, json, io)) return EXIT.invalid;
  if (values.check && expectation && !expectation.met) {
    for (const m of expectation.mismatches) io.err(`gameday: ${positionals[0]}: ${m}\n`);
    return EXIT.unmet;
  }
  return EXIT.ok;
}

function exportMetricsCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...RUN_OPTIONS, from: { type: 'string' }, to: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError(`export-metrics takes one scenario file, got ${positionals.length}`);
  const { seed, duration, mode } = runOptions(values);
  const from = values.from === undefined ? undefined : durationOption('--from', values.from, true);
  const to = values.to === undefined ? undefined : durationOption('--to', values.to, true);
  if (from !== undefined && to !== undefined && to < from) throw new UsageError('--to must not be before --from');
  const scenario = loadOrReport(positionals[0], io);
  if (!scenario) return EXIT.invalid;
  const sim = newSimulation(scenario, { seed, duration, mode }, io);
  if (!sim) return EXIT.invalid;
  sim.runToEnd();
  if (sim.store.seriesCount === 0) io.err('gameday: warning: nothing was scraped: the scenario has no Traefik (no IngressRoute)\n');
  const text = toOpenMetrics(sim.store, { fromMs: from === undefined ? undefined : sim.timestamp(from), toMs: to === undefined ? undefined : sim.timestamp(to) });
  if (values.out) return writeOut(values.out, text, io) ? EXIT.ok : EXIT.invalid;
  io.out(text);
  return EXIT.ok;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A comment line: one line, whatever a file name or label holds. */
const commentText = (s: string) => s.replace(/[\r\n]+/g, ' ');

function sloRulesCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, slo: { type: 'string', multiple: true } },
  });
  if (positionals.length !== 1) throw new UsageError(`slo-rules takes one scenario file, got ${positionals.length}`);
  const scenario = loadOrReport(positionals[0], io);
  if (!scenario) return EXIT.invalid;
  const all = scenario.slos ?? [];
  if (all.length === 0) {
    io.err(`gameday: ${scenario.file} has no SLOs: add them under spec.slos (docs/slo.md) to generate their rules\n`);
    return EXIT.invalid;
  }
  const names = all.map((s) => s.name);
  const wanted = values.slo ?? [];
  for (const name of wanted) {
    if (names.includes(name)) continue;
    const hint = suggest(name, names);
    io.err(`gameday: --slo: no SLO named ${JSON.stringify(name)} in ${scenario.file}${hint ? ` (did you mean ${hint}?)` : ''}; SLOs: ${names.join(', ')}\n`);
    return EXIT.invalid;
  }
  const slos = wanted.length === 0 ? all : all.filter((s) => wanted.includes(s.name));
  const startMs = scenario.world.scrape.startMs;
  const header = [
    `Prometheus rules of the SLOs of scenario ${scenario.name} (${scenario.file}): ${slos.map((s) => s.name).join(', ')}.`,
    'Generated by gameday slo-rules; edit the scenario and generate again rather than editing this file.',
  ];
  const start = new Date(startMs);
  for (const s of slos) {
    if (s.window.kind !== 'calendar-month') continue;
    const month = `${MONTHS[start.getUTCMonth()]} ${start.getUTCFullYear()}`;
    header.push(`SLO ${s.name} has a calendar month window: its period is the ${daysInMonth(startMs)} days of ${month}, the month the scenario starts in (spec.telemetry.startTime).`);
  }
  const text = ruleFileYaml(
    slos.flatMap((s) => sloRuleGroups(s, startMs)),
    header.map(commentText),
  );
  if (values.out) return writeOut(values.out, text, io) ? EXIT.ok : EXIT.invalid;
  io.out(text);
  return EXIT.ok;
}

const REPORT_FORMATS = ['md', 'html', 'json'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

function reportCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string' }, out: { type: 'string' }, 'no-score': { type: 'boolean', default: false } } });
  if (positionals.length !== 1) throw new UsageError(`report takes one exercise record (the JSON file the app exports), got ${positionals.length} arguments`);
  let format: ReportFormat = 'md';
  if (values.format !== undefined) {
    if (!(REPORT_FORMATS as readonly string[]).includes(values.format)) throw new UsageError(`--format expects md, html or json, got ${JSON.stringify(values.format)}`);
    format = values.format as ReportFormat;
  } else if (values.out !== undefined) {
    const ext = /\.([A-Za-z]+)$/.exec(values.out)?.[1]?.toLowerCase();
    format = ext === 'html' || ext === 'htm' ? 'html' : ext === 'json' ? 'json' : 'md';
  }
  const file = toPosix(positionals[0]);
  const text = fsHost.readFile(file);
  if (text === null) {
    io.err(`gameday: cannot read ${file}\n`);
    return EXIT.invalid;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    io.err(`gameday: ${file} is not JSON (${(e as Error).message}): expected an exercise record exported by the app\n`);
    return EXIT.invalid;
  }
  const fail = (e: unknown, what: string): number => {
    if (!(e instanceof ExerciseError)) throw e;
    for (const p of e.problems) io.err(`${file}: ${p}\n`);
    io.err(`gameday: ${file} ${what} (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'})\n`);
    return EXIT.invalid;
  };
  let record;
  try {
    record = readExerciseRecord(json);
  } catch (e) {
    return fail(e, 'is not a valid exercise record');
  }
  let output: string;
  try {
    const pkg = buildEvidence(record, values['no-score'] ? null : scoreOf(record));
    output = format === 'html' ? toHtml(pkg) : format === 'json' ? toJson(pkg) : toMarkdown(pkg);
  } catch (e) {
    return fail(e, 'cannot be replayed');
  }
  if (values.out) return writeOut(values.out, output, io) ? EXIT.ok : EXIT.invalid;
  io.out(output);
  return EXIT.ok;
}

function checkCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { seeds: { type: 'string' }, mode: { type: 'string' }, json: { type: 'boolean', default: false } } });
  if (positionals.length === 0) throw new UsageError('check takes one or more scenario files');
  if (values.seeds !== undefined && (!/^[0-9]+$/.test(values.seeds) || Number(values.seeds) < 1)) throw new UsageError(`--seeds expects a whole number of at least 1, got ${JSON.stringify(values.seeds)}`);
  const { mode } = runOptions({ mode: values.mode });
  let code: number = EXIT.ok;
  for (const raw of positionals) {
    const scenario = loadOrReport(raw, io);
    if (!scenario) {
      code = EXIT.invalid;
      continue;
    }
    const expect = scenario.expect;
    if (!expect) {
      io.err(`gameday: ${scenario.file} has no spec.expect: nothing to check\n`);
      code = EXIT.invalid;
      continue;
    }
    const r = checkOverSeeds({ ...scenario, expect }, { seeds: values.seeds === undefined ? undefined : Number(values.seeds), mode });
    if (!r.met && code === EXIT.ok) code = EXIT.unmet;
    if (values.json) {
      io.out(`${JSON.stringify({ file: scenario.file, ...r })}\n`);
      continue;
    }
    const pct = (x: number) => `${Math.round(x * 1000) / 10} %`;
    const lines = [`${scenario.file}: expected ${expect.outcome}${expect.decidedBy ? ` by ${expect.decidedBy}` : ''}${expect.decidedBetween ? ` between ${expect.decidedBetween.from} s and ${expect.decidedBetween.to} s` : ''}: ${r.met ? 'ok' : 'MISSED'}`];
    lines.push(`  seed ${r.defaultSeed.seed} (exact): ${r.defaultSeed.result.met ? 'as expected' : r.defaultSeed.result.mismatches.join('; ')}`);
    lines.push(`  seeds 1–${r.seeds} (${r.mode}${r.exactBecause ? `: ${r.exactBecause}` : ''}): ${r.agreeing} agree (${pct(r.agreeing / r.seeds)}; at least ${pct(r.required)} required)`);
    for (const d of r.disagreeing.slice(0, 20)) lines.push(`    seed ${d.seed}: ${d.mismatches.join('; ')}`);
    if (r.disagreeing.length > 20) lines.push(`    … and ${r.disagreeing.length - 20} more: ${r.disagreeing.slice(20).map((d) => d.seed).join(', ')}`);
    io.out(`${lines.join('\n')}\n`);
  }
  return code;
}

async function sweepCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { workers: { type: 'string' }, shard: { type: 'string' }, json: { type: 'boolean', default: false }, out: { type: 'string' }, quiet: { type: 'boolean', default: false }, ...APPLY_OPTIONS },
  });
  const apply = applyOptions(values);
  if (positionals.length !== 1) throw new UsageError(`sweep takes one sweep file, got ${positionals.length}`);
  let workers: number | undefined;
  if (values.workers !== undefined) {
    if (!/^[0-9]+$/.test(values.workers) || Number(values.workers) < 1) throw new UsageError(`--workers expects a whole number of at least 1, got ${JSON.stringify(values.workers)}`);
    workers = Number(values.workers);
  }
  if (values.shard !== undefined && values.json) throw new UsageError('--shard writes a shard file (JSON) already: leave out --json');
  if (values.shard !== undefined && apply) throw new UsageError('--apply needs the whole result: apply after gameday sweep-merge');
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  if (shard && 'error' in shard) throw new UsageError(`--shard: ${shard.error}`);
  const r = await runSweep(
    { file: toPosix(positionals[0]), workers, shard, quiet: values.quiet },
    {
      ...io,
      tty: process.stderr.isTTY === true,
      onInterrupt: (f) => {
        process.on('SIGINT', f);
        return () => void process.off('SIGINT', f);
      },
    },
  );
  if (r.kind === 'invalid') return EXIT.invalid;
  if (r.kind === 'cancelled') {
    io.err(`gameday: sweep interrupted after ${r.done} of ${r.total} runs; nothing was written\n`);
    return EXIT.interrupted;
  }
  if (r.kind === 'shard') {
    const json = `${JSON.stringify(r.shard)}\n`;
    if (values.out) return writeOut(values.out, json, io) ? EXIT.ok : EXIT.invalid;
    io.out(json);
    return EXIT.ok;
  }
  return printSweepResult(r.result, r.wallMs, values, apply, io);
}

const APPLY_OPTIONS = { apply: { type: 'boolean', default: false }, configuration: { type: 'string' }, write: { type: 'boolean', default: false } } as const;

function applyOptions(values: { apply?: boolean; configuration?: string; write?: boolean }): { configuration: number | null; write: boolean } | null {
  if (!values.apply) {
    if (values.configuration !== undefined || values.write) throw new UsageError('--configuration and --write go with --apply');
    return null;
  }
  if (values.configuration !== undefined && !/^[0-9]+$/.test(values.configuration)) throw new UsageError(`--configuration expects a row number of the table (from 0), got ${JSON.stringify(values.configuration)}`);
  return { configuration: values.configuration === undefined ? null : Number(values.configuration), write: values.write ?? false };
}

function printSweepResult(result: SweepResult, wallMs: number | null, values: { json?: boolean; out?: string }, apply: { configuration: number | null; write: boolean } | null, io: Io): number {
  const json = `${JSON.stringify(result, null, 2)}\n`;
  io.out(values.json ? json : formatSweepResult(result, wallMs));
  if (values.out && !writeOut(values.out, json, io)) return EXIT.invalid;
  if (!apply) return EXIT.ok;
  const index = apply.configuration ?? result.recommendation.configuration;
  if (index === null) {
    io.err('gameday: --apply: there is no recommendation to apply; choose a row with --configuration N\n');
    return EXIT.invalid;
  }
  const c = result.configurations[index];
  if (!c) {
    io.err(`gameday: --configuration ${index}: the sweep has configurations 0 to ${result.configurations.length - 1}\n`);
    return EXIT.invalid;
  }
  const patched = applyConfiguration(applyTargetOf(result.sweep), c.values, fsHost);
  if (!patched.ok) {
    io.err(`gameday: --apply: ${patched.error}\n`);
    return EXIT.invalid;
  }
  const { patch } = patched;
  // The diff goes to stderr with --json, so stdout stays one JSON document.
  const say = values.json ? io.err : io.out;
  say(patch.diff === '' ? `\n${patch.file} already has ${c.label}\n` : `\n${c.label} in ${patch.file}:\n${patch.diff}`);
  if (apply.write && patch.diff !== '') {
    if (!writeOut(patch.file, patch.after, io)) return EXIT.invalid;
    say(`wrote ${patch.file}\n`);
  }
  return EXIT.ok;
}

function sweepMergeCommand(args: string[], io: Io): number {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean', default: false }, out: { type: 'string' }, ...APPLY_OPTIONS } });
  if (positionals.length === 0) throw new UsageError('sweep-merge takes the shard files written by gameday sweep --shard');
  const apply = applyOptions(values);
  const merged = mergeShardFiles(positionals.map(toPosix));
  if (!merged.ok) {
    io.err(`gameday: ${merged.error}\n`);
    return EXIT.invalid;
  }
  return printSweepResult(merged.result, null, values, apply, io);
}

function validateCommand(args: string[], io: Io): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new UsageError('validate takes one or more files');
  let failed = false;
  for (const raw of positionals) {
    const file = toPosix(raw);
    const text = fsHost.readFile(file);
    let diagnostics;
    let what: string;
    const judgeFile = text !== null && !looksLikeScenario(text) ? validateJudgeFile(file, text) : null;
    if (text !== null && looksLikeSweep(text)) {
      const r = loadSweep(file, fsHost);
      diagnostics = r.diagnostics;
      what = r.ok ? `sweep ${r.plan.name} (${r.plan.configurations.length} configurations × ${r.plan.situations.length} situations × ${r.plan.seeds} seeds = ${runCount(r.plan)} runs)` : 'sweep';
    } else if (judgeFile) {
      // A shadow judge's AnalysisTemplate or Kayenta canary config on its own (docs/judges.md).
      diagnostics = judgeFile.diagnostics;
      what = judgeFile.what;
    } else if (text !== null && !looksLikeScenario(text)) {
      const r = validateManifestFile(file, fsHost);
      diagnostics = r.diagnostics;
      what = `${r.manifests} manifest${r.manifests === 1 ? '' : 's'}`;
    } else {
      const r = loadScenario(file, fsHost);
      // With the power warning the editor shows (docs/power.md): advice on a scenario that loads.
      diagnostics = r.ok ? [...r.diagnostics, ...powerLint(r.scenario, fsHost)] : r.diagnostics;
      what = r.ok ? `scenario ${r.scenario.name}` : 'scenario';
    }
    for (const d of diagnostics) io.err(`${formatDiagnostic(d)}\n`);
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = diagnostics.length - errors;
    if (errors > 0) failed = true;
    const tail = warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : '';
    io.out(errors > 0 ? `${file}: invalid, ${errors} error${errors === 1 ? '' : 's'}${tail}\n` : `${file}: valid ${what}${tail}\n`);
  }
  return failed ? EXIT.invalid : EXIT.ok;
}

function toPosix(p: string): string {
  return p.replace(/\\/g, '/');
}
