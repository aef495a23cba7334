import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { noDelaySocketFactory } from './noDelaySocketFactory.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('noDelaySocketFactory', () => {
  it('connects with Nagle off and keep-alive on, as kafkajs would connect otherwise', async () => {
    const noDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const keepAlive = vi.spyOn(net.Socket.prototype, 'setKeepAlive');
    const received: Buffer[] = [];
    const server = net.createServer((peer) => peer.on('data', (chunk) => received.push(chunk)));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as net.AddressInfo;
    try {
      const socket = await new Promise<net.Socket>((connected) => {
        const made = noDelaySocketFactory({
          host: '127.0.0.1',
          port,
          ssl: undefined as never,
          onConnect: () => connected(made),
        });
      });
      socket.write('ping');
      await vi.waitFor(() => expect(Buffer.concat(received).toString()).toBe('ping'));
      expect(noDelay).toHaveBeenCalledWith(true);
      expect(keepAlive).toHaveBeenCalledWith(true, 60_000);
      socket.destroy();
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });
});
