import seedrandom from 'seedrandom';

/**
 * The baseline: the same M/M/c model as a bare typed-array event loop, with
 * no kernel, no handler dispatch, no model objects and no statistics beyond
 * the mean wait. Same random generator (seedrandom Alea), same event count
 * (one arrival and one completion per request).
 */
export function bareMmc(lambda: number, mu: number, c: number, requests: number, seed: number): { events: number; wallMs: number; meanWait: number } {
  const arrivalsRng = seedrandom.alea(`${seed}/bare/arrivals`);
  const serviceRng = seedrandom.alea(`${seed}/bare/service`);
  let cap = 1024;
  let times = new Float64Array(cap);
  let seqs = new Float64Array(cap);
  let kinds = new Int32Array(cap);
  let size = 0;
  let seqNext = 0;
  const push = (t: number, k: number) => {
    if (size === cap) {
      cap *= 2;
      const t2 = new Float64Array(cap);
      t2.set(times);
      times = t2;
      const s2 = new Float64Array(cap);
      s2.set(seqs);
      seqs = s2;
      const k2 = new Int32Array(cap);
      k2.set(kinds);
      kinds = k2;
    }
    const s = seqNext++;
    let i = size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (times[p] < t || (times[p] === t && seqs[p] < s)) break;
      times[i] = times[p];
      seqs[i] = seqs[p];
      kinds[i] = kinds[p];
      i = p;
    }
    times[i] = t;
    seqs[i] = s;
    kinds[i] = k;
  };
  // FIFO of waiting arrival times.
  let qcap = 1024;
  let queue = new Float64Array(qcap);
  let qHead = 0;
  let qLen = 0;
  let busy = 0;
  let waitSum = 0;
  let started = 0;
  let generated = 0;
  let events = 0;
  const t0 = performance.now();
  push(-Math.log(1 - arrivalsRng()) / lambda, 0);
  generated++;
  while (size > 0) {
    // pop
    const now = times[0];
    const kind = kinds[0];
    const last = --size;
    if (last > 0) {
      const lt = times[last];
      const ls = seqs[last];
      const lk = kinds[last];
      let i = 0;
      const half = last >> 1;
      while (i < half) {
        let ch = 2 * i + 1;
        const r = ch + 1;
        if (r < last && (times[r] < times[ch] || (times[r] === times[ch] && seqs[r] < seqs[ch]))) ch = r;
        if (lt < times[ch] || (lt === times[ch] && ls < seqs[ch])) break;
        times[i] = times[ch];
        seqs[i] = seqs[ch];
        kinds[i] = kinds[ch];
        i = ch;
      }
      times[i] = lt;
      seqs[i] = ls;
      kinds[i] = lk;
    }
    events++;
    if (kind === 0) {
      if (generated < requests) {
        push(now - Math.log(1 - arrivalsRng()) / lambda, 0);
        generated++;
      }
      if (busy < c) {
        busy++;
        started++;
        push(now - Math.log(1 - serviceRng()) / mu, 1);
      } else {
        if (qLen === qcap) {
          const bigger = new Float64Array(qcap * 2);
          for (let k = 0; k < qLen; k++) bigger[k] = queue[(qHead + k) % qcap];
          queue = bigger;
          qHead = 0;
          qcap *= 2;
        }
        queue[(qHead + qLen) % qcap] = now;
        qLen++;
      }
    } else {
      busy--;
      if (qLen > 0) {
        const arrived = queue[qHead];
        qHead = (qHead + 1) % qcap;
        qLen--;
        waitSum += now - arrived;
        busy++;
        started++;
        push(now - Math.log(1 - serviceRng()) / mu, 1);
      }
    }
  }
  return { events, wallMs: performance.now() - t0, meanWait: waitSum / started };
}
