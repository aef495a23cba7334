// After the load: waits until the relay has published every message the stored events call for (or gives up after
// 90 s), then checks what the collector read.
import { setTimeout as sleep } from 'node:timers/promises';
import { checkPublished, expectedMessages } from './verify.mjs';

const PROGRESS_SQL = `
SELECT (SELECT json_agg(json_build_object('name', name, 'position', position)) FROM oms_checkpoints) AS checkpoints,
       (SELECT max(global_position) FROM oms_events) AS head,
       (SELECT json_agg(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted) AS lease_holders`;

const eventIdOf = (message) => {
  try {
    return JSON.parse(message.value ?? '').eventId;
  } catch {
    return undefined;
  }
};

/** `checkPublished`'s result, with a line on when the last expected message arrived after `loadEnd`. */
export const checkRelayed = async ({ streams, collector, pool, kafka, loadEnd, say, domain }) => {
  const expected = expectedMessages(streams, domain);
  const wanted = new Set(expected.map((message) => message.value.eventId));
  const orderIds = new Set(streams.keys());
  const deadline = Date.now() + 90_000;
  const received = () => {
    const got = new Set();
    for (const message of collector.messages)
      if (message.key && orderIds.has(message.key)) got.add(eventIdOf(message));
    return [...wanted].filter((id) => got.has(id)).length;
  };
  let progressAt = Date.now() + 10_000;
  while (received() < wanted.size && Date.now() < deadline && !kafka.died()) {
    await sleep(500);
    if (Date.now() < progressAt) continue;
    progressAt = Date.now() + 10_000;
    const state = await pool
      .query(PROGRESS_SQL)
      .then((result) => JSON.stringify(result.rows[0]))
      .catch((error) => String(error));
    say(`waiting for the relay: ${received()}/${wanted.size} messages seen; ${state}`);
  }
  await sleep(1_000); // late duplicates
  const firstArrival = new Map();
  for (const message of collector.messages) {
    const eventId = eventIdOf(message);
    if (wanted.has(eventId) && !firstArrival.has(eventId))
      firstArrival.set(eventId, message.receivedAt);
  }
  let lastArrival = loadEnd;
  for (const at of firstArrival.values()) lastArrival = Math.max(lastArrival, at);
  const published = checkPublished(expected, collector.messages, orderIds);
  published.lines.push(
    published.missing === 0
      ? `the last expected message arrived ${((lastArrival - loadEnd) / 1000).toFixed(1)}s after the load ended`
      : `gave up waiting ${((Date.now() - loadEnd) / 1000).toFixed(1)}s after the load ended${kafka.died() ? ' (the Kafka mock cluster had died)' : ''}`,
  );
  return published;
};
