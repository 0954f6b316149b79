/** Marks a text's last line when the text does not end in a newline (no line of a text holds it). */
const NO_EOL = '\u0000';

function lines(text: string): string[] {
  if (text === '') return [];
  const ls = text.split('\n');
  if (text.endsWith('\n')) ls.pop();
  else ls[ls.length - 1] += NO_EOL;
  return ls;
}

/**
 * A unified diff of two texts (as `diff -u` and git print it): the changed
 * lines with `context` lines around, in hunks with @@ headers. Lines are
 * matched by a longest common subsequence over the part between the common
 * prefix and suffix, which for an edit of a few values is a few lines.
 */
export function unifiedDiff(file: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const a = lines(before);
  const b = lines(after);
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
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      // Removals before additions, as diff prints a changed line.
      ops.push({ kind: '-', text: ma[i], ai: pre + i, bi: pre + j });
      i++;
    } else {
      ops.push({ kind: '+', text: mb[j], ai: pre + i, bi: pre + j });
      j++;
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ kind: ' ', text: a[a.length - suf + k], ai: a.length - suf + k, bi: b.length - suf + k });
  // Hunks: runs of changes with their context, merged when the context would overlap.
  const name = file.replace(/^\/+/, '');
  const out = [`--- a/${name}`, `+++ b/${name}`];
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
      // A last line without a newline differs from the same text with one, and says so, as diff does.
      if (o.text.endsWith(NO_EOL)) out.push(`${o.kind}${o.text.slice(0, -1)}`, '\\ No newline at end of file');
      else out.push(`${o.kind}${o.text}`);
    }
    k = stop;
  }
  return `${out.join('\n')}\n`;
}
