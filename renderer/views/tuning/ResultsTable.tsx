import { useMemo, useState } from 'react';
import type { SweepResult } from '../../../simulation/sweep/aggregate';
import { COLUMNS, judgeColumns, nextSort, replayedSituations, type Sort, sortConfigurations } from './results';

/**
 * Every configuration with its figures (rates with their Wilson intervals),
 * the frontier marked. Headers sort (click, or Enter/Space on the focused
 * header); rows select (click, or arrow keys and Enter on the focused row),
 * the same selection the scatter shows. With `judge` (the sweep's k-th shadow
 * judge), the judge's measures on the same runs instead of Flagger's.
 */
export function ResultsTable({ result, selected, onSelect, judge = null }: { result: SweepResult; selected: number | null; onSelect: (index: number) => void; judge?: number | null }) {
  const [sort, setSort] = useState<Sort>({ key: 'configuration', descending: false });
  const columns = useMemo(() => (judge === null ? COLUMNS : judgeColumns(judge)), [judge]);
  const rows = useMemo(() => sortConfigurations(result.configurations, sort, columns), [result, sort, columns]);
  const shadow = judge === null ? null : (result.sweep.judges?.[judge] ?? null);
  const replayed = replayedSituations(result);
  const move = (from: number, by: number) => {
    const i = rows.findIndex((r) => r.index === from);
    const next = rows[Math.max(0, Math.min(rows.length - 1, i + by))];
    if (next) {
      onSelect(next.index);
      document.querySelector<HTMLElement>(`[data-testid=result-row][data-index="${next.index}"]`)?.focus();
    }
  };
  return (
    <table className="tuning-table" data-testid="tuning-table">
      <caption className="muted small" data-testid="tuning-table-caption">
        {result.configurations.length} configurations × {result.sweep.situations.length} situations × {result.sweep.seeds} seeds = {result.runs} runs
        {replayed > 0 ? ` (${replayed} situation${replayed === 1 ? '' : 's'} replayed from recordings, in dry run${shadow ? ': not judged by shadow judges' : ''})` : ''}.{' '}
        {shadow
          ? `Shadow judge ${shadow.name} (${shadow.judge}, dry run) on the same runs: false aborts are healthy canaries it would roll back, missed regressions those it would promote or not decide on before Flagger's analysis ended. ◆ and ★ are Flagger's.`
          : `◆ on the Pareto frontier of ${result.frontierMeasures.join(', ')}; ★ recommended.`}
      </caption>
      <thead>
        <tr>
          {columns.map((c) => {
            const active = sort.key === c.key;
            return (
              <th key={c.key} scope="col" aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
                <button type="button" className="sort" data-testid={`sort-${c.key}`} onClick={() => setSort(nextSort(sort, c.key))}>
                  {c.label}
                  <span className="sort-mark" aria-hidden="true">
                    {active ? (sort.descending ? ' ▼' : ' ▲') : ''}
                  </span>
                </button>
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const recommended = result.recommendation.configuration === r.index;
          return (
            <tr
              key={r.index}
              data-testid="result-row"
              data-index={r.index}
              tabIndex={0}
              aria-selected={selected === r.index}
              className={`${selected === r.index ? 'selected' : ''}${r.frontier ? ' frontier' : ''}`}
              onClick={() => onSelect(r.index)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onSelect(r.index);
                } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
                  e.preventDefault();
                  move(r.index, e.key === 'ArrowDown' ? 1 : -1);
                }
              }}
            >
              {columns.map((c) =>
                c.key === 'configuration' ? (
                  <th key={c.key} scope="row">
                    <span className="marks" aria-label={`${r.frontier ? 'on the frontier' : ''}${recommended ? ', recommended' : ''}`}>
                      {recommended ? '★' : r.frontier ? '◆' : ''}
                    </span>
                    {c.text(r)}
                  </th>
                ) : (
                  <td key={c.key} data-col={c.key}>
                    {c.text(r)}
                  </td>
                ),
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
