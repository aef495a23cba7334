import {
  createOrderCommandHandler,
  ORDER_INPUT_SCHEMAS,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { describe, expect, it } from 'vitest';
import { createFakeKafka } from '../testing/fakeKafka.js';
import { createInMemoryCheckpointStore } from './checkpoint.port.js';
import { createRelay, type RelayError } from './createRelay.js';
import { chunkByBytes, type SizedMessage } from './kafkaMessages.js';
import { createInMemoryParkingStore } from './parking.port.js';

const sizedMessage = (topic: string, key: string, bytes: number): SizedMessage =>
  ({
    record: { topic, key, value: 'x', headers: {} },
    bytes,
    source: {},
  }) as unknown as SizedMessage;

describe('chunkByBytes', () => {
  it('keeps every topic of a request under the limit and the messages in order', () => {
    const messages = [
      sizedMessage('a', '1', 400),
      sizedMessage('b', '1', 400),
      sizedMessage('a', '2', 400),
      sizedMessage('a', '3', 400),
      sizedMessage('b', '2', 100),
    ];
    const chunks = chunkByBytes(messages, 1_000);
    expect(chunks.map((chunk) => chunk.map(({ topic, key }) => `${topic}:${key}`))).toEqual([
      ['a:1', 'b:1', 'a:2'],
      ['a:3', 'b:2'],
    ]);
  });
});

describe('relay parking', () => {
  const setup = () => {
    const store = createInMemoryOrderStore();
    const handle = createOrderCommandHandler({
      eventStore: store.eventStore,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    const order = async (lines: number) => {
      const body = orderFixtures.seedCreateOrderBody();
      const input = parseInput(ORDER_INPUT_SCHEMAS.CreateOrder, {
        ...body,
        lines: Array.from({ length: lines }, (_, index) => ({
          ...body.lines[0],
          sku: `SKU-${index}`,
        })),
      })._unsafeUnwrap();
      const orderId = (
        await handle({ type: 'CreateOrder', input }, { actor: 'test' })
      )._unsafeUnwrap().view.id;
      (await handle({ type: 'ConfirmOrder', orderId }, { actor: 'test' }))._unsafeUnwrap();
      return orderId;
    };
    const cancel = async (orderId: string) =>
      (
        await handle(
          {
            type: 'CancelOrder',
            orderId,
            input: parseInput(ORDER_INPUT_SCHEMAS.CancelOrder, { reason: 'x' })._unsafeUnwrap(),
          },
          { actor: 'test' },
        )
      )._unsafeUnwrap();
    return { store, order, cancel };
  };

  it('skipping parked events publishes the order’s later events in order, and nothing of what was skipped', async () => {
    const { store, order, cancel } = setup();
    const kafka = createFakeKafka();
    const parking = createInMemoryParkingStore();
    const errors: RelayError[] = [];
    const small = await order(1);
    const big = await order(40);
    await cancel(big);
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      parking,
      kafka,
      options: { maxBatchBytes: 6_000, parkedPollMs: 0, onError: (error) => errors.push(error) },
    });
    const published = (orderId: string) =>
      kafka.sent.filter((message) => message.key === orderId).map((message) => message.topic);

    expect((await relay.runOnce())._unsafeUnwrap()).toMatchObject({ events: 5 });
    expect(published(small)).toHaveLength(3);
    expect(published(big)).toEqual([]);
    const [created] = await parking.open('oms-relay');
    expect(created).toMatchObject({ streamId: big, streamVersion: 1, status: 'parked' });
    expect(relay.lag().parked).toBe(1);
    expect(errors.map((error) => error.code)).toEqual(['event-parked']);

    // skip the created event: the confirmed one (a full snapshot, too large as well) is parked next
    await parking.request(created?.id ?? '', 'skip');
    await relay.runOnce();
    const [confirmed] = await parking.open('oms-relay');
    expect(confirmed).toMatchObject({ streamId: big, streamVersion: 2, status: 'parked' });
    expect(parking.events.get(created?.id ?? '')?.status).toBe('skipped');
    expect(published(big)).toEqual([]);

    // skip that too: the cancellation (small) goes out
    await parking.request(confirmed?.id ?? '', 'skip');
    await relay.runOnce();
    expect(published(big)).toEqual(['oms.orders.cancelled', 'oms.orders.status-changed']);
    expect(await parking.open('oms-relay')).toEqual([]);
    expect(relay.lag().parked).toBe(0);
    await relay.stop();
  });
});
