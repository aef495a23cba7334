// The value scripts/vitest.global-setup.ts provides to every int/e2e test file (`inject('databaseUrl')`).
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
