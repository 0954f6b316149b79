import { z } from 'zod';
import type { SessionCommand } from '../simulation/run/session';
import type { SweepOutcome, SweepRequest } from '../simulation/sweep/workers';
import { CHANNELS, type Channel } from './channels';
import type { HostApi } from './host-api';
import { isTrustedFrame, type SenderFrame } from './security';

/**
 * The main process' IPC surface: one `ipcMain.handle` per channel, each
 * checking that the message comes from the app's own top-level page and
 * validating its payload with zod before anything else runs. An invalid
 * message is a rejected promise with a message saying what is wrong —
 * never a crash, never a partially handled request.
 */

/** Limits on what the renderer may send. */
export const IPC_LIMITS = {
  /** Characters in a file path. */
  path: 4096,
  /** Characters in a scenario text (the editor's buffer). */
  text: 4 * 1024 * 1024,
  /** Files in one `summaries` command. */
  files: 1000,
  /** Characters in a session id. */
  session: 64,
  /** Seconds a run may last or be advanced to (a year). */
  seconds: 365 * 24 * 3600,
} as const;

const describeInput = (input: unknown): string => {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (typeof input === 'number') return Number.isNaN(input) ? 'NaN' : String(input);
  if (Array.isArray(input)) return 'an array';
  if (typeof input === 'object') return 'an object';
  return `a ${typeof input}`;
};

const filePath = z
  .string({ error: (iss) => `a file path must be a string, got ${describeInput(iss.input)}` })
  .min(1, 'a file path must not be empty')
  .max(IPC_LIMITS.path, `a file path must be at most ${IPC_LIMITS.path} characters`)
  .refine((s) => !s.includes('\0'), 'a file path must not contain NUL characters');

const scenarioText = z
  .string({ error: (iss) => `the scenario text must be a string, got ${describeInput(iss.input)}` })
  .max(IPC_LIMITS.text, `the scenario text is too large (the limit is ${IPC_LIMITS.text} characters)`);

const seconds = (what: string) =>
  z
    .number({ error: (iss) => `${what} must be a finite number of seconds, got ${describeInput(iss.input)}` })
    .min(0, `${what} must not be negative`)
    .max(IPC_LIMITS.seconds, `${what} must be at most ${IPC_LIMITS.seconds} seconds`);

/** An exercise record (simulation/gameday/record.ts), checked in full by the worker (readExerciseRecord). */
const exerciseRecord = z
  .record(z.string(), z.unknown(), { error: 'record must be an exercise record (a mapping)' })
  .refine((r) => JSON.stringify(r).length <= IPC_LIMITS.text * 4, { error: 'the exercise record is too large' });

/** A SweepRequest (simulation/run/session.ts): the sweep file, its edited text, the editor's scenario buffer. */
const sweepRequestShape = {
  file: filePath,
  text: scenarioText.optional(),
  scenario: z.strictObject({ file: filePath, text: scenarioText }, { error: 'scenario must be { file, text }: the editor\'s scenario buffer' }).optional(),
};

/** A number of the power panel's query (`what` names it): finite (zod refuses NaN and ±Infinity); its range is the worker's to check. */
const powerNumber = (what: string) => z.number({ error: (iss) => `${what} must be a finite number, got ${describeInput(iss.input)}` });

