import type { FaultParams, FaultSpec, FaultTarget } from '../../simulation/faults/spec';

/** A live fault: from `at` (seconds after injection) for `duration`, no ramps, optionally repeated. */
export const fault = (name: string, target: FaultTarget, params: FaultParams, at = 0, duration = Infinity, repeat: FaultSpec['schedule']['repeat'] = null): FaultSpec => ({
  name,
  target,
  params,
  schedule: { at, for: duration, rampIn: 0, rampOut: 0, repeat },
  origin: 'live',
});
