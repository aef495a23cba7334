import * as oms from '@oms/domain';
import { createInMemoryOrderStore } from '@oms/domain/testing';

const store = createInMemoryOrderStore();
const deps = { eventStore: store.eventStore, clock: oms.systemClock, ids: oms.uuidV7Generator };
const handle = oms.createOrderCommandHandler(deps);
const context = { actor: 'my-service' };

export async function placeAndConfirm(body: unknown): Promise<string> {
  const input = oms.parseInput(oms.ORDER_INPUT_SCHEMAS.CreateOrder, body);
  if (input.isErr()) return input.error.code; // every bad field is in input.error.errors
  const created = await handle({ type: 'CreateOrder', input: input.value }, context);
  if (created.isErr()) return created.error.code;
  const orderId = created.value.view.id;
  const confirmed = await handle({ type: 'ConfirmOrder', orderId }, context);
  return confirmed.match(
    ({ view }) => `${view.status} ${view.orderTotal.amount}`,
    (e) => e.code,
  );
}
