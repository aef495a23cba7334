// `node subpaths.cjs <package>...`: require()s every subpath of the packages' exports maps (the CommonJS condition)
// and checks that each loads with a value; for @oms/domain also create + confirm through CommonJS, with the in-memory
// store and with a store on the consumer's own (CommonJS) neverthrow. Exits 1 if any check failed.
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const { subpathsOf, OPTIONAL_PEER_MISSING } = require('./subpaths.shared.cjs');

let failed = 0;
const check = (label, condition, detail = '') => {
  if (!condition) failed += 1;
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${label}${condition ? '' : ` (${detail})`}`);
};

const main = async () => {
  for (const name of process.argv.slice(2)) {
    const manifest = JSON.parse(
      readFileSync(join(dirname(require.resolve(`${name}/package.json`)), 'package.json'), 'utf8'),
    );
    for (const { specifier, needs } of subpathsOf(name, manifest)) {
      const resolved = require.resolve(specifier);
      check(
        `require.resolve('${specifier}') is CommonJS`,
        /\.c?js$/.test(resolved) && !resolved.endsWith('.mjs'),
        resolved,
      );
      try {
        const loaded = require(specifier);
        check(`require('${specifier}')`, Object.keys(loaded).length > 0, 'no exports');
      } catch (error) {
        const missing = needs && OPTIONAL_PEER_MISSING(needs).test(String(error?.message));
        check(
          `require('${specifier}')${needs ? ` fails only for want of its optional peer ${needs}` : ''}`,
          Boolean(missing),
          error?.message,
        );
      }
    }
  }

  const domain = require('@oms/domain');
  const { Ok, okAsync, errAsync } = require('neverthrow');
  const { createInMemoryOrderStore, orderFixtures } = require('@oms/domain/testing');
  const seed = orderFixtures.seedCreateOrderBody();
  const tinyStore = {
    streams: new Map(),
    readStream(id) {
      const events = this.streams.get(id) ?? [];
      return okAsync({ events, version: events.length });
    },
    appendToStream(id, events, { expectedVersion }) {
      const stream = this.streams.get(id) ?? [];
      if (stream.length !== expectedVersion)
        return errAsync(domain.concurrencyConflict(expectedVersion, stream.length));
      const recorded = events.map((event, index) => ({
        ...event,
        streamId: id,
        streamVersion: expectedVersion + index + 1,
        globalPosition: expectedVersion + index + 1,
      }));
      this.streams.set(id, [...stream, ...recorded]);
      return okAsync({ nextVersion: expectedVersion + events.length, lastGlobalPosition: 0 });
    },
    readAll: () => okAsync([]),
  };
  for (const [label, eventStore] of [
    ['in-memory store of @oms/domain/testing', createInMemoryOrderStore().eventStore],
    ['a store on the consumer’s CommonJS neverthrow', tinyStore],
  ]) {
    const handle = domain.createOrderCommandHandler({
      eventStore,
      clock: domain.systemClock,
      ids: domain.uuidV7Generator,
    });
    const input = domain.parseInput(domain.ORDER_INPUT_SCHEMAS.CreateOrder, seed);
    const created = await handle(
      { type: 'CreateOrder', input: input._unsafeUnwrap() },
      { actor: 'cjs' },
    );
    check(
      `CommonJS, ${label}: the outcome is an Ok of the consumer’s neverthrow`,
      created instanceof Ok,
    );
    const confirmed = await handle(
      { type: 'ConfirmOrder', orderId: created._unsafeUnwrap().view.id },
      { actor: 'cjs' },
    );
    const view = confirmed.isOk() ? confirmed.value.view : undefined;
    check(
      `CommonJS, ${label}: CONFIRMED, 59.98 USD`,
      view?.status === 'CONFIRMED' && view.orderTotal.amount === '59.98',
      JSON.stringify(confirmed),
    );
  }
};

main().then(
  () => {
    if (failed > 0) process.exit(1);
    console.log('consumer (CommonJS): every subpath loads');
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
