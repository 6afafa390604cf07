/**
 * A text/event-stream parser for bodies read with fetch() (the WHATWG rules this page needs):
 * lines end in CRLF, LF or CR, also when a CRLF is split across chunks; `:` starts a comment;
 * `data:` lines join with "\n"; a blank line ends an event. The id of the last dispatched event
 * is what a reconnect sends as Last-Event-ID, so an id whose event never completed is not used.
 */
export function createSseParser(initialEventId, onEvent) {
  let pending = '';
  let data = [];
  let type = '';
  let idBuffer = initialEventId;
  let lastEventId = initialEventId;

  const dispatch = () => {
    lastEventId = idBuffer;
    // An event with a name but no data (e.g. a bare `event: reset`) still means something here.
    if (data.length > 0 || type) onEvent({ type: type || 'message', data: data.join('\n'), id: lastEventId });
    data = [];
    type = '';
  };

  const line = (text) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') type = value;
    else if (field === 'id' && !value.includes('\0')) idBuffer = value;
  };

  return {
    push(chunk) {
      pending += chunk;
      let start = 0;
      for (const match of pending.matchAll(/\r\n|\r|\n/g)) {
        // A CR that ends the chunk may be the first half of a CRLF: wait for the next chunk.
        if (match[0] === '\r' && match.index === pending.length - 1) break;
        line(pending.slice(start, match.index));
        start = match.index + match[0].length;
      }
      pending = pending.slice(start);
    },
    lastEventId: () => lastEventId,
  };
}
