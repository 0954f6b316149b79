/**
 * A unified diff of two texts (as `diff -u` and git print it): the changed
 * lines with `context` lines around, in hunks with @@ headers. Lines are
 * matched by a longest common subsequence over the part between the common
 * prefix and suffix, which for an edit of a few values is a few lines.
 */
export function unifiedDiff(file: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  // Drop the empty string after a final newline; note a missing one as diff does.
  const finalA = before.endsWith('\n');
  const finalB = after.endsWith('\n');
  if (finalA) a.pop();
  if (finalB) b.pop();
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const ma = a.slice(pre, a.length - suf);
  const mb = b.slice(pre, b.length - suf);
  // LCS table over the middle.
  const n = ma.length;
  const m = mb.length;
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = ma[i] === mb[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  type Op = { kind: ' ' | '-' | '+'; text: string; ai: number; bi: number };
  const ops: Op[] = [];
  for (let i = 0; i < pre; i++) ops.push({ kind: ' ', text: a[i], ai: i, bi: i });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && ma[i] === mb[j]) {
      ops.push({ kind: ' ', text: ma[i], ai: pre + i, bi: pre + j });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      ops.push({ kind: '+', text: mb[j], ai: pre + i, bi: pre + j });
      j++;
    } else {
      ops.push({ kind: '-', text: ma[i], ai: pre + i, bi: pre + j });
      i++;
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ kind: ' ', text: a[a.length - suf + k], ai: a.length - suf + k, bi: b.length - suf + k });
  // Hunks: runs of changes with their context, merged when the context would overlap.
  const out = [`--- a/${file}`, `+++ b/${file}`];
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k].kind === ' ') k++;
    if (k >= ops.length) break;
    const start = Math.max(0, k - context);
    let end = k;
    for (;;) {
      while (end < ops.length && ops[end].kind !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next].kind === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    const aStart = aCount === 0 ? hunk[0].ai : hunk.find((o) => o.kind !== '+')!.ai + 1;
    const bStart = bCount === 0 ? hunk[0].bi : hunk.find((o) => o.kind !== '-')!.bi + 1;
    out.push(`@@ -${aStart}${aCount === 1 ? '' : `,${aCount}`} +${bStart}${bCount === 1 ? '' : `,${bCount}`} @@`);
    for (const o of hunk) {
      out.push(`${o.kind}${o.text}`);
      const lastA = o.kind !== '+' && o.ai === a.length - 1;
      const lastB = o.kind !== '-' && o.bi === b.length - 1;
      if ((o.kind === ' ' && lastA && !finalA && lastB && !finalB) || (o.kind === '-' && lastA && !finalA) || (o.kind === '+' && lastB && !finalB)) out.push('\\ No newline at end of file');
    }
    k = stop;
  }
  return `${out.join('\n')}\n`;
}
