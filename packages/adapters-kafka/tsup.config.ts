import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    // the relay's producer thread (createThreadedPublisher starts it from beside itself in dist)
    'relay-publisher-worker': 'src/relay/publisherWorker.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // CommonJS too: `@oms/adapters-kafka/testing` and the main entry share chunks instead of holding two copies
  splitting: true,
  target: 'node20',
  // import.meta.url in the CommonJS build too (where the producer thread's file is found)
  shims: true,
});
