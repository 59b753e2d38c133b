// A time-series chart drawn by uPlot (served from node_modules): x is minutes, one line per series.
// Colours come from CSS custom properties so the charts follow the light or dark theme.
import { html, useEffect, useRef } from '../html.js';
import uPlot from '/ui/vendor/uplot.js';

function cssColor(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export function Chart({ title, times, series, yLabel }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const width = () => Math.max(260, box.current.clientWidth);
    const options = {
      width: width(),
      height: 200,
      axes: [{ stroke: cssColor('--fg-muted') }, { stroke: cssColor('--fg-muted'), label: yLabel }],
      // Points stay visible: a sparse series (a few waits in an hour) would otherwise draw nothing.
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: cssColor(s.color), width: 2, points: { show: true, size: 5, fill: cssColor(s.color) } }))],
      legend: { live: true },
    };
    plot.current = new uPlot(options, [times, ...series.map((s) => s.values)], box.current);
    const resize = () => plot.current.setSize({ width: width(), height: 200 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.current.destroy();
    };
  }, [series.length]);
  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)]);
  }, [times, series]);
  return html`<figure class="chart"><figcaption>${title}</figcaption><div ref=${box} role="img" aria-label=${title}></div></figure>`;
}
