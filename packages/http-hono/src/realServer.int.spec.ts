import { request as httpRequest } from 'node:http';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './createApp.js';
import { type Listening, listen } from './testing/listen.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw node:http request, so that chunked uploads and early answers behave as on the wire. */
const send = (
  url: string,
  path: string,
  headers: Record<string, string>,
  write: (chunk: (data: Buffer | string) => boolean) => Promise<void>,
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    // The server may answer 413 and stop reading before the upload ends: a broken pipe then is expected.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    write((data) => req.write(data))
      .then(() => req.end())
      .catch(() => undefined);
  });

describe('the API on a real HTTP server', () => {
  let server: Listening;
  beforeAll(async () => {
    server = await listen(
      createApp(createInMemoryOrderStore(), { logger: pino({ level: 'silent' }) }),
    );
  });
  afterAll(async () => {
    await server.close();
  });

  it('the seed example over the wire', async () => {
    const body = JSON.stringify(orderFixtures.seedCreateOrderBody());
    const answer = await send(
      server.url,
      '/v1/orders',
      { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
      async (write) => {
        write(body);
      },
    );
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body).orderTotal.amount).toBe('59.98');
    expect(answer.headers['x-request-id']).toBeTruthy();
  });

  it('2 MiB bodies are 413 with Content-Length and chunked, and the server keeps serving', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const declared = await send(
      server.url,
      '/v1/orders',
      { 'Content-Type': 'application/json', 'Content-Length': String(2 * 1024 * 1024) },
      async (write) => {
        for (let sent = 0; sent < 2 * 1024 * 1024; sent += chunk.length) {
          write(chunk);
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    );
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).code).toBe('payload-too-large');

    const chunked = await send(
      server.url,
      '/v1/orders',
      { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      async (write) => {
        for (let sent = 0; sent < 2 * 1024 * 1024; sent += chunk.length) {
          write(chunk);
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
    );
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).code).toBe('payload-too-large');

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
  });
});
