import { Parser } from '@asyncapi/parser';
import { DLQ_TOPIC, INBOUND_TOPICS, PUBLISHED_TOPIC_NAMES } from '@oms/domain';
import { describe, expect, it } from 'vitest';
import { buildAsyncApiDocument } from './buildAsyncApiDocument.js';

describe('buildAsyncApiDocument', () => {
  it('is a valid AsyncAPI 3.0 document according to @asyncapi/parser', async () => {
    const { document, diagnostics } = await new Parser().parse(
      JSON.stringify(buildAsyncApiDocument()),
    );
    // severity 0 is an error, 1 a warning
    expect(diagnostics.filter((diagnostic) => diagnostic.severity <= 1)).toEqual([]);
    expect(document).toBeDefined();
    const addresses = document
      ?.channels()
      .all()
      .map((channel) => channel.address());
    expect(addresses?.sort()).toEqual(
      [...PUBLISHED_TOPIC_NAMES, ...Object.keys(INBOUND_TOPICS), DLQ_TOPIC].sort(),
    );
    const confirmed = document
      ?.channels()
      .all()
      .find((c) => c.address() === 'oms.orders.confirmed');
    const messages = confirmed?.messages().all() ?? [];
    expect(messages).toHaveLength(1);
    const payload = messages[0]?.payload()?.json() as { required?: string[] };
    expect(payload.required).toEqual(
      expect.arrayContaining(['eventId', 'eventType', 'aggregateId', 'occurredAt', 'payload']),
    );
    const headers = messages[0]?.headers()?.json() as { properties?: Record<string, unknown> };
    expect(headers.properties).toHaveProperty('ce_type');
    expect(
      document
        ?.operations()
        .all()
        .filter((op) => op.action() === 'receive'),
    ).toHaveLength(Object.keys(INBOUND_TOPICS).length);
    // spec §6: one channel carries both hold events; payments and risk are consumed
    const holds = document
      ?.channels()
      .all()
      .find((c) => c.address() === 'oms.orders.holds');
    expect(
      holds
        ?.messages()
        .all()
        .map((message) => message.name())
        .sort(),
    ).toEqual(['order.hold_placed', 'order.hold_released']);
    expect(addresses).toEqual(
      expect.arrayContaining([
        'oms.orders.payments',
        'oms.payments.authorized',
        'oms.payments.captured',
        'oms.payments.failed',
        'oms.risk.assessed',
      ]),
    );
    // the parser takes seconds on a loaded machine
  }, 30_000);

  it('puts shared schemas once in components and references them', () => {
    const document = buildAsyncApiDocument() as {
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        'Order',
        'Address',
        'PublishedHeaders',
        'FulfillmentShipped',
        'PaymentNotice',
        'RiskAssessed',
        'OrderHoldPlacedPayload',
        'OrderPaymentUpdatedPayload',
      ]),
    );
    expect(JSON.stringify(document)).not.toContain('#/definitions/');
    for (const [name, schema] of Object.entries(document.components.schemas))
      expect(schema).not.toEqual({ $ref: `#/components/schemas/${name}` });
  });
});
