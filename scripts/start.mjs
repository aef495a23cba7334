#!/usr/bin/env node
// `pnpm start`: install, build and start the reference server, skipping the install and each package's build when
// nothing they depend on changed since the last start (a warm start is then only the server's own start-up).
// Uses nothing but Node's built-ins: on a fresh clone it runs before node_modules exists.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverNodeFlags } from './serverNodeFlags.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = 'examples/reference-server';
const STAMP = '.oms-build-stamp';
const INSTALL_STAMP = join(root, 'node_modules', '.oms-install-stamp');

const say = (line) => process.stderr.write(`[start] ${line}\n`);

/** Every file below `dir` (sorted, relative to the root), without node_modules, dist and test files. */
const filesBelow = (dir) => {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') found.push(...filesBelow(path));
    } else if (!/\.(unit|int|e2e)\.spec\.ts$/.test(entry.name)) {
      found.push(path);
    }
  }
  return found.sort();
};

const hashFiles = (files, extra = []) => {
  const hash = createHash('sha256');
  for (const file of files) {
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const value of extra) hash.update(value).update('\0');
  return hash.digest('hex');
};

const run = (args, cwd = root) => {
  const result = spawnSync('pnpm', args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    say(`pnpm ${args.join(' ')} failed${result.error ? `: ${result.error.message}` : ''}`);
    process.exit(result.status ?? 1);
  }
};

const manifestOf = (dir) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));

/** Workspace packages by name, from the folders pnpm-workspace.yaml lists (packages/*, examples/*). */
const workspace = () => {
  const byName = new Map();
  for (const group of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, group))) {
      const dir = `${group}/${name}`;
      if (existsSync(join(root, dir, 'package.json'))) byName.set(manifestOf(dir).name, dir);
    }
  }
  return byName;
};

const ensureInstalled = () => {
  const manifests = [
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    ...[...workspace().values()].map((dir) => `${dir}/package.json`),
    'benchmarks/package.json',
  ].map((file) => join(root, file));
  const stamp = hashFiles(manifests, [process.version]);
  if (existsSync(INSTALL_STAMP) && readFileSync(INSTALL_STAMP, 'utf8') === stamp) return;
  run(['install', '--frozen-lockfile']);
  writeFileSync(INSTALL_STAMP, stamp);
};

/** Builds `dir` after its workspace dependencies, each only when its sources or a dependency's build changed. */
const ensureBuilt = (dir, byName, done = new Map()) => {
  const known = done.get(dir);
  if (known) return known;
  const manifest = manifestOf(dir);
  // workspace packages name each other as peer or dev dependencies too: all of them are built first
  const dependencyStamps = [
    ...new Set(
      ['dependencies', 'peerDependencies', 'devDependencies'].flatMap((field) =>
        Object.keys(manifest[field] ?? {}),
      ),
    ),
  ]
    .filter((name) => byName.has(name))
    .sort()
    .map((name) => ensureBuilt(byName.get(name), byName, done));
  const base = join(root, dir);
  const stamp = hashFiles(
    [
      ...filesBelow(join(base, 'src')),
      join(base, 'package.json'),
      join(base, 'tsup.config.ts'),
      join(base, 'tsconfig.json'),
      join(root, 'tsconfig.base.json'),
      join(root, 'pnpm-lock.yaml'),
    ],
    dependencyStamps,
  );
  const stampFile = join(base, 'dist', STAMP);
  if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== stamp) {
    say(`building ${manifest.name}`);
    run(['run', 'build'], base);
    writeFileSync(stampFile, stamp);
  }
  done.set(dir, stamp);
  return stamp;
};

ensureInstalled();
ensureBuilt(SERVER, workspace());

// Its own process group: a Ctrl-C or a group-wide SIGTERM reaches the server once, through the forwarding below.
const server = spawn(
  process.execPath,
  [...serverNodeFlags(), join(root, SERVER, 'dist/main.js'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    detached: true,
  },
);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => server.kill(signal));
}
server.on('exit', (code, signal) => {
  process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
});
