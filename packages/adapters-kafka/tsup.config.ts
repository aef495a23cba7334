import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // CommonJS too: `@oms/adapters-kafka/testing` and the main entry share chunks instead of holding two copies
  splitting: true,
  target: 'node20',
});
