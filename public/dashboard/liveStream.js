import { describeFailure, isAbort } from './api.js';
import { createSseParser } from './sse.js';

const reconnectDelayMs = 3000;
const busyRetryMs = 30_000;
// The server sends a comment every 15 s; this much silence means the connection died unnoticed.
const silenceLimitMs = 45_000;

const retryAfterMs = (response) => {
  const seconds = Number(response.headers.get('Retry-After'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : busyRetryMs;
};

/**
 * One live stream of a bucket's points for the whole page (api.md §10), read with fetch()
 * because EventSource cannot send the key in a header and keys in URLs are refused.
 * Reconnects after a drop with Last-Event-ID so missed points are replayed.
 * onStatus(state, text): state is connecting, connected, reconnecting or unavailable.
 */
export function openLiveStream({ bucketId, key, onPoint, onReset, onStatus }) {
  let closed = false;
  let connection = null;
  let retryTimer = 0;
  let lastEventId = '';
  let reconnecting = false;

  const later = (ms) => {
    reconnecting = true;
    retryTimer = setTimeout(connect, ms);
  };

  const handle = (event) => {
    lastEventId = event.id;
    if (event.type === 'reset') return onReset();
    if (event.type !== 'point') return;
    let point;
    try {
      point = JSON.parse(event.data);
    } catch {
      return;
    }
    if (point && typeof point === 'object') onPoint(point);
  };

  async function read(body, controller) {
    const parser = createSseParser(lastEventId, handle);
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let silence = setTimeout(() => controller.abort(), silenceLimitMs);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(silence);
        silence = setTimeout(() => controller.abort(), silenceLimitMs);
        parser.push(value);
      }
    } finally {
      clearTimeout(silence);
    }
  }

  async function refused(response) {
    const reason = await describeFailure(response);
    if (closed) return;
    onStatus('unavailable', `live updates unavailable: ${reason} (${response.status})`);
    // Busy or failing servers may take the stream later; 404 (no stream here), 401 and 403 will not.
    if (response.status === 429) later(retryAfterMs(response));
    else if (response.status >= 500) later(reconnectDelayMs);
  }

  async function connect() {
    if (closed) return;
    const controller = new AbortController();
    connection = controller;
    onStatus(reconnecting ? 'reconnecting' : 'connecting', 'live updates: connecting…');
    const headers = { 'X-API-Key': key, Accept: 'text/event-stream' };
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    try {
      const response = await fetch(`/api/buckets/${encodeURIComponent(bucketId)}/stream`, {
        headers,
        cache: 'no-store',
        signal: controller.signal,
      });
      if (!response.ok || !response.body) return await refused(response);
      onStatus('connected', 'live');
      // Without an event id the server cannot replay what the drop missed: reload instead.
      if (reconnecting && !lastEventId) onReset();
      await read(response.body, controller);
    } catch (error) {
      if (closed || !(isAbort(error) || error instanceof TypeError)) {
        if (!closed) onStatus('unavailable', `live updates stopped: ${error.message}`);
        return;
      }
    }
    if (closed) return;
    onStatus('reconnecting', 'live updates interrupted: reconnecting…');
    later(reconnectDelayMs);
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(retryTimer);
      connection?.abort();
    },
  };
}
