import { expect, it } from 'vitest';
import { call } from './apiClient.js';
import { ROUTES } from './hostileInputArbitraries.js';
import type { HostileContext } from './hostileInputContext.js';

const MiB = 1024 * 1024;

/** Transport limits: body size (413) and content type (415). */
export const limitScenarios = (context: () => HostileContext): void => {
  it('a 2 MiB body is 413, with Content-Length, without it, and streamed in chunks', async () => {
    const { app, orderId } = context();
    const big = `{"padding":"${'x'.repeat(2 * MiB)}"}`;
    const declared = await call(app, 'POST', '/v1/orders', {
      body: big,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(big.length) },
    });
    expect(declared.status).toBe(413);
    const undeclared = await call(app, 'POST', '/v1/orders', {
      body: big,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(undeclared.status).toBe(413);
    const lying = await call(app, 'POST', `/v1/orders/${orderId}/cancel`, {
      body: big,
      headers: { 'Content-Type': 'application/json', 'Content-Length': '10' },
    });
    expect(lying.status).toBe(413);

    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    // An endless upload: the server drains a little past the limit (so the 413 reaches the client), then stops.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const chunked = await app.request(
      new Request('http://localhost/v1/orders', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { code: string }).code).toBe('payload-too-large');
    expect(sent).toBeLessThan(5 * MiB);

    const webhook = await call(app, 'POST', '/v1/webhooks/shopify', {
      body: big,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(webhook.status).toBe(413);
  });

  it('a wrong content type is 415 on every body-taking route', async () => {
    const { app, orderId, lineId } = context();
    for (const [method, path] of ROUTES.filter(
      ([method]) => method !== 'GET' && method !== 'DELETE',
    )) {
      const target = path(orderId, lineId);
      if (target.includes('webhooks')) continue;
      for (const contentType of [
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
      ]) {
        const response = await call(app, method, target, {
          body: '{"reason":"x"}',
          headers: { 'Content-Type': contentType },
        });
        expect(response.status, `${method} ${target} ${contentType}`).toBe(415);
        expect(response.json.code).toBe('unsupported-media-type');
      }
    }
    const noType = await call(app, 'POST', `/v1/orders/${orderId}/cancel`, {
      body: new TextEncoder().encode('{"reason":"x"}'),
    });
    expect(noType.status).toBe(415);
  });
};
