import { emptyColumns, numericFields, toPlotData } from './chartData.js';

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const plotHeight = () => (window.innerWidth < 600 ? 200 : 240);

const formatValue = (value) =>
  value == null ? '–' : Math.abs(value) >= 1000 ? Math.round(value).toLocaleString() : String(Number(value.toPrecision(4)));

const element = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

/**
 * A card with one uPlot chart for a data source: a series per numeric field, the x axis held
 * to the shown window (epoch seconds) rather than to the data, so "last hour" looks like an hour.
 * The card carries data-source-id, data-state (loading, ready, error) and data-query for tests.
 */
export function createChartCard(container, source) {
  const fields = numericFields(source);
  const card = element('article', 'chart');
  card.dataset.sourceId = source._id;
  card.dataset.state = 'loading';
  const heading = element('h2', '', source.name);
  const caption = element('p', 'caption', 'Loading…');
  const plotBox = element('div', 'plot');
  card.append(heading, caption, plotBox);
  container.append(card);

  let shown = { start: 0, end: 1 };
  let columns = emptyColumns(fields);
  let plot = null;
  if (fields.length > 0) {
    plot = new globalThis.uPlot(
      {
        width: Math.max(plotBox.clientWidth, 200),
        height: plotHeight(),
        scales: { x: { time: true, range: () => [shown.start, shown.end] } },
        series: [
          {},
          ...fields.map((field, i) => ({
            label: field.unit ? `${field.name} (${field.unit})` : field.name,
            stroke: palette[i % palette.length],
            width: 1.5,
            value: (_u, value) => formatValue(value),
          })),
        ],
        axes: [{}, { size: 56, values: (_u, ticks) => ticks.map(formatValue) }],
        cursor: { drag: { x: false, y: false } },
      },
      toPlotData(columns),
      plotBox,
    );
  } else {
    caption.textContent = 'No numeric fields to chart.';
  }

  // Deferred a frame: resizing inside the observer's callback would resize the observed box again.
  let frame = 0;
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      if (plot && plotBox.clientWidth > 0 && plotBox.clientWidth !== plot.width) {
        plot.setSize({ width: plotBox.clientWidth, height: plotHeight() });
      }
    });
  });
  observer.observe(plotBox);

  return {
    source,
    fields,
    plot,
    card,
    columns: () => columns,
    /** Shows `next` over the window [startMs, endMs). */
    show(next, startMs, endMs) {
      columns = next;
      shown = { start: startMs / 1000, end: endMs / 1000 };
      plot?.setData(toPlotData(columns));
    },
    setState(state, text, query) {
      card.dataset.state = state;
      if (query !== undefined) card.dataset.query = query;
      if (fields.length > 0 || state === 'error') caption.textContent = text;
      caption.classList.toggle('error', state === 'error');
    },
    destroy() {
      observer.disconnect();
      cancelAnimationFrame(frame);
      plot?.destroy();
      card.remove();
    },
  };
}
