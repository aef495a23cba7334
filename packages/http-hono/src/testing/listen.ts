import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { nodeServerOptions, type ServerTimeouts } from '../server/serverTimeouts.js';
import type { AnyApp } from './apiClient.js';

export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves an app with @hono/node-server on a random local port, with the same timeouts as the reference server. */
export const listen = (app: AnyApp, timeouts: ServerTimeouts = {}): Promise<Listening> =>
  new Promise((resolve) => {
    const server = serve(
      {
        fetch: app.fetch,
        port: 0,
        hostname: '127.0.0.1',
        serverOptions: nodeServerOptions(timeouts),
      },
      (info: AddressInfo) =>
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise<void>((done) => {
              if ('closeAllConnections' in server) server.closeAllConnections();
              server.close(() => done());
            }),
        }),
    );
  });
