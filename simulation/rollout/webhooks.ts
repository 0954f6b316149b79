import type { Phase, WebhookResult, WebhookSpec } from './types';

/**
 * Webhooks in a simulation: the endpoints do not exist, so the scenario says
 * how each answers (`spec.webhooks`, see docs/scenario-format.md), and this
 * module turns those answers into what Flagger's webhook client makes of
 * them (flagger.md §7.1, go-retryablehttp v0.7.8):
 *
 * - success iff the final status is 200, 201 or 202;
 * - 429 and 5xx other than 501, and timeouts, are retried when the hook has
 *   `retries`, with back-off 1 s, 2 s, 4 s … capped at 30 s;
 * - other statuses fail with the response body as the error text;
 * - retryable failures end with `POST {url} giving up after {n} attempt(s)…`.
 *
 * A call is answered at the tick's time: the tick does not wait for it (the
 * simulator's one simplification here), but each attempt's own time — tick
 * time plus the latencies and back-offs before it — decides which scripted
 * answer it gets.
 */

export interface WebhookResponse {
  /** HTTP status; null: no answer at all (the call times out). */
  status: number | null;
  body: string;
  /** Calls answered this way (null: see untilMs; neither: one call). */
  times: number | null;
  /** Calls made before this simulated time (ms) are answered this way. */
  untilMs: number | null;
}

export interface WebhookBehaviour {
  latencyMs: number;
  responses: readonly WebhookResponse[];
}

/** Answers a call made at `tMs` from live state (an error budget policy) instead of a script. */
export type WebhookResponder = (tMs: number) => { status: number; body: string };

/** One webhook call as made, for the run's record. */
export interface WebhookCall {
  /** Simulated seconds of the tick. */
  t: number;
  hook: string;
  type: WebhookSpec['type'];
  phase: Phase;
  attempts: number;
  /** Status of the last attempt; null when it timed out. */
  status: number | null;
  ok: boolean;
  error?: string;
}

const OK: WebhookBehaviour = { latencyMs: 0, responses: [{ status: 200, body: '', times: null, untilMs: null }] };

/** Go's http.StatusText for the statuses webhooks answer with. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Answers the scripted calls of one webhook, in call order. */
export class ScriptedWebhook {
  private index = 0;
  private used = 0;

  constructor(
    private readonly behaviour: WebhookBehaviour = OK,
    private readonly responder: WebhookResponder | null = null,
  ) {}

  /** The scripted answer to the next call, made at `tMs`. */
  private next(tMs: number): WebhookResponse {
    if (this.responder) return { ...this.responder(tMs), times: null, untilMs: null };
    const rs = this.behaviour.responses;
    while (this.index < rs.length - 1) {
      const r = rs[this.index];
      const done = r.times !== null ? this.used >= r.times : r.untilMs !== null ? tMs >= r.untilMs : this.used >= 1;
      if (!done) break;
      this.index++;
      this.used = 0;
    }
    this.used++;
    return rs[this.index];
  }

  /** Flagger calls the hook at `tMs` (simulated ms): the outcome after retries. */
  call(hook: WebhookSpec, tMs: number): { result: WebhookResult; attempts: number; status: number | null } {
    const giveUp = (n: number, why: string) => `POST ${hook.url} giving up after ${n} attempt(s)${why}`;
    let t = tMs;
    for (let attempt = 1; ; attempt++) {
      const r = this.next(t);
      const timedOut = r.status === null || this.behaviour.latencyMs >= hook.timeoutMs;
      t += timedOut ? hook.timeoutMs : this.behaviour.latencyMs;
      const status = timedOut ? null : (r.status as number);
      if (status !== null && status >= 200 && status <= 202) return { result: { ok: true }, attempts: attempt, status };
      const retryable = status === null || status === 429 || (status >= 500 && status !== 501);
      if (!retryable) return { result: { ok: false, error: r.body }, attempts: attempt, status };
      if (attempt > hook.retries) {
        const why =
          status === null
            ? `: Post "${hook.url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`
            : status === 429
              ? ''
              : `: unexpected HTTP status ${status} ${STATUS_TEXT[status] ?? ''}`.trimEnd();
        return { result: { ok: false, error: giveUp(attempt, why) }, attempts: attempt, status };
      }
      t += Math.min(30_000, 1000 * 2 ** (attempt - 1));
    }
  }
}
