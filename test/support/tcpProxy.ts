import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones: the database is "gone" for the client. */
  cut: () => Promise<void>;
  /** Accepts connections again on the same port. */
  restore: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * A loopback TCP proxy a test can cut and restore, standing between a server and its database.
 * The database is reached on a loopback TCP port, or on a Unix socket path (the embedded database).
 */
export async function startTcpProxy(target: number | string): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = typeof target === 'number' ? net.connect(target, '127.0.0.1') : net.connect(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port,
    cut: async () => {
      const closed = stopListening();
      dropAll();
      await closed;
    },
    restore: () => listen(port),
    close: async () => {
      const closed = stopListening();
      dropAll();
      await closed;
    },
  };
}
