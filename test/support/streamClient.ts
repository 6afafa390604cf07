import { EventSource } from 'eventsource';
import { eventually } from './alertKit';

export interface ReceivedEvent {
  type: 'point' | 'reset';
  id: string;
  data: any;
}

export interface StreamClient {
  events: ReceivedEvent[];
  points: () => any[];
  /** Statuses of every HTTP response the client got: the first connection and each reconnect. */
  statuses: number[];
  /** Settles when the first response arrived (the subscription exists from then on). */
  opened: Promise<void>;
  /** Times the connection dropped (EventSource's error event), from either side. */
  drops: () => number;
  waitForPoints: (count: number, timeoutMs?: number) => Promise<any[]>;
  close: () => void;
}

/**
 * A subscriber using the npm `eventsource` client (the WHATWG EventSource, with a fetch of
 * our own to send the key in a header, as a browser page does with fetch-event-source).
 */
export function openStream(baseUrl: string, path: string, key: string, headers: Record<string, string> = {}): StreamClient {
  const events: ReceivedEvent[] = [];
  const statuses: number[] = [];
  let drops = 0;
  let markOpened: () => void;
  const opened = new Promise<void>((resolve) => (markOpened = resolve));
  const source = new EventSource(`${baseUrl}${path}`, {
    fetch: async (url, init) => {
      const response = await fetch(url, { ...init, headers: { ...init.headers, ...headers, 'X-API-Key': key } });
      statuses.push(response.status);
      markOpened();
      return response;
    },
  });
  const record = (type: ReceivedEvent['type']) => (event: MessageEvent) =>
    events.push({ type, id: event.lastEventId, data: JSON.parse(event.data as string) });
  source.addEventListener('point', record('point'));
  source.addEventListener('reset', record('reset'));
  source.addEventListener('error', () => {
    drops += 1;
  });
  const points = () => events.filter((event) => event.type === 'point').map((event) => event.data);
  return {
    events,
    points,
    statuses,
    opened,
    drops: () => drops,
    waitForPoints: (count, timeoutMs = 5000) =>
      eventually(
        async () => points(),
        (received) => received.length >= count,
        `${count} points on ${path}`,
        timeoutMs,
      ),
    close: () => source.close(),
  };
}
