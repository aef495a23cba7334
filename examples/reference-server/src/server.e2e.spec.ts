import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@oms/adapters-pg';
import { orderFixtures } from '@oms/domain/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SERVER_CLI,
  SERVER_MAIN,
  type ServerProcess,
  startServerProcess,
  stopServerProcess,
} from './testing/serverProcess.js';

const main = SERVER_MAIN;
const cli = SERVER_CLI;
const dataDir = mkdtempSync(join(tmpdir(), 'oms-server-e2e-'));
// Our own folder: the postgres user that runs the embedded server (as root) must be able to enter it.
chmodSync(dataDir, 0o755);

const startServer = (port: number) => startServerProcess(port, dataDir);
const stop = stopServerProcess;

let running: ServerProcess | undefined;
let createdOrderId = '';
afterAll(async () => {
  if (running && running.child.exitCode === null) await stop(running);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the reference server process', () => {
  it('refuses a bad configuration with one line naming the variable', () => {
    const result = spawnSync(process.execPath, [main], {
      env: { ...process.env, PORT: 'eighty', OMS_DATA_DIR: dataDir },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^invalid configuration: PORT: /);
  });

  it('runs the seed example on the embedded database, stops on SIGTERM with 0, and keeps the order across a restart', async () => {
    const port = await findFreePort();
    running = await startServer(port);
    expect(running.output()).toMatch(/embedded PostgreSQL/);
    expect(running.output()).toMatch(/KAFKA_BROKERS is not set/);

    const created = await fetch(`${running.url}/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orderFixtures.seedCreateOrderBody()),
    });
    expect(created.status).toBe(201);
    const order = (await created.json()) as {
      id: string;
      status: string;
      orderTotal: { amount: string };
    };
    expect(order.status).toBe('DRAFT');
    expect(order.orderTotal.amount).toBe('59.98');
    expect(created.headers.get('location')).toBe(`/v1/orders/${order.id}`);
    createdOrderId = order.id;

    const confirmed = await fetch(`${running.url}/v1/orders/${order.id}/confirm`, {
      method: 'POST',
    });
    expect(confirmed.status).toBe(200);
    expect(((await confirmed.json()) as { status: string }).status).toBe('CONFIRMED');

    const asyncApi = await fetch(`${running.url}/asyncapi.json`);
    expect(((await asyncApi.json()) as { asyncapi: string }).asyncapi).toBe('3.0.0');

    expect(await stop(running)).toBe(0);

    running = await startServer(port);
    const again = await fetch(`${running.url}/v1/orders/${order.id}`);
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).toBe('"2"');
    expect(((await again.json()) as { status: string }).status).toBe('CONFIRMED');
    expect(await stop(running)).toBe(0);
  });

  it('starts again after being killed outright (SIGKILL), on the embedded database it left running', async () => {
    const port = await findFreePort();
    const killed = await startServer(port);
    killed.child.kill('SIGKILL');
    await killed.exited;
    running = await startServer(port);
    const order = await fetch(`${running.url}/v1/orders/${createdOrderId}`);
    expect(order.status).toBe(200);
    expect(((await order.json()) as { status: string }).status).toBe('CONFIRMED');
    expect(await stop(running)).toBe(0);
  });

  it('replays an order as JSON lines with the operators CLI and rebuilds the read models', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, OMS_DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    const list = spawnSync(process.execPath, [cli, 'rebuild'], { env, encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({ orders: 1 });
    const replay = spawnSync(process.execPath, [cli, 'replay', createdOrderId], {
      env,
      encoding: 'utf8',
    });
    expect(replay.status, replay.stderr).toBe(0);
    const lines = replay.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.type ?? 'state')).toEqual([
      'order.created',
      'order.confirmed',
      'state',
    ]);
    expect(lines.at(-1)).toEqual({ state: { status: 'CONFIRMED', version: 2 } });
    const status = spawnSync(process.execPath, [cli, 'relay-status'], { env, encoding: 'utf8' });
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout.trim())).toMatchObject({ checkpoint: 0, lagEvents: 2 });
    // the parked-event commands answer on a database with nothing parked
    const relay = (...args: string[]) =>
      spawnSync(process.execPath, [cli, 'relay', ...args], { env, encoding: 'utf8' });
    const parked = relay('parked');
    expect(parked.status, parked.stderr).toBe(0);
    expect(parked.stdout.trim()).toBe('');
    const retry = relay('retry', '1');
    expect(retry.status).toBe(1);
    expect(retry.stderr).toContain('no open parked event with id 1');
    expect(relay('skip').status).toBe(2);

    // an order command through the same write path as the API, under a key (source `cli`): run once, replayed
    const command = () =>
      spawnSync(
        process.execPath,
        [
          cli,
          'command',
          'CancelOrder',
          '--order',
          createdOrderId,
          '--input',
          '{"reason":"ops"}',
          '--key',
          'c-1',
        ],
        { env, encoding: 'utf8' },
      );
    const first = command();
    expect(first.status, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout.trim())).toMatchObject({
      order: { status: 'CANCELLED', version: 3, cancellationReason: 'ops' },
      replayed: false,
    });
    const again = command();
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.trim())).toMatchObject({ version: 3, replayed: true });
  });
});
