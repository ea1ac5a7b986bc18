// A scripted TCP server on 127.0.0.1 (port 0) for failure tests: greet, answer, stall or talk nonsense.
import net from 'node:net';

export interface FakeServer {
  port: number;
  /** Lines received from clients. */
  received: string[];
  close(): Promise<void>;
}

/**
 * `onConnect(socket)` runs for each client; `onLine(line, socket)` for every CRLF line it sends.
 * Sockets are destroyed on close(), so a stalled conversation never keeps the test alive.
 */
export async function fakeServer(handlers: {
  onConnect?: (s: net.Socket) => void;
  onLine?: (line: string, s: net.Socket) => void;
}): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  const received: string[] = [];
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        received.push(line);
        handlers.onLine?.(line, s);
      }
    });
    handlers.onConnect?.(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
