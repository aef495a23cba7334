import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { createInMemoryOrderStore } from '@oms/domain/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './createApp.js';
import { type Listening, listen } from './testing/listen.js';

const MiB = 1024 * 1024;

/** Every log line the app writes, parsed. */
const captureLogs = () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
};

/** Opens a raw TCP connection, sends `head` (and whatever else), and resolves when the server closes it. */
const rawConnection = (url: string) => {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  return { socket, closed };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the API on a real HTTP server, against clients that misbehave', () => {
  let server: Listening;
  const logs = captureLogs();
  beforeAll(async () => {
    server = await listen(createApp(createInMemoryOrderStore(), { logger: logs.logger }), {
      headersTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('a 2 MiB body gets 413 every time, even while the client is still sending it', async () => {
    const big = new Uint8Array(2 * MiB).fill(0x20);
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      try {
        const response = await fetch(`${server.url}/v1/orders`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: big,
        });
        const { code } = (await response.json()) as { code: string };
        outcomes.push(`${response.status} ${code} ${response.headers.get('Connection')}`);
      } catch (error) {
        outcomes.push(`fetch failed: ${String((error as Error).cause ?? error)}`);
      }
    }
    expect(outcomes).toEqual(Array(6).fill('413 payload-too-large close'));
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('hostile nested JSON never stalls other requests: /health answers while three are in flight', async () => {
    const depth = MiB / 2;
    const hostile = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    // What one hostile body would cost the event loop if it were parsed: the yardstick for /health's latency.
    const parseStarted = performance.now();
    try {
      JSON.parse(hostile);
    } catch {
      // a stack overflow is as expensive
    }
    const parseCost = performance.now() - parseStarted;

    const inFlight = Array.from({ length: 3 }, () =>
      fetch(`${server.url}/v1/orders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: hostile,
      }),
    );
    await sleep(20);
    const healthStarted = performance.now();
    const health = await fetch(`${server.url}/health`);
    const healthLatency = performance.now() - healthStarted;
    expect(health.status).toBe(200);
    const answers = await Promise.all(inFlight);
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { code: string }).code).toBe('malformed-json');
    }
    expect(healthLatency).toBeLessThan(parseCost);
  });

  it('a client that disconnects mid-body is a client abort (499), not a server error', async () => {
    const { socket, closed } = rawConnection(server.url);
    socket.write(
      'POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"customer":',
    );
    await sleep(100);
    socket.destroy();
    await closed;
    await sleep(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/v1\/orders"[^}]*status="499"\} 1/,
    );
    expect(metrics).not.toMatch(/status="500"/);
    expect(logs.lines.filter((line) => line.msg === 'unhandled error')).toEqual([]);
    expect(logs.lines.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  it('a body sent too slowly is cut at the request timeout (408), the connection closed', async () => {
    const { socket, closed } = rawConnection(server.url);
    const started = performance.now();
    socket.write(
      'POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const drip = setInterval(() => socket.write(' '), 200);
    const received = await Promise.race([closed, sleep(15_000).then(() => 'still open')]);
    clearInterval(drip);
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it('headers sent too slowly are cut at the headers timeout', async () => {
    const { socket, closed } = rawConnection(server.url);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
    const received = await Promise.race([closed, sleep(15_000).then(() => 'still open')]);
    clearInterval(drip);
    socket.destroy();
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  }, 20_000);
});
