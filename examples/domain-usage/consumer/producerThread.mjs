// `node producerThread.mjs`: the producer thread through import (see producerThread.shared.cjs).
import { createRequire } from 'node:module';

const { run } = createRequire(import.meta.url)('./producerThread.shared.cjs');
try {
  const ok = await run(
    await import('@oms/adapters-kafka'),
    await import('@oms/adapters-kafka/testing'),
    'ESM',
  );
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  console.log(`FAIL producer thread (ESM): ${error}`);
  process.exitCode = 1;
}
