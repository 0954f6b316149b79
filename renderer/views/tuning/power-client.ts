import { useCallback, useEffect, useRef, useState } from 'react';
import type { HostApi, SessionReply } from '../../../electron/host-api';
import type { PowerReport } from '../../../simulation/power/lab';
import { monteCarloSteps, POWER_SESSION, type PowerCommand } from './power';

/**
 * The power panel's conversation with the host (its own session,
 * POWER_SESSION): the analytic figures for the latest command (typing is
 * debounced; a reply to an older command is dropped), and the Monte Carlo
 * a block of runs at a time (`monteCarloSteps`), each reply showing the
 * figures so far and the progress. Cancel stops the host's computation at
 * once (host.cancel); a new command stops a Monte Carlo of the old one.
 */

export interface MonteCarloProgress {
  seeds: number;
  /** Runs done (each for the healthy and the regressed canary). */
  done: number;
  running: boolean;
  cancelled: boolean;
  /** Why it stopped (a failed block). */
  error: string | null;
}

export interface PowerState {
  report: PowerReport | null;
  /** Why the last command has no report. */
  error: string | null;
  /** The analytic figures of the latest command are being computed. */
  computing: boolean;
  monteCarlo: MonteCarloProgress | null;
}

/** How long typing must pause before the figures are computed again. */
const DEBOUNCE_MS = 250;

const INITIAL: PowerState = { report: null, error: null, computing: false, monteCarlo: null };

function messageOf(r: SessionReply): string {
  return r.kind === 'error' ? r.message : `unexpected reply ${r.kind}`;
}

export function usePower(host: HostApi, command: PowerCommand | null): PowerState & { simulate(seeds: number): void; cancel(): void } {
  const [state, setState] = useState<PowerState>(INITIAL);
  /** Bumped by every new command: replies to older ones are dropped, and a Monte Carlo of an older one stops. */
  const generation = useRef(0);
  const simulating = useRef(false);
  const latest = useRef<PowerCommand | null>(command);
  latest.current = command;
  const key = command === null ? null : JSON.stringify(command);

  const stop = useCallback(() => {
    if (!simulating.current) return false;
    simulating.current = false;
    void host.cancel(POWER_SESSION);
    return true;
  }, [host]);

  useEffect(() => {
    if (key === null) return;
    const g = ++generation.current;
    stop();
    setState((s) => ({ ...s, computing: true, monteCarlo: null }));
    const timer = setTimeout(() => {
      void host.session(POWER_SESSION, JSON.parse(key) as PowerCommand).then((r) => {
        if (generation.current !== g) return;
        setState((s) => (r.kind === 'power' ? { ...s, report: r.report, error: null, computing: false } : { ...s, report: null, error: messageOf(r), computing: false }));
      });
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [host, key, stop]);

  // Leaving the panel stops its Monte Carlo.
  useEffect(
    () => () => {
      generation.current++;
      stop();
    },
    [stop],
  );

  const simulate = useCallback(
    (seeds: number) => {
      const cmd = latest.current;
      if (cmd === null || simulating.current) return;
      const g = generation.current;
      simulating.current = true;
      const progress = (patch: Partial<MonteCarloProgress>) =>
        setState((s) => ({ ...s, monteCarlo: { ...(s.monteCarlo ?? { seeds, done: 0, running: true, cancelled: false, error: null }), ...patch } }));
      setState((s) => ({ ...s, monteCarlo: { seeds, done: 0, running: true, cancelled: false, error: null } }));
      void (async () => {
        for (const upTo of monteCarloSteps(seeds)) {
          const r = await host.session(POWER_SESSION, { ...cmd, monteCarlo: { seeds, upTo } });
          // Cancelled, or another command since: what it answered is not this run's.
          if (generation.current !== g || !simulating.current) return;
          const mc = r.kind === 'power' ? r.report.monteCarlo : null;
          if (r.kind !== 'power' || mc === null || 'error' in mc) {
            simulating.current = false;
            progress({ running: false, error: r.kind !== 'power' ? messageOf(r) : mc && 'error' in mc ? mc.error : 'no Monte Carlo in the reply' });
            return;
          }
          setState((s) => ({ ...s, report: r.report, monteCarlo: { ...(s.monteCarlo as MonteCarloProgress), done: mc.done } }));
        }
        simulating.current = false;
        progress({ running: false });
      })();
    },
    [host],
  );

  const cancel = useCallback(() => {
    if (stop()) setState((s) => (s.monteCarlo ? { ...s, monteCarlo: { ...s.monteCarlo, running: false, cancelled: true } } : s));
  }, [stop]);

  return { ...state, simulate, cancel };
}
