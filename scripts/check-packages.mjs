#!/usr/bin/env node
// `pnpm packages:check` (part of `pnpm test`, after `pnpm build`): packs every published package as it would be
// published and lints the tarball with publint (every message fails, suggestions included) and with
// @arethetypeswrong/cli (profile "strict": every subpath must resolve with types for TypeScript's node10, node16
// from CommonJS and from ESM, and bundler resolution; no rule is ignored). Then the public types: every package
// their .d.ts import is a peer dependency (the consumer's own copy), or one listed below with the reason.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
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

/** Dependencies (not peers) whose types are public on purpose: the caller hands us an instance of theirs. */
const PUBLIC_TYPE_DEPENDENCIES = {
  '@oms/adapters-pg': { pg: 'the caller passes its pg Pool (types from @types/pg, a dependency)' },
  '@oms/adapters-kafka': {
    kafkajs: 'the caller passes its kafkajs client (kafkajs ships its types)',
  },
  '@oms/http-hono': {
    '@hono/zod-openapi': 'createApp answers an OpenAPIHono app',
    pino: 'the caller passes its pino logger',
    'prom-client': 'the caller passes its prom-client registry',
  },
};

const packageOf = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];

/** The bare specifiers the .d.ts / .d.cts files of an unpacked tarball import. */
const typeImports = (dir) => {
  const specifiers = new Set();
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (/\.d\.c?ts$/.test(entry.name))
        for (const match of readFileSync(child, 'utf8').matchAll(
          /(?:\bfrom\s+|^import\s+|\bimport\()['"]([^'"./\s;][^'"\s;]*)['"]/gm,
        ))
          specifiers.add(match[1]);
    }
  };
  walk(dir);
  return [...specifiers];
};

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

    const unpacked = join(destination, 'unpacked', name);
    mkdirSync(unpacked, { recursive: true });
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`tar failed on ${tarball}: ${untar.stderr}`);
    const allowed = new Set([
      name,
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...Object.keys(PUBLIC_TYPE_DEPENDENCIES[name] ?? {}),
    ]);
    const leaked = typeImports(unpacked)
      .map(packageOf)
      .filter((dependency) => !allowed.has(dependency))
      .filter((dependency) => !builtinModules.includes(dependency.replace(/^node:/, '')));
    for (const dependency of new Set(leaked))
      failures.push(
        `${name}: its public types import ${dependency}, which is not a peer dependency (the consumer cannot share its copy)`,
      );
    console.log(`${leaked.length === 0 ? 'ok  ' : 'FAIL'} public types import only peers ${name}`);
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\n${failures.length} packaging problem(s):\n${failures.join('\n')}`);
  process.exit(1);
}
console.log(
  '\nevery published package passes publint, attw and imports only peers in its public types',
);
