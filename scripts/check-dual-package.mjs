#!/usr/bin/env node
// `node scripts/check-dual-package.mjs`: loads the built @oms/domain (packages/domain/dist) through its exports map as
// ESM (`import`) and as CommonJS (`require`), and runs the seed order's create + confirm through each. Exits non-zero
// on any failure. Run `pnpm --filter @oms/domain build` first.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = join(root, 'packages', 'domain');
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
// resolved from inside the package, so that `require('@oms/domain')` goes through its own exports map
const requireFromPackage = createRequire(join(packageDir, 'package.json'));

const failures = [];
const check = (label, condition, detail = '') => {
  if (!condition) failures.push(`${label}${detail ? `: ${detail}` : ''}`);
  console.log(
    `${condition ? 'ok  ' : 'FAIL'} ${label}${!condition && detail ? ` (${detail})` : ''}`,
  );
};

/** A minimal EventStore on the given module system's neverthrow, so that CJS never touches an ESM copy. */
const tinyEventStore = ({ okAsync, errAsync }) => {
  const streams = new Map();
  let position = 0;
  return {
    readStream: (id) => {
      const events = streams.get(id) ?? [];
      return okAsync({ events, version: events.length });
    },
    appendToStream: (id, events, { expectedVersion }) => {
      const stream = streams.get(id) ?? [];
      if (stream.length !== expectedVersion)
        return errAsync({ code: 'concurrency-conflict', message: 'conflict', expectedVersion });
      const recorded = events.map((event, index) => ({
        ...event,
        streamId: id,
        streamVersion: expectedVersion + index + 1,
        globalPosition: ++position,
      }));
      streams.set(id, [...stream, ...recorded]);
      return okAsync({ nextVersion: stream.length + events.length, lastGlobalPosition: position });
    },
    readAll: () => okAsync([]),
  };
};

/** Create + confirm the seed order with one loaded copy of the domain; answers the confirmed view. */
const createAndConfirm = async (domain, eventStore, seedBody) => {
  const input = domain.parseInput(domain.ORDER_INPUT_SCHEMAS.CreateOrder, seedBody);
  if (input.isErr()) throw new Error(`seed body refused: ${JSON.stringify(input.error)}`);
  const handle = domain.createOrderCommandHandler({
    eventStore,
    clock: domain.systemClock,
    ids: domain.uuidV7Generator,
  });
  const created = await handle(
    { type: 'CreateOrder', input: input.value },
    { actor: 'dual-package-check' },
  );
  if (created.isErr()) throw new Error(`create failed: ${JSON.stringify(created.error)}`);
  const confirmed = await handle(
    { type: 'ConfirmOrder', orderId: created.value.view.id },
    { actor: 'dual-package-check' },
  );
  if (confirmed.isErr()) throw new Error(`confirm failed: ${JSON.stringify(confirmed.error)}`);
  return confirmed.value.view;
};

const checkView = (label, view) => {
  check(`${label}: status CONFIRMED`, view?.status === 'CONFIRMED', view?.status);
  check(`${label}: version 2`, view?.version === 2, String(view?.version));
  check(
    `${label}: total 59.98 USD`,
    view?.orderTotal?.amount === '59.98' && view?.orderTotal?.currencyCode === 'USD',
    JSON.stringify(view?.orderTotal),
  );
  check(`${label}: a UUID v7 id`, /^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(view?.id ?? ''), view?.id);
};

const run = async (label, body) => {
  try {
    await body();
  } catch (error) {
    check(label, false, error instanceof Error ? error.message : String(error));
  }
};

// 1. every file the exports map names exists
for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
  if (typeof conditions === 'string') continue;
  for (const [condition, target] of Object.entries(conditions))
    for (const [kind, file] of Object.entries(target))
      check(
        `exports["${subpath}"].${condition}.${kind} exists`,
        existsSync(join(packageDir, file)),
        file,
      );
}

// 2. ESM: the main entry and the testing entry (its in-memory store)
await run('esm', async () => {
  const entry = manifest.exports['.'].import.default;
  const domain = await import(pathToFileURL(join(packageDir, entry)).href);
  check('esm: main entry loads', typeof domain.decide === 'function');
  const { orderFixtures } = await import(
    pathToFileURL(join(packageDir, manifest.exports['./fixtures'].import.default)).href
  );
  const seedBody = orderFixtures.seedCreateOrderBody();
  // the copy the ESM build itself gets for its bare `import 'neverthrow'`
  const neverthrow = await import(pathToFileURL(requireFromPackage.resolve('neverthrow')).href);
  checkView(
    'esm (tiny store)',
    await createAndConfirm(domain, tinyEventStore(neverthrow), seedBody),
  );
  const testing = await import(
    pathToFileURL(join(packageDir, manifest.exports['./testing'].import.default)).href
  );
  checkView(
    'esm (testing in-memory store)',
    await createAndConfirm(domain, testing.createInMemoryOrderStore().eventStore, seedBody),
  );
});

// 3. CommonJS, through require('@oms/domain') and the exports map's require condition
await run('cjs', async () => {
  const resolved = requireFromPackage.resolve('@oms/domain');
  check('cjs: require resolves to the .cjs build', resolved.endsWith('.cjs'), resolved);
  const domain = requireFromPackage('@oms/domain');
  check('cjs: main entry loads', typeof domain.decide === 'function');
  const seedBody = requireFromPackage('@oms/domain/fixtures').orderFixtures.seedCreateOrderBody();
  checkView(
    'cjs (tiny store)',
    await createAndConfirm(domain, tinyEventStore(requireFromPackage('neverthrow')), seedBody),
  );
});

// `@oms/domain/testing` imports vitest (given/then, the store contract), which cannot be require()d: under CommonJS
// only the main entry is usable, and the testing kit is for vitest, which loads it as ESM.

if (failures.length > 0) {
  console.error(`\n${failures.length} check(s) failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('\n@oms/domain loads and works as ESM and as CommonJS');
