import {
  createOrderCommandHandler,
  ORDER_INPUT_SCHEMAS,
  parseInput,
  systemClock,
  uuidV7Generator,
} from '@oms/domain';
import { createInMemoryOrderStore, orderFixtures } from '@oms/domain/testing';
import { describe, expect, it } from 'vitest';
import { createInMemoryCheckpointStore } from './checkpoint.port.js';
import { createRelay } from './createRelay.js';
import type { OutboundRecord, PartitionResult, RecordPublisher } from './publisher.port.js';

/**
 * A pipelined publisher as the producer thread behaves: requests answered one after the other in call order; the
 * `failAt`-th call fails, and calls made before that failure was answered are refused unsent.
 */
const pipelinedPublisher = (failAt: number) => {
  const calls: (readonly OutboundRecord[])[] = [];
  const delivered: OutboundRecord[] = [];
  let failures = 0;
  let failuresSeen = 0;
  let inFlightMax = 0;
  let inFlight = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const answer = (ok: boolean, partition = 0, message = 'refused'): PartitionResult[] => [
    ok
      ? { topic: 'any', partition, ok: true }
      : { topic: 'any', partition, ok: false, error: new Error(message) },
  ];
  const publisher: RecordPublisher = {
    pipelined: true,
    connect: async () => undefined,
    disconnect: async () => undefined,
    publish(records) {
      const call = calls.push(records);
      const knew = failuresSeen;
      inFlight += 1;
      inFlightMax = Math.max(inFlightMax, inFlight);
      const answered = queue.then(async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (knew < failures) return answer(false, -1, 'not sent');
        if (call === failAt) {
          failures += 1;
          return answer(false);
        }
        delivered.push(...records);
        return answer(true);
      });
      queue = answered;
      return answered.then((results) => {
        inFlight -= 1;
        failuresSeen = failures;
        return results;
      });
    },
  };
  return { publisher, calls, delivered, inFlightMax: () => inFlightMax };
};

describe('a batch over a pipelined publisher', () => {
  it('keeps its requests in flight together; after a failure it sends again from the failed one, each once, in order', async () => {
    const store = createInMemoryOrderStore();
    const handle = createOrderCommandHandler({
      eventStore: store.eventStore,
      clock: systemClock,
      ids: uuidV7Generator,
    });
    for (let order = 0; order < 12; order += 1) {
      const input = parseInput(
        ORDER_INPUT_SCHEMAS.CreateOrder,
        orderFixtures.seedCreateOrderBody(),
      )._unsafeUnwrap();
      const created = (
        await handle({ type: 'CreateOrder', input }, { actor: 'test' })
      )._unsafeUnwrap();
      (
        await handle({ type: 'ConfirmOrder', orderId: created.view.id }, { actor: 'test' })
      )._unsafeUnwrap();
    }
    const fake = pipelinedPublisher(2);
    const relay = createRelay({
      eventStore: store.eventStore,
      checkpoints: createInMemoryCheckpointStore(),
      publisher: fake.publisher,
      // a few messages per request: the batch of 24 events (36 messages) makes many requests
      options: { maxBatchBytes: 4_000 },
    });
    const first = await relay.runOnce();
    expect(first.isErr() && first.error.code).toBe('publish-failed');
    expect(fake.inFlightMax()).toBeGreaterThan(2);
    const requests = fake.calls.length;
    expect(requests).toBeGreaterThan(3);
    // the first request went out; the second failed; the rest were refused unsent
    expect(fake.delivered).toEqual(fake.calls[0]);

    const second = await relay.runOnce();
    expect(second.isOk() && second.value.messages).toBe(36);
    // sent again from the failed request on: the first one is not sent twice
    expect(fake.calls.slice(requests)).toEqual(fake.calls.slice(1, requests));
    expect(fake.delivered).toEqual(fake.calls.slice(0, requests).flat());
    expect(new Set(fake.delivered.map((record) => record.headers.ce_id)).size).toBe(36);
  });
});
