/**
 * RFC 3339 timestamps to Unix milliseconds without the host's Date (the
 * simulation layer must not read clocks or time zones): days from the civil
 * calendar (proleptic Gregorian), then the offset.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * The civil date (proleptic Gregorian) of a day counted from 1970-01-01, the
 * inverse of daysFromCivil (Hinnant's civil_from_days); exact in float64 for
 * any day within ±2^53 / 146097 eras.
 */
export function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** Unix milliseconds of an RFC 3339 time, or null when it is not one. */
export function parseRfc3339(s: string): number | null {
  const m = RFC3339.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return null;
  const frac = m[7] ? Math.round(Number(`0${m[7]}`) * 1000) : 0;
  let offset = 0;
  if (m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    offset = sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6)));
  }
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + frac - offset * 60_000;
}

/**
 * Simulated seconds as m:ss (h:mm:ss from an hour), with tenths when not whole
 * (`tenths: false`: the whole seconds elapsed, as a running clock shows them).
 */
export function clock(t: number, o: { tenths?: boolean } = {}): string {
  const neg = t < 0;
  const a = Math.abs(t);
  const whole = Math.floor(a);
  const tenths = o.tenths === false ? 0 : Math.round((a - whole) * 10);
  const s = whole % 60;
  const m = Math.floor(whole / 60) % 60;
  const h = Math.floor(whole / 3600);
  const ss = `${s < 10 ? '0' : ''}${s}${tenths > 0 && tenths < 10 ? `.${tenths}` : ''}`;
  const body = h > 0 ? `${h}:${m < 10 ? '0' : ''}${m}:${ss}` : `${m}:${ss}`;
  return neg ? `-${body}` : body;
}
