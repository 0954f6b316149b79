import type { ConfigurationResult, ExampleRun, SweepResult } from '../../../simulation/sweep/aggregate';
import { useApp } from '../../app-context';
import { clock } from '../../format';
import { replayTitle } from './results';

/**
 * One configuration up close: its values, what happened in each situation
 * (promoted, rolled back, undecided, median detection), and example runs —
 * the first false abort, missed regression, caught regression and healthy
 * promotion of each situation — each opening in the run view exactly as the
 * sweep ran it. A replayed situation's runs are dry runs over a recording,
 * not simulations: they are marked as replays and have nothing to open.
 */

const KIND_LABEL: Record<ExampleRun['kind'], string> = {
  'false-abort': 'false abort',
  missed: 'missed regression',
  caught: 'caught regression',
  promoted: 'healthy promotion',
};

export function DrillDown({ result, configuration }: { result: SweepResult; configuration: ConfigurationResult }) {
  const openSweepRun = useApp((s) => s.openSweepRun);
  const busy = useApp((s) => s.busy);
  const s = result.sweep;
  return (
    <section className="panel drill" data-testid="drill-down" aria-label="the selected configuration">
      <h2>Configuration</h2>
      <p className="drill-title" data-testid="drill-title">
        <strong>{configuration.label}</strong>
        {configuration.frontier ? <span className="tag"> ◆ frontier</span> : null}
        {result.recommendation.configuration === configuration.index ? <span className="tag ok"> ★ recommended</span> : null}
      </p>
      <table className="situations" data-testid="drill-situations">
        <thead>
          <tr>
            <th scope="col">situation</th>
            <th scope="col">weight</th>
            <th scope="col">promoted</th>
            <th scope="col">rolled back</th>
            <th scope="col">undecided</th>
            <th scope="col">detection p50</th>
          </tr>
        </thead>
        <tbody>
          {configuration.situations.map((x) => {
            const sit = s.situations[x.situation];
            // The outcome that is wrong for the situation: a rollback of a healthy canary, a promotion of a regression.
            const wrong = sit.healthy ? x.rolledBack : x.promoted;
            return (
              <tr key={x.situation} className={wrong > 0 ? 'has-wrong' : ''}>
                <th scope="row">
                  {sit.name}
                  {sit.replay ? (
                    <span className="tag" data-testid="replayed" title={replayTitle(sit.replay)}>
                      {' '}
                      replayed
                    </span>
                  ) : null}
                </th>
                <td>{+sit.weight.toFixed(4)}</td>
                <td className={!sit.healthy && x.promoted > 0 ? 'bad' : ''}>{x.promoted}</td>
                <td className={sit.healthy && x.rolledBack > 0 ? 'bad' : ''}>{x.rolledBack}</td>
                <td>{x.undecided}</td>
                <td>{x.detectionMedian === null ? '—' : clock(x.detectionMedian)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>Example runs</h2>
      {configuration.examples.length === 0 ? <p className="muted">No run was decided.</p> : null}
      <ul className="examples" data-testid="examples">
        {configuration.examples.map((e) => {
          const sit = s.situations[e.situation];
          return (
            <li key={e.u} data-testid="example" data-kind={e.kind}>
              <span className={`kind kind-${e.kind}`}>{KIND_LABEL[e.kind]}</span> <span>{sit.name}</span> <span className="muted">seed {e.seed}</span>{' '}
              {sit.replay ? (
                <span className="muted" data-testid="example-replayed" title={replayTitle(sit.replay)}>
                  a replay: dry run over the recording, no simulation to open (gameday replay shows it)
                </span>
              ) : (
                <button type="button" data-testid="open-example" disabled={busy} onClick={() => void openSweepRun(e.u)} title="Open this run in the run view, as the sweep ran it" aria-label={`open the ${KIND_LABEL[e.kind]} (${sit.name}, seed ${e.seed}) in the run view`}>
                  Open ▸
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
