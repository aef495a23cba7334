import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'testing/contract': 'src/testing/contract.ts',
    fixtures: 'src/testing/fixtures.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // CommonJS too: the entries share chunks, so `@oms/domain/testing` and `@oms/domain` hold one copy of the domain
  splitting: true,
  target: 'node20',
  external: ['vitest'],
});
