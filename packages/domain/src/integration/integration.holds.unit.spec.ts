import { describe, expect, it } from 'vitest';
import { harness, seedInput, withStates } from '../../test/harness.js';
import {
  envelopeSchema,
  type IntegrationMessage,
  PUBLISHED_PAYLOAD_SCHEMAS,
  PUBLISHED_TOPIC_NAMES,
  PUBLISHED_TOPICS,
  toIntegrationMessages,
} from './integration.events.js';

const published = (h: ReturnType<typeof harness>) =>
  withStates(h.store.allEvents()).map(({ event, before, after }) => ({
    event,
    messages: toIntegrationMessages(event, before, after),
  }));

const kinds = (messages: readonly IntegrationMessage[]) =>
  messages.map((message) => `${message.topic} ${message.value.eventType}`);

const USD = (amount: string) => ({ amount, currencyCode: 'USD' });

describe('toIntegrationMessages: holds and payments (spec §6)', () => {
  it('publishes order.hold_placed / order.hold_released on oms.orders.holds and order.payment_updated on oms.orders.payments', async () => {
    const h = harness();
    const { view } = await h.run({ type: 'CreateOrder', input: seedInput() });
    const orderId = view.id;
    await h.run({
      type: 'PlaceHold',
      orderId,
      input: { reason: 'ADDRESS_VERIFICATION', holdId: 'addr', note: 'PO box' },
    });
    await h.run({ type: 'PlaceHold', orderId, input: { reason: 'MANUAL', holdId: 'manual' } });
    await h.run({ type: 'ReleaseHold', orderId, holdId: 'addr' });
    await h.run({
      type: 'RecordPayment',
      orderId,
      input: { paymentId: 'pay-1', amount: USD('20.00'), provider: 'stripe', status: 'AUTHORIZED' },
    });
    await h.run({
      type: 'RecordPayment',
      orderId,
      input: { paymentId: 'pay-1', amount: USD('20.00'), status: 'CAPTURED' },
    });
    const all = published(h);
    expect(all.map(({ event, messages }) => [event.type, kinds(messages)])).toEqual([
      ['order.created', ['oms.orders.created order.created']],
      ['order.hold_placed', ['oms.orders.holds order.hold_placed']],
      ['order.hold_placed', ['oms.orders.holds order.hold_placed']],
      ['order.hold_released', ['oms.orders.holds order.hold_released']],
      ['order.payment_recorded', ['oms.orders.payments order.payment_updated']],
      ['order.payment_recorded', ['oms.orders.payments order.payment_updated']],
    ]);
    const payloads = all.slice(1).map(({ messages }) => messages[0]?.value.payload);
    const at = all.slice(1).map(({ event }) => event.occurredAt);
    expect(payloads).toEqual([
      {
        orderId,
        holdId: 'addr',
        reason: 'ADDRESS_VERIFICATION',
        note: 'PO box',
        at: at[0],
        activeHolds: [{ holdId: 'addr', reason: 'ADDRESS_VERIFICATION' }],
      },
      {
        orderId,
        holdId: 'manual',
        reason: 'MANUAL',
        at: at[1],
        activeHolds: [
          { holdId: 'addr', reason: 'ADDRESS_VERIFICATION' },
          { holdId: 'manual', reason: 'MANUAL' },
        ],
      },
      {
        orderId,
        holdId: 'addr',
        reason: 'ADDRESS_VERIFICATION',
        note: 'PO box',
        at: at[2],
        activeHolds: [{ holdId: 'manual', reason: 'MANUAL' }],
      },
      {
        orderId,
        paymentId: 'pay-1',
        amount: USD('20.00'),
        provider: 'stripe',
        status: 'AUTHORIZED',
        paymentStatus: 'AUTHORIZED',
        at: at[3],
      },
      {
        orderId,
        paymentId: 'pay-1',
        amount: USD('20.00'),
        status: 'CAPTURED',
        paymentStatus: 'CAPTURED',
        at: at[4],
      },
    ]);
    for (const { messages } of all)
      for (const message of messages) {
        expect(message.topic).toBe(PUBLISHED_TOPICS[message.value.eventType]);
        expect(message.headers).toMatchObject({
          ce_type: message.value.eventType,
          ce_id: message.value.eventId,
          ce_subject: orderId,
        });
        const schema = envelopeSchema(
          message.value.eventType,
          PUBLISHED_PAYLOAD_SCHEMAS[message.value.eventType],
        );
        expect(schema.parse(message.value)).toEqual(message.value);
      }
  });

  it('lists each published topic once although two event types share oms.orders.holds', () => {
    expect(PUBLISHED_TOPIC_NAMES).toEqual([...new Set(Object.values(PUBLISHED_TOPICS))]);
    expect(PUBLISHED_TOPIC_NAMES.filter((topic) => topic === 'oms.orders.holds')).toHaveLength(1);
    expect(PUBLISHED_TOPIC_NAMES).toContain('oms.orders.payments');
  });

  it('a placement of a hold id already placed stores nothing, so publishes nothing', async () => {
    const h = harness();
    const { view } = await h.run({ type: 'CreateOrder', input: seedInput() });
    await h.run({ type: 'PlaceHold', orderId: view.id, input: { reason: 'MANUAL', holdId: 'm' } });
    await h.run({ type: 'PlaceHold', orderId: view.id, input: { reason: 'MANUAL', holdId: 'm' } });
    expect(published(h).flatMap(({ messages }) => kinds(messages))).toEqual([
      'oms.orders.created order.created',
      'oms.orders.holds order.hold_placed',
    ]);
  });
});
