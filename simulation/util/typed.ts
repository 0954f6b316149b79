/** Typed-array growth: a copy of `a` with length `n` (n >= a.length). */
type Growable = Float64Array | Int32Array | Int8Array;

export function grown<T extends Growable>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
