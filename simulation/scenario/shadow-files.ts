/**
 * Which files a scenario's shadow judges read (spec.shadowJudges[].argo.template,
 * .kayenta.config), without loading them: small, so the app's export of an
 * exercise can carry them (renderer/views/gameday/scenario-text.ts).
 */

/** Whether a template or config string is the document itself rather than a file path: several lines, or JSON. */
export function isInlineSource(s: string): boolean {
  return s.includes('\n') || /^\s*[{[]/.test(s);
}

/** The files a scenario's shadow judges read (paths as written, relative to the scenario), for hosts that carry a scenario's files. */
export function shadowJudgeFiles(shadowJudges: unknown): string[] {
  if (!Array.isArray(shadowJudges)) return [];
  const out: string[] = [];
  for (const j of shadowJudges) {
    if (j === null || typeof j !== 'object') continue;
    const o = j as { argo?: { template?: unknown }; kayenta?: { config?: unknown } };
    for (const s of [o.argo?.template, o.kayenta?.config]) if (typeof s === 'string' && s !== '' && !isInlineSource(s)) out.push(s);
  }
  return out;
}
