import { describe, expect, it } from 'vitest';
import {
  CREATED_AT,
  cancelled,
  commands,
  confirmed,
  created,
  delivered,
  historyFor,
  NOW,
  ORDER_ID,
  shippedRest,
  shippedSome,
} from '../../test/builders.js';
import { harness, seedInput } from '../../test/harness.js';
import { stateFromEvents } from '../application/handleOrderCommand.js';
import { toIntegrationMessages } from '../integration/integration.events.js';
import { decide } from './order.decide.js';
import {
  eventSchemaVersion,
  ORDER_EVENT_SCHEMAS,
  ORDER_EVENT_TYPES,
  type OrderEvent,
} from './order.events.js';
import { evolve, fold } from './order.evolve.js';
import { initialState } from './order.state.js';
import {
  evolveStored,
  foldStored,
  ORDER_EVENT_UPCASTERS,
  type StoredEvent,
  toDomainEvent,
} from './order.upcast.js';
import { toOrderView } from './order.view.js';

/** Events as a store hands them back: JSON data and the schema version they were written with. */
const stored = (events: readonly OrderEvent[]): StoredEvent[] =>
  events.map((event) => ({
    type: event.type,
    schemaVersion: eventSchemaVersion(event.type),
    data: JSON.parse(JSON.stringify(event.data)),
  }));

/** An `order.cancelled` as version 1 wrote it, before `reasonCode` existed. */
const cancelledV1 = (): StoredEvent => {
  const { reasonCode: _reasonCode, ...data } = (cancelled() as { data: Record<string, unknown> })
    .data;
  return { type: 'order.cancelled', schemaVersion: 1, data };
};

describe('upcasting stored events by schema version', () => {
  it('has an upcaster for every version step of every event type', () => {
    for (const type of ORDER_EVENT_TYPES)
      for (let from = 1; from < eventSchemaVersion(type); from += 1)
        expect(ORDER_EVENT_UPCASTERS[type]?.[from], `${type} v${from} → v${from + 1}`).toBeTypeOf(
          'function',
        );
    expect(eventSchemaVersion('order.cancelled')).toBe(2);
  });

  it('reads a v1 order.cancelled as v2 (reasonCode "other"), valid under the current schema', () => {
    const event = toDomainEvent(cancelledV1())._unsafeUnwrap();
    expect(event).toEqual(cancelled());
    expect(ORDER_EVENT_SCHEMAS['order.cancelled'].data.safeParse(event.data).success).toBe(true);
  });

  it('folds an old v1 stream to the same state, and the same view, as the current events', () => {
    const v1Stream = [...stored([created()]), cancelledV1()];
    const state = foldStored(v1Stream);
    expect(state).toEqual(fold([created(), cancelled()]));
    if (state.status !== 'CANCELLED') throw new Error('expected a cancelled order');
    expect(state.cancellationReasonCode).toBe('other');
    expect(toOrderView(state)).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'duplicate',
    });
  });

  it('is what stateFromEvents (the handler, the queries, the relay) reads through', () => {
    const recorded = [...stored([created()]), cancelledV1()].map((event, index) => ({
      ...event,
      schemaVersion: event.schemaVersion ?? 1,
      eventId: `0190a000-0000-7000-8000-00000000010${index}`,
      streamId: ORDER_ID,
      streamVersion: index + 1,
      globalPosition: index + 1,
      occurredAt: CREATED_AT,
      metadata: { correlationId: 'c', causationId: null, actor: 'test' },
    }));
    expect(stateFromEvents(recorded)).toEqual(fold([created(), cancelled()]));
    const [message] = toIntegrationMessages(
      recorded[1]!,
      fold([created()]),
      stateFromEvents(recorded),
    );
    // the published payload keeps its own contract (version 1, no reasonCode)
    expect(message?.value).toMatchObject({ eventType: 'order.cancelled', version: 1 });
    expect(message?.value.payload).not.toHaveProperty('reasonCode');
  });

  it('stores new cancellations as v2 with their reason code', async () => {
    const h = harness();
    const order = await h.run({ type: 'CreateOrder', input: seedInput() });
    await h.run({
      type: 'CancelOrder',
      orderId: order.view.id,
      input: { reason: 'found it cheaper', reasonCode: 'customer-request' },
    });
    expect(h.store.allEvents().at(-1)).toMatchObject({
      type: 'order.cancelled',
      schemaVersion: 2,
      data: { reasonCode: 'customer-request' },
    });
  });
});

