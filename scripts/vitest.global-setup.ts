import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../packages/adapters-pg/src/embedded/startEmbeddedPostgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server URL; test files create their own database on it with `createTestDatabase`. */
    databaseUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: the server named by DATABASE_URL when set (nothing is started), otherwise an
 * embedded PostgreSQL on a free port in a fresh temporary folder, stopped and removed at teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.DATABASE_URL;
  if (given) {
    project.provide('databaseUrl', given);
    return async () => undefined;
  }
  const folder = await mkdtemp(join(tmpdir(), 'oms-pg-'));
  // Our own folder: the postgres user that runs the server (as root) must be able to enter it.
  await chmod(folder, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: join(folder, 'data'),
    // A throw-away cluster: durability buys nothing here and costs time on a shared machine.
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
  });
  project.provide('databaseUrl', server.url);
  return async () => {
    await server.stop();
    await rm(folder, { recursive: true, force: true });
  };
}
