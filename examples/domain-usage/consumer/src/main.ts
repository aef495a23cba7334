// The consumer project's test (ESM): the README's example (usage.ts, copied verbatim from the workspace), a command
// handler on the consumer's own EventStore, and given/when/then without vitest. Prints one line per check; exits 1
// if any failed.
import * as oms from '@oms/domain';
import { given, orderFixtures } from '@oms/domain/testing';
import { Err, Ok } from 'neverthrow';
import { OwnEventStore } from './ownEventStore.js';
import { placeAndConfirm } from './usage.js';

declare const process: { exit(code: number): never };

let failed = 0;
const check = (label: string, condition: boolean, detail: unknown = ''): void => {
  if (!condition) failed += 1;
  console.log(
    `${condition ? 'ok  ' : 'FAIL'} ${label}${condition ? '' : ` (${JSON.stringify(detail)})`}`,
  );
};

const seed = orderFixtures.seedCreateOrderBody();
const confirmed = await placeAndConfirm(seed);
check(
  'README example: the seed order is created and confirmed',
  confirmed === 'CONFIRMED 59.98',
  confirmed,
);
const refused = await placeAndConfirm({ ...seed, lines: [] });
check(
  'README example: a body without lines is validation-failed',
  refused === 'validation-failed',
  refused,
);

const handle = oms.createOrderCommandHandler({
  eventStore: new OwnEventStore(),
  clock: oms.systemClock,
  ids: oms.uuidV7Generator,
});
const input = oms.parseInput(oms.ORDER_INPUT_SCHEMAS.CreateOrder, seed);
check('parseInput answers an Ok of the consumer’s neverthrow', input instanceof Ok, input);
if (input.isOk()) {
  const created = await handle({ type: 'CreateOrder', input: input.value }, { actor: 'consumer' });
  check('the handler on the consumer’s own EventStore answers Ok', created instanceof Ok, created);
  const missing = await handle(
    { type: 'ConfirmOrder', orderId: oms.uuidv7() },
    { actor: 'consumer' },
  );
  check('a refusal is an Err of the consumer’s neverthrow', missing instanceof Err, missing);
  if (created.isOk()) {
    const orderId = created.value.view.id;
    const done = await handle({ type: 'ConfirmOrder', orderId }, { actor: 'consumer' });
    check(
      'the order is confirmed on the consumer’s EventStore',
      done.isOk() && done.value.view.status === 'CONFIRMED',
      done,
    );
  }
}

const events = given([])
  .when(orderFixtures.createOrder())
  .thenMatches([{ type: 'order.created' }]);
check('given/when/then runs without vitest', events.length === 1, events);
let threw = false;
try {
  given([]).when(orderFixtures.createOrder()).then([]);
} catch (error) {
  threw = error instanceof Error && error.name === 'SpecificationFailure';
}
check('a failed expectation throws a SpecificationFailure', threw);

if (failed > 0) process.exit(1);
console.log('consumer (ESM): every check passed');