/** Each SessionCommand kind's shape (simulation/run/session.ts): the same shapes, nothing more. */
const COMMAND_SHAPES = [
  z.strictObject({ kind: z.literal('open'), file: filePath, text: scenarioText.optional() }),
  z.strictObject({
    kind: z.literal('start'),
    seed: z
      .number({ error: (iss) => `seed must be an integer, got ${describeInput(iss.input)}` })
      .refine((n) => Number.isSafeInteger(n), 'seed must be a safe integer')
      .optional(),
    mode: z.enum(['exact', 'fast'], { error: (iss) => `mode must be "exact" or "fast", got ${JSON.stringify(iss.input)}` }).optional(),
    duration: seconds('duration').optional(),
  }),
  z.strictObject({ kind: z.literal('advance'), to: seconds('to') }),
  z.strictObject({ kind: z.literal('seek'), to: seconds('to') }),
  z.strictObject({
    kind: z.literal('summaries'),
    files: z.array(filePath, { error: 'files must be an array of file paths' }).max(IPC_LIMITS.files, `at most ${IPC_LIMITS.files} files at a time`),
  }),
  z.strictObject({
    kind: z.literal('inject'),
    fault: z
      .record(z.string(), z.unknown(), { error: 'fault must be a mapping: a spec.faults[] document' })
      .refine((f) => JSON.stringify(f).length <= 64 * 1024, { error: 'the fault document is larger than 64 KiB' }),
  }),
  z.strictObject({ kind: z.literal('cancel-fault'), name: z.string({ error: 'name must be the name of a fault' }).min(1).max(253) }),
  z.strictObject({
    kind: z.literal('decide'),
    hook: z.string({ error: 'hook must be the name of a human gate' }).min(1).max(253),
    decision: z.enum(['approve', 'hold', 'rollback'], { error: (iss) => `decision must be approve, hold or rollback, got ${JSON.stringify(iss.input)}` }),
    by: z.string({ error: 'by must say who decided' }).min(1).max(200),
    justification: z.string({ error: 'justification must be text' }).min(1, 'a decision needs a justification').max(4000),
  }),
  z.strictObject({
    kind: z.literal('evidence'),
    record: exerciseRecord,
    format: z.enum(['md', 'html', 'json'], { error: (iss) => `format must be md, html or json, got ${JSON.stringify(iss.input)}` }),
  }),
  z.strictObject({
    kind: z.literal('score'),
    record: exerciseRecord,
  }),
  z.strictObject({
    kind: z.literal('open-sweep-run'),
    ...sweepRequestShape,
    u: z
      .number({ error: (iss) => `u must be the index of a run of the sweep, got ${describeInput(iss.input)}` })
      .refine((n) => Number.isSafeInteger(n) && n >= 0, 'u must be a whole number from 0'),
  }),
  z.strictObject({
    kind: z.literal('power'),
    ...sweepRequestShape,
    // The ranges are checked in the worker (simulation/power/lab.ts queryProblem), with the panel's wording.
    configuration: z.number({ error: (iss) => `configuration must be the index of a configuration of the sweep, got ${describeInput(iss.input)}` }).optional(),
    rate: powerNumber('rate').optional(),
    healthy: powerNumber('healthy').optional(),
    regression: powerNumber('regression').optional(),
    targets: z.strictObject({ maxFalseAbort: powerNumber('targets.maxFalseAbort').optional(), minDetection: powerNumber('targets.minDetection').optional() }, { error: 'targets must be { maxFalseAbort?, minDetection? }' }).optional(),
    monteCarlo: z
      .strictObject({ seeds: powerNumber('monteCarlo.seeds'), seed: powerNumber('monteCarlo.seed').optional(), upTo: powerNumber('monteCarlo.upTo').optional() }, { error: 'monteCarlo must be { seeds, seed?, upTo? }' })
      .optional(),
  }),
  z.strictObject({ kind: z.literal('close') }),
] as const;

const COMMAND_KINDS = COMMAND_SHAPES.map((o) => o.shape.kind.value);

/** SessionCommand as a schema. */
export const sessionCommandSchema = z.discriminatedUnion('kind', COMMAND_SHAPES, {
  error: (iss) => {
    if ((iss.code as string) === 'invalid_type' || typeof iss.input !== 'object' || iss.input === null) return `a session command must be an object, got ${describeInput(iss.input)}`;
    const kind = (iss.input as { kind?: unknown } | undefined)?.kind;
    return `unknown session command kind ${kind === undefined ? '(none)' : JSON.stringify(kind)} (expected one of ${COMMAND_KINDS.join(', ')})`;
  },
});

// The schema and the TypeScript type must describe the same commands.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatchesSessionCommand: Same<z.infer<typeof sessionCommandSchema>, SessionCommand> = true;
void _schemaMatchesSessionCommand;

const sessionId = z
  .string({ error: (iss) => `a session id must be a string, got ${describeInput(iss.input)}` })
  .regex(/^[A-Za-z0-9._-]{1,64}$/, `a session id is 1 to ${IPC_LIMITS.session} letters, digits, '.', '_' or '-'`);