describe('an event type this version does not know (a newer replica wrote it)', () => {
  const newer: StoredEvent = {
    type: 'order.gift_wrapped',
    schemaVersion: 1,
    data: { orderId: ORDER_ID, paper: 'gold' },
  };
  const newerVersion: StoredEvent = { ...stored([confirmed()])[0]!, schemaVersion: 9 };

  it('is an UnknownEvent Result, never an exception', () => {
    expect(toDomainEvent(newer)._unsafeUnwrapErr()).toEqual({
      type: 'order.gift_wrapped',
      schemaVersion: 1,
      reason: 'unknown-type',
    });
    expect(toDomainEvent(newerVersion)._unsafeUnwrapErr().reason).toBe('newer-schema-version');
    for (const hostile of [null, 'text', 42, []])
      expect(() => toDomainEvent({ type: 'order.confirmed', data: hostile })).not.toThrow();
  });

  it('is skipped by the fold with its version counted, the rest of the stream read', () => {
    const stream = [...stored([created()]), newer, ...stored([confirmed()])];
    const state = foldStored(stream);
    expect(state).toMatchObject({ status: 'CONFIRMED', version: 3 });
    expect(state.unknownEvents).toEqual([
      { type: 'order.gift_wrapped', schemaVersion: 1, reason: 'unknown-type' },
    ]);
    expect(foldStored([newer])).toMatchObject({ status: 'NONE', version: 1 });
    expect(evolveStored(initialState(), newerVersion)).toMatchObject({ version: 1 });
  });

  it('never makes evolve or fold throw, even when handed one directly', () => {
    const unknown = { type: 'order.gift_wrapped', data: {} } as unknown as OrderEvent;
    const state = fold([created(), unknown, confirmed()]);
    expect(state).toMatchObject({ status: 'CONFIRMED', version: 3 });
    expect(() => evolve(initialState(), unknown)).not.toThrow();
  });

  it('makes decide refuse every command with unknown-event, rather than overwrite what it cannot see', () => {
    const state = foldStored([...stored(historyFor('DRAFT')), newer]);
    const decision = decide(commands.ConfirmOrder(), state);
    expect(decision._unsafeUnwrapErr()).toMatchObject({
      code: 'unknown-event',
      orderId: ORDER_ID,
      events: [{ type: 'order.gift_wrapped' }],
    });
    // still readable: the order is served as far as this version understands it
    if (state.status === 'NONE') throw new Error('expected an order');
    expect(toOrderView(state)).toMatchObject({ status: 'DRAFT', version: 2 });
  });

  it('is refused through the handler with unknown-event, and nothing is appended', async () => {
    const h = harness();
    const order = await h.run({ type: 'CreateOrder', input: seedInput() });
    const appended = await h.store.eventStore.appendToStream(
      order.view.id,
      [
        {
          eventId: '0190a000-0000-7000-8000-0000000000a1',
          type: 'order.gift_wrapped',
          schemaVersion: 1,
          data: { paper: 'gold' },
          metadata: { correlationId: 'c', causationId: null, actor: 'newer-replica' },
          occurredAt: NOW,
        },
      ],
      { expectedVersion: 1 },
    );
    expect(appended.isOk()).toBe(true);
    const answer = await h.handle(
      { type: 'ConfirmOrder', orderId: order.view.id },
      { actor: 'test' },
    );
    expect(answer._unsafeUnwrapErr().code).toBe('unknown-event');
    expect(h.store.allEvents()).toHaveLength(2);
  });

  it('keeps the other statuses readable (history of every status folds through foldStored)', () => {
    for (const history of [
      historyFor('COMPLETED'),
      [created(), confirmed(), shippedSome(), shippedRest(), delivered()],
    ])
      expect(foldStored(stored(history))).toEqual(fold(history));
  });
});
