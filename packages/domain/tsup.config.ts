import { defineConfig } from 'tsup';

// The public entries (the exports map of package.json names each one, for `import` and `require`).
const entries = {
  index: 'src/index.ts',
  'testing/index': 'src/testing/index.ts',
  'testing/contract': 'src/testing/contract.ts',
  'testing/fixtures': 'src/testing/fixtures.ts',
};

const shared = { sourcemap: true, target: 'node20', external: ['vitest'] };

export default defineConfig([
  {
    // ESM, one file per source module: with `"sideEffects": false` a bundler keeps only the modules a consumer
    // uses (one helper does not pull every zod schema and zod's locales into a browser bundle).
    ...shared,
    entry: ['src/**/*.ts', '!src/**/*.spec.ts'],
    format: ['esm'],
    bundle: false,
    dts: { entry: entries },
  },
  {
    // CommonJS, bundled; the entries share chunks, so `@oms/domain/testing` and `@oms/domain` hold one copy
    ...shared,
    entry: entries,
    format: ['cjs'],
    splitting: true,
    dts: { entry: entries },
  },
]);
