import { ApiError, isAbort } from './api.js';
import { columnsFrom, dropBefore, insertPoint } from './chartData.js';
import { createChartCard } from './charts.js';
import { createQueue } from './queue.js';
import { groupByFor, windowOf } from './ranges.js';

// Raw queries are newest first and capped (api.md §6): the newest this many points of a range.
const rawLimit = 5000;
// Live points on an aggregated chart re-run its query at most this often.
const refreshDelayMs = 2000;
// Tolerates a browser clock behind the server's: points stamped "now" by the server still match.
const clockSlackMs = 5 * 60_000;

const aggregationNames = { avg: 'Average', min: 'Minimum', max: 'Maximum', sum: 'Sum', count: 'Count' };
const plural = (n, word) => `${n.toLocaleString()} ${word}${n === 1 ? '' : 's'}`;

function describeAnswer(metadata, columns) {
  if (metadata.aggregation && !metadata.downsamplingApplied) {
    return `${aggregationNames[metadata.aggregation]} per ${metadata.groupBy} · ${plural(metadata.count, 'interval')}`;
  }
  if (metadata.downsamplingApplied) return `${plural(metadata.total, 'point')}, averaged per ${metadata.groupBy}`;
  if (metadata.hasMore) return `The newest ${plural(columns.xs.length, 'point')} of ${metadata.total.toLocaleString()}`;
  return plural(columns.xs.length, 'point');
}

/**
 * The charts of one bucket: one per data source, loaded for the chosen range and aggregation
 * (at most two queries at once), and kept current from live points. `registry` maps each source
 * id to its uPlot instance, for tests and the curious.
 */
export function createBoard({ api, bucketId, sources, container, registry }) {
  const queue = createQueue(2);
  const controller = new AbortController();
  let selection = { range: '1h', aggregation: 'none', custom: null };
  let loads = 0;

  const entries = new Map(
    sources.map((source) => {
      const chart = createChartCard(container, source);
      if (chart.plot) registry.set(source._id, chart.plot);
      // exact: the chart holds raw points, so a live point can be added; otherwise its query re-runs.
      return [source._id, { chart, loadId: 0, pending: null, exact: false, window: null, refreshTimer: 0 }];
    }),
  );

  async function load(entry) {
    const loadId = ++loads;
    entry.loadId = loadId;
    entry.pending = [];
    const { chart } = entry;
    const query = `${selection.range}|${selection.aggregation}`;
    const shownRange = windowOf(selection.range, selection.custom);
    entry.window = shownRange;
    chart.setState('loading', 'Loading…', query);
    const aggregated = selection.aggregation !== 'none';
    const filters = {
      startTime: new Date(shownRange.start).toISOString(),
      endTime: new Date(shownRange.live ? shownRange.end + clockSlackMs : shownRange.end).toISOString(),
    };
    const body = { bucketId, dataSourceId: chart.source._id, filters };
    if (aggregated) {
      body.aggregation = selection.aggregation;
      body.groupBy = groupByFor(shownRange.start, shownRange.end);
    } else {
      Object.assign(filters, { order: 'desc', limit: rawLimit });
    }
    try {
      const answer = chart.fields.length > 0 ? await queue(() => api.post('/api/data/query', body, controller.signal)) : null;
      if (entry.loadId !== loadId) return;
      const pending = entry.pending;
      entry.pending = null;
      if (!answer) return chart.setState('ready', '', query);
      const columns = columnsFrom(answer.data, chart.fields);
      entry.exact = !aggregated && !answer.metadata.downsamplingApplied;
      if (entry.exact) for (const point of pending) insertPoint(columns, point, chart.fields);
      else if (pending.length > 0) scheduleRefresh(entry);
      chart.show(columns, shownRange.start, Math.max(shownRange.end, (columns.xs.at(-1) ?? 0) * 1000));
      chart.setState('ready', describeAnswer(answer.metadata, columns), query);
    } catch (error) {
      if (isAbort(error) || entry.loadId !== loadId) return;
      entry.pending = null;
      // Live points now re-run the query rather than join data that may be from another range.
      entry.exact = false;
      const text = error instanceof ApiError ? error.message : `This chart could not be loaded: ${error.message}`;
      chart.setState('error', text, query);
    }
  }

  function scheduleRefresh(entry) {
    if (entry.refreshTimer) return;
    entry.refreshTimer = setTimeout(() => {
      entry.refreshTimer = 0;
      load(entry);
    }, refreshDelayMs);
  }

  function reload() {
    for (const entry of entries.values()) {
      clearTimeout(entry.refreshTimer);
      entry.refreshTimer = 0;
      load(entry);
    }
  }

  /** A streamed point: added to its chart when the chart follows now and the point is in its window. */
  function addPoint(point) {
    const entry = entries.get(point.dataSourceId);
    const time = Date.parse(point.timestamp);
    if (!entry?.window?.live || !Number.isFinite(time) || time < entry.window.start) return;
    if (entry.pending) return void entry.pending.push(point);
    if (!entry.exact) return scheduleRefresh(entry);
    const { chart } = entry;
    const columns = chart.columns();
    if (!insertPoint(columns, point, chart.fields)) return;
    const end = Math.max(Date.now(), time);
    entry.window = { ...entry.window, start: end - entry.window.span, end };
    dropBefore(columns, entry.window.start / 1000);
    chart.show(columns, entry.window.start, entry.window.end);
    chart.setState('ready', plural(columns.xs.length, 'point'));
  }

  return {
    select(next) {
      selection = next;
      reload();
    },
    reload,
    addPoint,
    destroy() {
      controller.abort();
      for (const entry of entries.values()) {
        clearTimeout(entry.refreshTimer);
        entry.chart.destroy();
      }
      registry.clear();
    },
  };
}
