import { connect, createServer } from 'node:net';

/**
 * A plain TCP proxy on 127.0.0.1 in front of one upstream (the database). `cut()` destroys every open connection
 * and resets new ones until `restore()`: for the clients it is a database that went away, with its data kept.
 */
export const startTcpProxy = async ({ upstreamHost, upstreamPort, host = '127.0.0.1' }) => {
  const sockets = new Set();
  let isCut = false;
  let connections = 0;
  const server = createServer((client) => {
    if (isCut) {
      client.resetAndDestroy();
      return;
    }
    connections += 1;
    const upstream = connect(upstreamPort, upstreamHost);
    sockets.add(client);
    sockets.add(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  return {
    host,
    port,
    get isCut() {
      return isCut;
    },
    get connections() {
      return connections;
    },
    cut() {
      isCut = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore() {
      isCut = false;
    },
    close: () =>
      new Promise((resolve) => {
        isCut = true;
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        server.close(() => resolve());
      }),
  };
};
