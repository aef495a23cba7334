#!/usr/bin/env node
// `node scripts/pack-packages.mjs <destination>`: `pnpm pack`s every published package of the workspace (the
// non-private ones under packages/, workspace: ranges rewritten to versions) into <destination>, and prints a JSON
// object { "<package name>": "<absolute tarball path>" }. Build first (`pnpm build`): the tarballs hold dist/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The packages other teams install: every non-private package.json under packages/. */
export const publishedPackages = () =>
  readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, 'packages', entry.name))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({
      name: manifest.name,
      version: manifest.version,
      dir,
      manifest,
    }));

/** Packs every published package into `destination`; answers { name: tarballPath }. */
export const packPackages = (destination) => {
  const target = resolve(destination);
  mkdirSync(target, { recursive: true });
  const tarballs = {};
  for (const { name, version, dir } of publishedPackages()) {
    const packed = spawnSync('pnpm', ['pack', '--pack-destination', target], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (packed.status !== 0)
      throw new Error(`pnpm pack failed in ${dir}:\n${packed.stdout}\n${packed.stderr}`);
    tarballs[name] = join(target, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
  }
  for (const tarball of Object.values(tarballs))
    if (!readdirSync(target).includes(tarball.slice(target.length + 1)))
      throw new Error(`pnpm pack did not write ${tarball}`);
  return tarballs;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const destination = process.argv[2];
  if (!destination) {
    console.error('usage: node scripts/pack-packages.mjs <destination>');
    process.exit(2);
  }
  console.log(JSON.stringify(packPackages(destination)));
}
