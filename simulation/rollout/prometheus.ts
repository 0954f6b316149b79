import { type ApiResponse, instantQuery } from '../promql/engine';
import type { SeriesStore } from '../telemetry/tsdb';
import type { ProviderResult } from './types';
import { parseGoFloat } from '../util/go-float';

/**
 * Flagger's Prometheus provider (flagger.md §8.2) over the simulated
 * Prometheus: the query goes to our PromQL evaluator at the tick's time, and
 * the answer is read as Flagger reads `/api/v1/query`:
 *
 * - an error answer is an HTTP error: Prometheus sends 400 for a bad query
 *   and 422 for an evaluation error, and Flagger reports
 *   `error response: Status {code} {text}: {body}`;
 * - the value of the last element of the result vector wins;
 * - a range-vector answer is `query returned multiple values`;
 * - an empty vector, or NaN, is `no values found`; ±Inf is a value.
 *
 * A scalar or string answer has no list of elements, and Flagger's JSON
 * decoding rejects it; the message here is the simulator's wording of that.
 */
export function queryPrometheus(store: SeriesStore, query: string, timeMs: number): ProviderResult {
  return readAnswer(instantQuery(store, query, timeMs));
}

export const NO_VALUES_FOUND = 'no values found';

export function readAnswer(r: ApiResponse): ProviderResult {
  if (r.status === 'error') {
    const [code, text] = r.errorType === 'bad_data' ? [400, 'Bad Request'] : [422, 'Unprocessable Entity'];
    return { ok: false, noValues: false, error: `error response: Status ${code} ${text}: ${JSON.stringify(r)}` };
  }
  const data = r.data;
  if (data.resultType === 'matrix') return { ok: false, noValues: false, error: 'query returned multiple values' };
  if (data.resultType !== 'vector') {
    return { ok: false, noValues: false, error: `error unmarshaling result: the query returned a ${data.resultType}, not an instant vector (wrap it in vector(…))` };
  }
  const last = data.result.at(-1);
  if (!last) return { ok: false, noValues: true, error: NO_VALUES_FOUND };
  const text = last.value[1];
  const v = parseGoFloat(text);
  // Flagger parses the value with strconv.ParseFloat and returns its error.
  if (v === null) return { ok: false, noValues: false, error: `strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax` };
  if (Number.isNaN(v)) return { ok: false, noValues: true, error: NO_VALUES_FOUND };
  return { ok: true, value: v };
}
