import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInMemoryOrderStore } from '@oms/domain/testing';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../createApp.js';

const require = createRequire(import.meta.url);
const REDOCLY = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'oms-redocly-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('/openapi.json under Redocly', () => {
  it('passes @redocly/cli lint with the recommended ruleset (no errors)', async () => {
    const app = createApp(createInMemoryOrderStore(), { logger: pino({ level: 'silent' }) });
    const file = join(dir, 'openapi.json');
    writeFileSync(file, await (await app.request('/openapi.json')).text());
    const lint = spawnSync(
      process.execPath,
      [REDOCLY, 'lint', '--extends=recommended', '--format=stylish', file],
      {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    );
    expect(lint.status, `${lint.stdout}\n${lint.stderr}`).toBe(0);
    expect(`${lint.stdout}${lint.stderr}`).not.toMatch(/\berror\b/i);
  }, 150_000);
});
