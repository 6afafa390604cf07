import { ApiError, createApi, isAbort } from './api.js';
import { createBoard } from './board.js';
import { forgetKey, readKey, saveKey } from './keyStore.js';
import { openLiveStream } from './liveStream.js';
import { fromLocalInput, toLocalInput, windowOf } from './ranges.js';
import { el, setLive, showMessage, showSignedIn, showSignedOut } from './view.js';

// Each chart's uPlot instance by data source id: tests read chart.data from here instead of pixels.
const charts = new Map();
window.dakkioDashboard = { charts };

let api = null;
let board = null;
let stream = null;
// Bumped whenever the key or bucket changes, so a slow answer for the previous one is dropped.
let generation = 0;
// The last preset shown, which a new custom range starts from.
let lastPreset = '1h';

function report(error) {
  if (isAbort(error)) return;
  showMessage(error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`);
}

/** Runs an async step of the page; its failure becomes a message, never an uncaught error. */
const run = (step) => {
  step().catch(report);
};

function closeBucket() {
  stream?.close();
  board?.destroy();
  stream = null;
  board = null;
  el.controls.hidden = true;
  setLive('off', '');
}

function selection() {
  const range = el.rangeSelect.value;
  const custom = { start: fromLocalInput(el.customStart.value), end: fromLocalInput(el.customEnd.value) };
  return { range, aggregation: el.aggregationSelect.value, custom };
}

function applySelection() {
  if (!board) return;
  const chosen = selection();
  if (chosen.range === 'custom' && !(chosen.custom.start < chosen.custom.end)) {
    showMessage('Choose a start and an end for the custom range, the start before the end.');
    return;
  }
  if (chosen.range !== 'custom') lastPreset = chosen.range;
  showMessage('');
  board.select(chosen);
}

async function openBucket(bucketId) {
  const current = ++generation;
  closeBucket();
  showMessage('Loading data sources…', 'info');
  const { dataSources } = await api.get(`/api/buckets/${encodeURIComponent(bucketId)}/sources`);
  if (current !== generation) return;
  if (dataSources.length === 0) {
    showMessage('This bucket has no data sources yet: create one and send points with a write key.', 'info');
    return;
  }
  showMessage('');
  el.controls.hidden = false;
  const sorted = [...dataSources].sort((a, b) => a.name.localeCompare(b.name));
  board = createBoard({ api, bucketId, sources: sorted, container: el.charts, registry: charts });
  applySelection();
  const live = board;
  stream = openLiveStream({
    bucketId,
    key: api.key,
    onPoint: (point) => live.addPoint(point),
    onReset: () => live.reload(),
    onStatus: setLive,
  });
}

async function showBuckets() {
  const current = generation;
  const { buckets } = await api.get('/api/buckets?limit=1000');
  if (current !== generation) return;
  if (buckets.length === 0) return showMessage('This organization has no buckets yet.', 'info');
  const placeholder = new Option('Choose a bucket…', '');
  const options = [...buckets].sort((a, b) => a.name.localeCompare(b.name)).map((bucket) => new Option(bucket.name, bucket._id));
  el.bucketSelect.replaceChildren(placeholder, ...options);
  el.bucketPicker.hidden = false;
  showMessage('');
}

async function openKey(key) {
  const current = ++generation;
  closeBucket();
  api = createApi(key);
  showMessage('Checking the key…', 'info');
  let me;
  try {
    ({ key: me } = await api.get('/api/keys/me'));
  } catch (error) {
    if (current !== generation) return;
    if (error instanceof ApiError && error.status === 401) {
      forgetKey();
      showSignedOut();
    }
    throw error;
  }
  if (current !== generation) return;
  saveKey(key);
  showSignedIn(me);
  if (me.type === 'admin') await showBuckets();
  else await openBucket(me.bucketId);
}

el.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = el.keyInput.value.trim();
  if (!key) return showMessage('Paste an API key first.');
  run(() => openKey(key));
});

el.forget.addEventListener('click', () => {
  generation += 1;
  forgetKey();
  closeBucket();
  api = null;
  showMessage('');
  showSignedOut();
});

el.bucketSelect.addEventListener('change', () => {
  const bucketId = el.bucketSelect.value;
  if (bucketId) run(() => openBucket(bucketId));
  else {
    generation += 1;
    closeBucket();
  }
});

el.rangeSelect.addEventListener('change', () => {
  const custom = el.rangeSelect.value === 'custom';
  el.customRange.hidden = !custom;
  if (!custom) return applySelection();
  // Start from the range shown until now, so "custom" is a small edit rather than two blank fields.
  if (!el.customStart.value || !el.customEnd.value) {
    const shown = windowOf(lastPreset, null);
    el.customStart.value = toLocalInput(shown.start);
    el.customEnd.value = toLocalInput(shown.end + 60_000);
  }
});

el.aggregationSelect.addEventListener('change', applySelection);

el.customRange.addEventListener('submit', (event) => {
  event.preventDefault();
  applySelection();
});

const stored = readKey();
if (stored) run(() => openKey(stored));
else el.keyInput.focus();
