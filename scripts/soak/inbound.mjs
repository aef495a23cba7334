// The soak's payment service and risk engine (spec §6): once a virtual user is done with an order, it may get a
// payment notice (authorized, captured or failed; now and then above the order total, which can never apply) and a
// risk assessment on Kafka, some delivered twice. Every distinct message is written to a JSON-lines file for the
// verifier (scripts/soak/verifyInbound.mjs), which expects exactly one effect or one dead letter for each.
import { createWriteStream } from 'node:fs';
import { kafkajs } from './modules.mjs';

/** `amount` (a decimal string) times `fraction`, with the digits of the order's currency. */
const part = (amount, fraction, currencyCode) => {
  const digits = currencyCode === 'JPY' ? 0 : 2;
  return Math.max(10 ** -digits, Number(amount) * fraction).toFixed(digits);
};

export const createInboundDriver = async ({ brokers, file, seed }) => {
  const module = await kafkajs();
  const Kafka = module.Kafka ?? module.default.Kafka;
  const { logLevel } = module.logLevel ? module : module.default;
  const producer = new Kafka({
    clientId: 'oms-soak-inbound',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2_000 },
  }).producer();
  await producer.connect();
  const out = createWriteStream(file);
  const counts = { payments: 0, risks: 0, duplicates: 0, failedSends: 0 };

  const send = async (random, topic, orderId, payload, record) => {
    const eventId = `soak-${seed}-${random.hex(16)}`;
    const value = JSON.stringify({ eventId, eventType: topic, payload });
    const copies = random.chance(0.25) ? 2 : 1;
    try {
      for (let copy = 0; copy < copies; copy += 1)
        await producer.send({ topic, acks: -1, messages: [{ key: orderId, value }] });
    } catch {
      // not written: nothing to expect (a copy that did reach the broker is still checked for one effect)
      counts.failedSends += 1;
      return;
    }
    counts.duplicates += copies - 1;
    out.write(`${JSON.stringify({ topic, orderId, eventId, copies, ...record })}\n`);
  };

  return {
    counts,
    /** Payment and risk messages for an order the virtual user no longer touches. */
    async afterLifecycle(random, order) {
      if (!order?.total) return;
      const { amount, currencyCode } = order.total;
      if (random.chance(0.35)) {
        const topic = random.pick([
          'oms.payments.authorized',
          'oms.payments.authorized',
          'oms.payments.captured',
          'oms.payments.failed',
        ]);
        // above the total can never apply (a failed payment is not held to the total; a lost answer may hide an edit)
        const above = topic !== 'oms.payments.failed' && !order.uncertain && random.chance(0.1);
        const paid = above
          ? part(amount, 2, currencyCode)
          : random.chance(0.6)
            ? amount
            : part(amount, 0.5, currencyCode);
        counts.payments += 1;
        await send(
          random,
          topic,
          order.id,
          {
            orderId: order.id,
            paymentId: `pay-${random.hex(8)}`,
            amount: { amount: paid, currencyCode },
            ...(random.chance(0.5) ? { provider: 'stripe' } : {}),
            at: new Date().toISOString(),
          },
          { kind: 'payment', aboveTotal: above },
        );
      }
      if (random.chance(0.25)) {
        const riskLevel = random.pick(['LOW', 'MEDIUM', 'HIGH']);
        counts.risks += 1;
        await send(
          random,
          'oms.risk.assessed',
          order.id,
          { orderId: order.id, riskLevel, ...(random.chance(0.5) ? { reason: 'soak' } : {}) },
          { kind: 'risk', riskLevel },
        );
      }
    },
    async close() {
      await producer.disconnect().catch(() => undefined);
      await new Promise((resolve) => out.end(resolve));
    },
  };
};
