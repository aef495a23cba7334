import { createPgOrderStore } from '@oms/adapters-pg';
import { createExecuteOrderRequest, systemClock, uuidV7Generator } from '@oms/domain';
import { commandRequest } from '../commandRequest.js';
import type { Config } from '../config.js';
import type { Database } from '../database.js';
import { out } from './output.js';

const flagValue = (args: readonly string[], name: string): string | undefined => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};

/** Translates the arguments into a request, runs it through `executeOrderRequest` (source `cli`), prints the outcome. */
export const runCommand = async (
  database: Database,
  args: readonly string[],
  config: Pick<Config, 'OMS_CONFIRM_REQUIRES_PAYMENT'>,
): Promise<number> => {
  const [type = ''] = args;
  let body: unknown = {};
  try {
    body = JSON.parse(flagValue(args, '--input') ?? '{}');
  } catch {
    process.stderr.write('--input must be JSON\n');
    return 2;
  }
  const orderId = flagValue(args, '--order');
  const lineId = flagValue(args, '--line');
  const holdId = flagValue(args, '--hold');
  const request = commandRequest(
    type,
    {
      ...(orderId ? { orderId } : {}),
      ...(lineId ? { lineId } : {}),
      ...(holdId ? { holdId } : {}),
    },
    body,
  );
  if (request.isErr()) {
    out({ refused: request.error });
    return 1;
  }
  const store = createPgOrderStore({ pool: database.pool, keyManagement: database.keyManagement });
  const execute = createExecuteOrderRequest({
    eventStore: store.eventStore,
    idempotency: store.idempotency,
    clock: systemClock,
    ids: uuidV7Generator,
    confirmRequiresPayment: config.OMS_CONFIRM_REQUIRES_PAYMENT,
  });
  const key = flagValue(args, '--key');
  const result = await execute({
    request: request.value,
    actor: 'cli',
    ...(key ? { idempotency: { source: 'cli', key } } : {}),
  });
  if (result.isErr()) {
    out({ failed: { code: result.error.code, message: result.error.message } });
    return 1;
  }
  const outcome = result.value;
  if (outcome.kind === 'refused') {
    out({ refused: outcome.error, replayed: outcome.replayed });
    return 1;
  }
  out({ order: outcome.view, version: outcome.version, replayed: outcome.replayed });
  return 0;
};
