// A counting TCP relay on 127.0.0.1: the client connects here instead of to Dovecot, TLS passes through
// untouched (the certificate names 127.0.0.1), and we count the bytes each way on the wire and the client's
// "flights" (a client send that follows server data: one per round trip, TLS handshake included).
import net from 'node:net';

export async function startProxy(targetPort, targetHost = '127.0.0.1') {
  const stats = { rxBytes: 0, txBytes: 0, flights: 0, connections: 0 };
  const sockets = new Set();
  const server = net.createServer((client) => {
    stats.connections++;
    let last = 'server';
    const upstream = net.connect({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (d) => {
      stats.txBytes += d.length;
      if (last === 'server') stats.flights++;
      last = 'client';
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      stats.rxBytes += d.length;
      last = 'server';
      client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    stats,
    reset() {
      Object.assign(stats, { rxBytes: 0, txBytes: 0, flights: 0, connections: 0 });
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
