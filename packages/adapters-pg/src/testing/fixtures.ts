import { type NewEvent, ORDER_INPUT_SCHEMAS, type OrderRequest, uuidv7 } from '@oms/domain';
import { orderFixtures } from '@oms/domain/fixtures';

/** A stored-event shaped test value (not an order event). */
export const testEvent = (
  type: string,
  data: Record<string, unknown> = {},
  occurredAt = new Date().toISOString(),
): NewEvent => ({
  eventId: uuidv7(),
  type,
  schemaVersion: 1,
  data,
  metadata: { correlationId: uuidv7(), causationId: null, actor: 'pg-test' },
  occurredAt,
});

/** A valid CreateOrder request (the seed example), with overrides of the raw input. */
export const createOrderRequest = (
  overrides: Record<string, unknown> = {},
  orderId?: string,
): OrderRequest => ({
  type: 'CreateOrder',
  ...(orderId ? { orderId } : {}),
  input: ORDER_INPUT_SCHEMAS.CreateOrder.parse({
    ...orderFixtures.seedCreateOrderBody(),
    ...overrides,
  }),
});
