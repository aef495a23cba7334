import {
  createLocalKeyManagement,
  createPgOrderStore,
  createTestDatabase,
  eraseCustomer,
  generateMasterKey,
  type PgOrderStore,
  type TestDatabase,
} from '@oms/adapters-pg';
import {
  createOrderCommandHandler,
  ORDER_INPUT_SCHEMAS,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { orderFixtures } from '@oms/domain/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createInMemoryCheckpointStore } from '../relay/checkpoint.port.js';
import { createRelay } from '../relay/createRelay.js';
import { createFakeKafka } from '../testing/fakeKafka.js';

let db: TestDatabase;
let store: PgOrderStore;

beforeAll(async () => {
  db = await createTestDatabase(inject('databaseUrl'));
  store = createPgOrderStore({
    pool: db.pool,
    keyManagement: await createLocalKeyManagement({ masterKey: generateMasterKey() }),
  });
});
afterAll(async () => {
  await db?.drop();
});

const placeAndConfirm = async (email: string): Promise<string> => {
  const handle = createOrderCommandHandler({
    eventStore: store.eventStore,
    clock: systemClock,
    ids: uuidV7Generator,
  });
  const body = orderFixtures.seedCreateOrderBody();
  const input = ORDER_INPUT_SCHEMAS.CreateOrder.parse({
    ...body,
    customer: { ...body.customer, email },
  });
  const orderId = (await handle({ type: 'CreateOrder', input }, { actor: 'test' }))._unsafeUnwrap()
    .view.id;
  (await handle({ type: 'ConfirmOrder', orderId }, { actor: 'test' }))._unsafeUnwrap();
  return orderId;
};

const drain = async (relay: ReturnType<typeof createRelay>): Promise<void> => {
  for (;;) {
    const result = (await relay.runOnce())._unsafeUnwrap();
    if (result.events === 0) return;
  }
};

describe('the relay and erased customers', () => {
  it('publishes personal data before the erasure; a backlog replayed after it carries "[erased]", then the notice', async () => {
    const email = 'relay.erased@example.com';
    const orderId = await placeAndConfirm(email);
    const before = createFakeKafka();
    await drain(
      createRelay({
        eventStore: store.eventStore,
        checkpoints: createInMemoryCheckpointStore(),
        kafka: before,
        options: { idempotent: false, createTopics: false },
      }),
    );
    expect(before.sent.some((message) => message.value?.includes(email))).toBe(true);

    await eraseCustomer(db.pool, email, { cipher: store.cipher });

    // a relay from the start (a lost checkpoint, a new consumer of the outbox): the same backlog, replayed
    const after = createFakeKafka();
    await drain(
      createRelay({
        eventStore: store.eventStore,
        checkpoints: createInMemoryCheckpointStore(),
        kafka: after,
        options: { idempotent: false, createTopics: false },
      }),
    );
    const ofOrder = after.sent.filter((message) => message.key === orderId);
    expect(ofOrder.map((message) => message.topic)).toEqual([
      'oms.orders.created',
      'oms.orders.confirmed',
      'oms.orders.status-changed',
      'oms.orders.privacy',
    ]);
    for (const message of ofOrder) {
      expect(message.value).not.toContain(email);
      expect(message.value).not.toContain('Lovelace');
    }
    const created = JSON.parse(ofOrder[0]?.value ?? '{}') as {
      payload: { customer: { email: string }; orderTotal: unknown };
    };
    expect(created.payload.customer.email).toBe('[erased]');
    const notice = JSON.parse(ofOrder[3]?.value ?? '{}') as { eventType: string; payload: unknown };
    expect(notice.eventType).toBe('order.personal_data_erased');
    expect(notice.payload).toMatchObject({ orderId });
  });
});
