import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server URL from scripts/vitest.global-setup.ts; tests create their own database on it. */
    databaseUrl: string;
  }
}
