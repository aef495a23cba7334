#!/usr/bin/env node
// `pnpm packages:check` (part of `pnpm test`, after `pnpm build`): packs every published package as it would be
// published and lints the tarball with publint (every message fails, suggestions included) and with
// @arethetypeswrong/cli (profile "strict": every subpath must resolve with types for TypeScript's node10, node16
// from CommonJS and from ESM, and bundler resolution). No rule is ignored.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packPackages, publishedPackages } from './pack-packages.mjs';

const require = createRequire(import.meta.url);
const attw = join(
  dirname(require.resolve('@arethetypeswrong/cli/package.json')),
  'dist',
  'index.js',
);
const destination = mkdtempSync(join(tmpdir(), 'oms-packages-check-'));
const failures = [];

try {
  const tarballs = packPackages(destination);
  for (const { name, manifest } of publishedPackages()) {
    const tarball = tarballs[name];
    const buffer = readFileSync(tarball);
    const { messages } = await publint({
      pack: { tarball: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length) },
      strict: true,
    });
    for (const message of messages)
      failures.push(`${name}: publint ${message.type}: ${formatMessage(message, manifest)}`);
    console.log(`${messages.length === 0 ? 'ok  ' : 'FAIL'} publint ${name}`);

    const types = spawnSync(
      process.execPath,
      [attw, tarball, '--profile', 'strict', '--format', 'ascii', '--no-color', '--no-emoji'],
      { encoding: 'utf8' },
    );
    if (types.status !== 0)
      failures.push(`${name}: @arethetypeswrong/cli:\n${types.stdout}${types.stderr}`);
    console.log(`${types.status === 0 ? 'ok  ' : 'FAIL'} attw --profile strict ${name}`);
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\n${failures.length} packaging problem(s):\n${failures.join('\n')}`);
  process.exit(1);
}
console.log('\nevery published package passes publint and attw');
