import type { RunAction, RunMode } from '../run/simulation';

/**
 * A game-day exercise as the app exports it and `gameday report` reads it:
 * everything needed to replay the run exactly (the scenario's files, seed,
 * mode, the action log of live faults and gate decisions) plus what the team
 * wrote (the plan as run, remediation notes). The report, the score and the
 * charts are computed from it by replaying, never trusted from the file.
 */
export interface ExerciseRecord {
  format: 'gameday-exercise/v1';
  /** The scenario file (path as opened) and the text of it and every file it includes, by path. */
  scenario: { file: string; files: Record<string, string> };
  seed: number;
  mode: RunMode;
  /** Seconds simulated (the exercise may stop before the scenario's end). */
  duration: number;
  /** Live fault injections and cancellations, and the participants' gate decisions, in order. */
  actions: RunAction[];
  /** The game-day plan as it was run (the scenario's `spec.gameDay`, possibly edited in the app); null: none. */
  plan: GameDayPlan | null;
  /** What the team typed: remediation notes, follow-ups. */
  notes: { remediation: string };
  /** Wall-clock time the exercise was exported (RFC 3339), for the report's header; not used in any computation. */
  exportedAt: string | null;
}

/** The parts of a game-day plan teams write (scenario `spec.gameDay`). */
export interface GameDayPlan {
  objective: string;
  participants: Array<{ name: string; role: 'facilitator' | 'incident-commander' | 'operator' | 'observer' }>;
  hypothesis: string;
  /** Faults to inject (names of the scenario's faults, or fault types for the palette). */
  faults: string[];
  /** Hide the planned faults from the participants (the facilitator's view shows them). */
  hideFaults: boolean;
  blastRadius: string;
  abortTrigger: string;
  observe: string[];
}
