import {
  createOrderCommandHandler,
  envelopeSchema,
  ORDER_INPUT_SCHEMAS,
  PERSONAL_DATA_ERASED,
  PUBLISHED_PAYLOAD_SCHEMAS,
  parseInput,
  privacyStreamId,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { describe, expect, it } from 'vitest';
import { buildMessages, createStateCache } from './buildMessages.js';

describe('buildMessages with a stored event this version cannot read', () => {
  it('fails the batch instead of skipping the event (it would never be published)', async () => {
    const store = createInMemoryOrderStore();
    const handle = createOrderCommandHandler({
      eventStore: store.eventStore,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    const input = parseInput(
      ORDER_INPUT_SCHEMAS.CreateOrder,
      orderFixtures.seedCreateOrderBody(),
    )._unsafeUnwrap();
    const orderId = (
      await handle({ type: 'CreateOrder', input }, { actor: 'test' })
    )._unsafeUnwrap().view.id;
    (
      await store.eventStore.appendToStream(
        orderId,
        [
          {
            eventId: uuidV7Generator.next(),
            type: 'order.gift_wrapped',
            schemaVersion: 1,
            data: {},
            metadata: { correlationId: 'c', causationId: null, actor: 'newer-replica' },
            occurredAt: new Date().toISOString(),
          },
        ],
        { expectedVersion: 1 },
      )
    )._unsafeUnwrap();
    const events = (await store.eventStore.readAll(0, 10))._unsafeUnwrap();
    const built = await buildMessages(store.eventStore, events, createStateCache(10), 2);
    expect(built._unsafeUnwrapErr()).toMatchObject({ code: 'internal' });
    expect(built._unsafeUnwrapErr().message).toContain('order.gift_wrapped');
    const known = await buildMessages(
      store.eventStore,
      events.slice(0, 1),
      createStateCache(10),
      2,
    );
    expect(known._unsafeUnwrap().map((message) => message.topic)).toEqual(['oms.orders.created']);
  });
});

describe('buildMessages with an erasure notice', () => {
  it('publishes order.personal_data_erased on oms.orders.privacy, keyed by the order', async () => {
    const store = createInMemoryOrderStore();
    const orderId = uuidV7Generator.next();
    (
      await store.eventStore.appendToStream(
        privacyStreamId(orderId),
        [
          {
            eventId: uuidV7Generator.next(),
            type: PERSONAL_DATA_ERASED,
            schemaVersion: 1,
            data: { orderId, erasedAt: '2026-12-02T08:00:00.000Z' },
            metadata: { correlationId: 'c', causationId: null, actor: 'privacy' },
            occurredAt: '2026-12-02T08:00:00.000Z',
          },
        ],
        { expectedVersion: 0 },
      )
    )._unsafeUnwrap();
    const events = (await store.eventStore.readAll(0, 10))._unsafeUnwrap();
    const [message, ...rest] = (
      await buildMessages(store.eventStore, events, createStateCache(10), 2)
    )._unsafeUnwrap();
    expect(rest).toEqual([]);
    expect(message).toMatchObject({
      topic: 'oms.orders.privacy',
      key: orderId,
      value: {
        eventType: 'order.personal_data_erased',
        aggregateId: orderId,
        payload: { orderId, erasedAt: '2026-12-02T08:00:00.000Z' },
      },
    });
    expect(
      envelopeSchema(
        'order.personal_data_erased',
        PUBLISHED_PAYLOAD_SCHEMAS['order.personal_data_erased'],
      ).safeParse(message?.value).success,
    ).toBe(true);
  });
});
