// The page's elements and the few ways the page talks to the reader: a message line and the live status.

const byId = (id) => document.getElementById(id);

export const el = {
  keyForm: byId('key-form'),
  keyInput: byId('key-input'),
  forget: byId('forget-key'),
  session: byId('session'),
  live: byId('live-status'),
  message: byId('message'),
  bucketPicker: byId('bucket-picker'),
  bucketSelect: byId('bucket-select'),
  controls: byId('controls'),
  rangeSelect: byId('range-select'),
  aggregationSelect: byId('aggregation-select'),
  customRange: byId('custom-range'),
  customStart: byId('custom-start'),
  customEnd: byId('custom-end'),
  charts: byId('charts'),
};

/** kind: error or info. An empty text hides the line. */
export function showMessage(text, kind = 'error') {
  el.message.textContent = text;
  el.message.dataset.kind = kind;
  el.message.hidden = !text;
}

const liveLabels = { connecting: 'connecting…', connected: 'live', reconnecting: 'reconnecting…' };

/** data-live says whether the stream is connected; the text says why not, when it is not. */
export function setLive(state, text) {
  el.live.dataset.live = state;
  el.live.textContent = liveLabels[state] ?? text;
  el.live.title = text;
  el.live.hidden = state === 'off';
}

export function showSignedIn(me) {
  el.keyForm.hidden = true;
  el.keyInput.value = '';
  el.session.textContent = `${me.type} key ${me.keyPrefix}`;
  el.session.title = `Key “${me.name}”`;
  el.session.hidden = false;
  el.forget.hidden = false;
}

export function showSignedOut() {
  el.keyForm.hidden = false;
  el.session.hidden = true;
  el.forget.hidden = true;
  el.bucketPicker.hidden = true;
  el.keyInput.focus();
}
