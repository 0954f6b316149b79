import { useContext, useEffect, useRef } from 'react';
import { StoreContext, useApp } from '../../app-context';
import { RATE_WINDOW } from './rates';
import { TrafficScene } from './scene';
import './traffic.css';

/**
 * The traffic stream: requests flowing from each traffic stream through
 * Traefik and the Canary's TraefikService to the pods of each revision, and
 * on to the services they call. Edge width is the request rate over the last
 * 30 s of simulated time; the particles' pace and speed grow with it; 5xx
 * show as vermillion squares and as a dashed line on the edge. The drawing
 * lives in TrafficScene (d3 over SVG, a canvas for the particles): this
 * component renders the containers once and feeds the scene from the store
 * without re-rendering.
 */
export function TrafficView() {
  const store = useContext(StoreContext);
  const summary = useApp((s) => s.summary);
  const rootRef = useRef<HTMLElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const sceneRef = useRef<TrafficScene | null>(null);

  // The scene: created once, fed snapshots and theme changes straight from the store.
  useEffect(() => {
    if (!store || !rootRef.current || !stageRef.current || !svgRef.current || !canvasRef.current || !tipRef.current) return;
    const scene = new TrafficScene(rootRef.current, svgRef.current, canvasRef.current, tipRef.current);
    sceneRef.current = scene;
    const stage = stageRef.current;
    scene.resize(stage.clientWidth, stage.clientHeight);
    scene.setSnapshot(store.getState().snapshot);
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.snapshot !== prev.snapshot) scene.setSnapshot(s.snapshot);
    });
    const resize = new ResizeObserver(() => scene.resize(stage.clientWidth, stage.clientHeight));
    resize.observe(stage);
    // The theme is an attribute on <html> (App sets it after the store changes): read the colours when it changes.
    const theme = new MutationObserver(() => scene.readColors());
    theme.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    scene.start();
    return () => {
      scene.stop();
      unsubscribe();
      resize.disconnect();
      theme.disconnect();
      sceneRef.current = null;
    };
  }, [store]);

  // The graph of the open scenario: the worker compiled it with the scenario (ScenarioSummary.topology).
  useEffect(() => {
    sceneRef.current?.setTopology(summary?.topology ?? null);
  }, [summary]);

  return (
    <section className="panel traffic" data-testid="traffic-view" ref={rootRef}>
      <header className="traffic-head">
        <h2>Traffic</h2>
        <span className="traffic-legend muted small" aria-hidden="true">
          <span className="lg-ok">●</span> ok <span className="lg-bad">■</span> 5xx <span className="lg-line" /> width: req/s over the last {RATE_WINDOW} s
        </span>
      </header>
      <div className="traffic-stage" ref={stageRef}>
        <svg ref={svgRef} className="traffic-graph" role="img" aria-label="Requests flowing from the traffic streams through Traefik to the pods" />
        <canvas ref={canvasRef} className="traffic-particles" aria-hidden="true" />
        <div ref={tipRef} className="tooltip traffic-tip" hidden />
      </div>
    </section>
  );
}
