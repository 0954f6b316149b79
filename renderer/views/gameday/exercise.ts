import type { ExerciseRecord, GameDayPlan } from '../../../simulation/gameday/record';
import type { RunSnapshot } from '../../../simulation/run/session';
import { includePaths } from './scenario-text';

/**
 * The exercise as the app exports it (simulation/gameday/record.ts): the
 * scenario's files as they were run, seed, mode, the time reached, the action
 * log (live faults and the team's decisions), the plan and the team's notes.
 * `gameday report` replays it; nothing computed here is trusted by it.
 */

/**
 * The open scenario's files by path: its own text (the editor's, which the run runs) and the text of every file it
 * includes, read with `read` (the host's readScenario). A file that cannot be read fails the export, saying which.
 */
export async function scenarioFiles(file: string, text: string, read: (path: string) => Promise<string>): Promise<Record<string, string>> {
  const files: Record<string, string> = { [file]: text };
  for (const path of includePaths(file, text)) {
    if (path in files) continue;
    try {
      files[path] = await read(path);
    } catch (e) {
      throw new Error(`cannot read ${path}, which the scenario includes: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  return files;
}

export interface ExerciseInput {
  file: string;
  files: Record<string, string>;
  snapshot: Pick<RunSnapshot, 't' | 'seed' | 'mode' | 'actions'>;
  plan: GameDayPlan | null;
  remediation: string;
  /** Wall-clock time of the export (RFC 3339). */
  exportedAt: string | null;
}

/** The record of the exercise up to the run's current time (actions after it — a run seeked back — are left out). */
export function buildExerciseRecord(x: ExerciseInput): ExerciseRecord {
  const duration = x.snapshot.t;
  return {
    format: 'gameday-exercise/v1',
    scenario: { file: x.file, files: { ...x.files } },
    seed: x.snapshot.seed,
    mode: x.snapshot.mode,
    duration,
    actions: x.snapshot.actions.filter((a) => a.t <= duration),
    plan: x.plan,
    notes: { remediation: x.remediation },
    exportedAt: x.exportedAt,
  };
}

/** The record as the file holds it. */
export function exerciseJson(record: ExerciseRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** `<scenario>.exercise.json`: the scenario file's name without its extension (or the scenario's name). */
export function exerciseFileName(file: string | null, name: string | null): string {
  const base = (file ?? '').split(/[\\/]/).pop()?.replace(/\.gameday\.ya?ml$|\.ya?ml$/, '') || name || 'scenario';
  return `${base}.exercise.json`;
}
