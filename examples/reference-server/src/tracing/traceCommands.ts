import type { ExecuteOrderRequest } from '@oms/domain';
import { SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { ResultAsync } from 'neverthrow';

export const TRACER_NAME = '@oms/reference-server';

/**
 * The write path with an INTERNAL span per command (`ConfirmOrder`, attributes `oms.command.type`, `oms.order.id`,
 * `oms.command.outcome`), the child of the request or message that asked for it; the SQL statements of the command
 * are its children. The decorator sits where the server composes the one write path, so HTTP, the webhook, the
 * consumer and the CLI share it.
 */
export const traceCommands =
  (
    execute: ExecuteOrderRequest,
    tracer: Tracer = trace.getTracer(TRACER_NAME),
  ): ExecuteOrderRequest =>
  (execution) =>
    tracer.startActiveSpan(execution.request.type, (span) => {
      span.setAttribute('oms.command.type', execution.request.type);
      if ('orderId' in execution.request && execution.request.orderId)
        span.setAttribute('oms.order.id', execution.request.orderId);
      const run = Promise.resolve(execute(execution)).then(
        (result) => {
          const outcome = result.isErr()
            ? result.error.code
            : result.value.kind === 'refused'
              ? result.value.error.code
              : result.value.replayed
                ? 'replayed'
                : 'ok';
          span.setAttribute('oms.command.outcome', outcome);
          if (result.isOk() && result.value.kind !== 'refused')
            span.setAttribute('oms.order.id', result.value.orderId);
          if (result.isErr()) {
            span.setAttribute('error.type', result.error.code);
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
          return result;
        },
        (error: unknown) => {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          throw error;
        },
      );
      return new ResultAsync(run);
    });
