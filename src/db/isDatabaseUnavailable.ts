const unavailableErrorNames = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoPoolClosedError',
  'MongoClientClosedError',
  // A closed client ends its implicit sessions; operations in flight then report this.
  'MongoExpiredSessionError',
  // A reply cut short or garbled (seen from CongoDB while its client was closing).
  'MongoUnexpectedServerResponseError',
]);

// A bulk write reports a lost connection as its own error type, with the cause in the message.
const lostConnection = /connection pool .* was cleared|connection .* (closed|reset)|ECONNRESET|ECONNREFUSED|moreToCome/i;

/** True for errors that mean "the database cannot be reached", as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (unavailableErrorNames.has(error.name)) return true;
  if (error.name === 'MongoBulkWriteError' && lostConnection.test(error.message)) return true;
  // mongoose with bufferCommands=false refuses to queue while disconnected.
  return error.name === 'MongooseError' && /before initial connection|not connected/i.test(error.message);
}