/** Each channel's payload (the one argument the preload sends). */
export const payloadSchemas = {
  [CHANNELS.library]: z.strictObject({}),
  [CHANNELS.readScenario]: z.strictObject({ file: filePath }),
  [CHANNELS.openDialog]: z.strictObject({}),
  [CHANNELS.save]: z.strictObject({ file: filePath, text: scenarioText }),
  [CHANNELS.saveAs]: z.strictObject({ text: scenarioText, suggested: filePath }),
  [CHANNELS.session]: z.strictObject({ session: sessionId, command: sessionCommandSchema }),
  [CHANNELS.cancel]: z.strictObject({ session: sessionId }),
  [CHANNELS.sweeps]: z.strictObject({}),
  [CHANNELS.openSweepDialog]: z.strictObject({}),
  [CHANNELS.runSweep]: z.strictObject({ run: sessionId, request: z.strictObject(sweepRequestShape, { error: 'request must be a sweep request { file, text?, scenario? }' }) }),
  [CHANNELS.cancelSweep]: z.strictObject({}),
} satisfies Record<Channel, z.ZodType>;

export type Payload<C extends Channel> = z.infer<(typeof payloadSchemas)[C]>;

const pathText = (path: ReadonlyArray<PropertyKey>) => path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');

/** The payload of a message on `channel`, validated; throws an Error saying what is wrong. */
export function parsePayload<C extends Channel>(channel: C, args: unknown[]): Payload<C> {
  if (args.length !== 1) throw new Error(`invalid ${channel} request: expected one payload object, got ${args.length} arguments`);
  const r = payloadSchemas[channel].safeParse(args[0]);
  if (r.success) return r.data as Payload<C>;
  const issues = r.error.issues.map((i) => (i.path.length > 0 ? `${pathText(i.path)}: ${i.message}` : i.message));
  throw new Error(`invalid ${channel} request: ${issues.join('; ')}`);
}

/**
 * What the handlers do, once a message is trusted and valid (the DesktopController): the host API's requests.
 * A sweep's progress goes back on SWEEP_PROGRESS_CHANNEL tagged with the renderer's `run` id, not through a callback.
 */
export type IpcHandlers = Omit<HostApi, 'kind' | 'onMenu' | 'runSweep'> & { runSweep(run: string, request: SweepRequest): Promise<SweepOutcome> };

/** The part of an IpcMainInvokeEvent the checks read. */
export interface InvokeEvent {
  readonly senderFrame: SenderFrame | null;
}

/** The part of ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
}

/** The listener for `channel`: sender check, payload validation, then the handler. */
export function ipcListener<C extends Channel>(channel: C, run: (payload: Payload<C>) => Promise<unknown>) {
  return async (event: InvokeEvent, ...args: unknown[]): Promise<unknown> => {
    if (!isTrustedFrame(event.senderFrame)) {
      throw new Error(`${channel} refused: the request did not come from the app's own page (${event.senderFrame?.url ?? 'no frame'})`);
    }
    return run(parsePayload(channel, args));
  };
}

/** Registers every channel's handler. */
export function registerIpc(ipcMain: IpcMainLike, h: IpcHandlers): void {
  ipcMain.handle(CHANNELS.library, ipcListener(CHANNELS.library, () => h.library()));
  ipcMain.handle(CHANNELS.readScenario, ipcListener(CHANNELS.readScenario, (p) => h.readScenario(p.file)));
  ipcMain.handle(CHANNELS.openDialog, ipcListener(CHANNELS.openDialog, () => h.openDialog()));
  ipcMain.handle(CHANNELS.save, ipcListener(CHANNELS.save, (p) => h.save(p.file, p.text)));
  ipcMain.handle(CHANNELS.saveAs, ipcListener(CHANNELS.saveAs, (p) => h.saveAs(p.text, p.suggested)));
  ipcMain.handle(CHANNELS.session, ipcListener(CHANNELS.session, (p) => h.session(p.session, p.command)));
  ipcMain.handle(CHANNELS.cancel, ipcListener(CHANNELS.cancel, (p) => h.cancel(p.session)));
  ipcMain.handle(CHANNELS.sweeps, ipcListener(CHANNELS.sweeps, () => h.sweeps()));
  ipcMain.handle(CHANNELS.openSweepDialog, ipcListener(CHANNELS.openSweepDialog, () => h.openSweepDialog()));
  ipcMain.handle(CHANNELS.runSweep, ipcListener(CHANNELS.runSweep, (p) => h.runSweep(p.run, p.request)));
  ipcMain.handle(CHANNELS.cancelSweep, ipcListener(CHANNELS.cancelSweep, () => h.cancelSweep()));
}
