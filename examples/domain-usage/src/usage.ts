import { createOrderCommandHandler, ORDER_INPUT_SCHEMAS, parseInput, systemClock, uuidV7Generator } from '@oms/domain';
import { createInMemoryOrderStore } from '@oms/domain/testing';

export async function placeAndConfirm(body: unknown) {
  const store = createInMemoryOrderStore();
  const handle = createOrderCommandHandler({ eventStore: store.eventStore, clock: systemClock, ids: uuidV7Generator });
  const input = parseInput(ORDER_INPUT_SCHEMAS.CreateOrder, body);
  if (input.isErr()) return input.error.code; // 'validation-failed', with every field in input.error.errors
  const created = await handle({ type: 'CreateOrder', input: input.value }, { actor: 'my-service' });
  if (created.isErr()) return created.error.code;
  const confirmed = await handle({ type: 'ConfirmOrder', orderId: created.value.view.id }, { actor: 'my-service' });
  return confirmed.match(
    ({ view }) => `${view.status} ${view.orderTotal.amount} ${view.currencyCode}`, // "CONFIRMED 59.98 USD"
    (error) => error.code,
  );
}
