// The soak runs from the repository root, which depends on none of the workspace packages: it loads them (and pg)
// the way the reference server sees them, from the server's own dependencies, as built (`dist/`), as ES modules.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const fromServer = createRequire(
  new URL('../../examples/reference-server/package.json', import.meta.url),
);

/** The ESM entry of `specifier` (a package or `package/subpath`) per its `exports` map. */
const esmEntry = (specifier) => {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const subpath = `.${specifier.slice(name.length)}`;
  let dir = dirname(fromServer.resolve(specifier));
  while (!existsSync(join(dir, 'package.json')) || readPackage(dir).name !== name) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json for ${specifier}`);
    dir = parent;
  }
  const entry = readPackage(dir).exports?.[subpath];
  const target = typeof entry === 'string' ? entry : (entry?.import?.default ?? entry?.import);
  return typeof target === 'string' ? join(dir, target) : fromServer.resolve(specifier);
};
const readPackage = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

const load = async (specifier) => {
  try {
    return await import(pathToFileURL(esmEntry(specifier)).href);
  } catch (error) {
    throw new Error(
      `cannot load ${specifier} (run \`pnpm build\` first): ${error instanceof Error ? error.message : error}`,
    );
  }
};

export const domain = () => load('@oms/domain');
export const adaptersPg = () => load('@oms/adapters-pg');
export const kafkaTesting = () => load('@oms/adapters-kafka/testing');
export const kafkajs = () => load('kafkajs');
