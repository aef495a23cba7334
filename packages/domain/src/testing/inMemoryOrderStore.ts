import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { InfrastructureError, QueryError } from '../application/errors.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventStoreError,
  NewEvent,
  ReadStreamOptions,
  ReadStreamResult,
  RecordedEvent,
} from '../application/ports/eventStore.port.js';
import {
  DEFAULT_IDEMPOTENCY_LEASE_MS,
  DEFAULT_IDEMPOTENCY_RETENTION_MS,
  type IdempotencyClaim,
  type IdempotencyKey,
  type IdempotencyOutcome,
  type IdempotencyRequest,
  type IdempotencyStore,
} from '../application/ports/idempotency.port.js';
import {
  decodeCursor,
  encodeCursor,
  type ListOrdersQuery,
  type OrderPage,
  type OrderQueries,
} from '../application/ports/orderQueries.port.js';
import { concurrencyConflict } from '../order/order.errors.js';
import { type OrderView, toOrderSummary } from '../order/order.view.js';

interface IdempotencyRecord {
  fingerprint: string;
  token: string;
  outcome?: IdempotencyOutcome;
  leaseUntil: number;
  expiresAt: number;
}

/** One map key per (source, key): a key of one source never meets another source's. */
const recordKey = ({ source, key }: IdempotencyKey): string => JSON.stringify([source, key]);

export interface InMemoryOrderStore {
  readonly eventStore: EventStore;
  readonly idempotency: IdempotencyStore;
  readonly queries: OrderQueries;
  /** Every stored event in global order (for assertions). */
  readonly allEvents: () => readonly RecordedEvent[];
}

export interface InMemoryOrderStoreOptions {
  readonly now?: () => number;
}

/** An in-memory event store, idempotency store and read model with the same semantics as the PostgreSQL adapter. */
export const createInMemoryOrderStore = ({
  now = Date.now,
}: InMemoryOrderStoreOptions = {}): InMemoryOrderStore => {
  const events: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  const documents = new Map<string, OrderView>();
  const keys = new Map<string, IdempotencyRecord>();
  let tokens = 0;

  /** The record this token holds, still without an outcome. */
  const heldRecord = (key: IdempotencyKey, token: string): IdempotencyRecord | undefined => {
    const record = keys.get(recordKey(key));
    return record && record.token === token && !record.outcome ? record : undefined;
  };

  const eventStore: EventStore = {
    readStream(
      streamId: string,
      options: ReadStreamOptions = {},
    ): ResultAsync<ReadStreamResult, InfrastructureError> {
      const stream = streams.get(streamId) ?? [];
      const asOf = options.asOf?.getTime();
      // asOf: a prefix of the stream, up to the last event (in stream order) that occurred by then.
      const lastAsOf =
        asOf === undefined
          ? Number.POSITIVE_INFINITY
          : Math.max(
              0,
              ...stream.filter((e) => Date.parse(e.occurredAt) <= asOf).map((e) => e.streamVersion),
            );
      const selected = stream.filter(
        (event) =>
          (options.toVersion === undefined || event.streamVersion <= options.toVersion) &&
          event.streamVersion <= lastAsOf,
      );
      return okAsync({ events: selected, version: selected.at(-1)?.streamVersion ?? 0 });
    },
    appendToStream(
      streamId: string,
      newEvents: readonly NewEvent[],
      options: AppendOptions,
    ): ResultAsync<AppendResult, EventStoreError> {
      const stream = streams.get(streamId) ?? [];
      if (stream.length !== options.expectedVersion)
        return errAsync(concurrencyConflict(options.expectedVersion, stream.length));
      if (options.idempotency) {
        const { key, token, outcome } = options.idempotency;
        const record = heldRecord(key, token);
        if (!record)
          return errAsync({
            code: 'idempotency-key-in-flight',
            message: `idempotency key ${key.key} is no longer held by this request`,
            key: key.key,
          });
        record.outcome = structuredClone(outcome);
      }
      const recorded = newEvents.map(
        (event, index): RecordedEvent => ({
          ...event,
          streamId,
          streamVersion: options.expectedVersion + index + 1,
          globalPosition: events.length + index + 1,
        }),
      );
      events.push(...recorded);
      streams.set(streamId, [...stream, ...recorded]);
      if (options.snapshot !== undefined)
        documents.set(streamId, structuredClone(options.snapshot) as OrderView);
      const last = recorded.at(-1);
      return okAsync({
        nextVersion: last?.streamVersion ?? stream.length,
        lastGlobalPosition: last?.globalPosition ?? 0,
      });
    },
    readAll(
      afterPosition: number,
      limit: number,
    ): ResultAsync<readonly RecordedEvent[], InfrastructureError> {
      return okAsync(events.slice(Math.max(0, afterPosition), Math.max(0, afterPosition) + limit));
    },
  };

  const idempotency: IdempotencyStore = {
    claim(request: IdempotencyRequest): ResultAsync<IdempotencyClaim, InfrastructureError> {
      const at = now();
      const existing = keys.get(recordKey(request));
      if (existing && existing.expiresAt > at) {
        if (existing.fingerprint !== request.fingerprint) return okAsync({ kind: 'mismatch' });
        if (existing.outcome)
          return okAsync({ kind: 'replay', outcome: structuredClone(existing.outcome) });
        if (existing.leaseUntil > at) return okAsync({ kind: 'in-flight' });
      }
      tokens += 1;
      const token = `token-${tokens}`;
      const leaseMs = request.leaseMs ?? DEFAULT_IDEMPOTENCY_LEASE_MS;
      keys.set(recordKey(request), {
        fingerprint: request.fingerprint,
        token,
        leaseUntil: at + leaseMs,
        expiresAt: at + leaseMs + Math.max(request.retainMs ?? 0, DEFAULT_IDEMPOTENCY_RETENTION_MS),
      });
      return okAsync({ kind: 'claimed', token });
    },
    release(key: IdempotencyKey, token: string): ResultAsync<void, InfrastructureError> {
      if (heldRecord(key, token)) keys.delete(recordKey(key));
      return okAsync(undefined);
    },
  };

  const queries: OrderQueries = {
    getOrder: (orderId: string) => okAsync(documents.get(orderId) ?? null),
    listOrders(query: ListOrdersQuery): ResultAsync<OrderPage, InfrastructureError | QueryError> {
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (query.cursor !== undefined && cursor === undefined)
        return errAsync({
          code: 'invalid-cursor',
          message: 'the cursor is not one this server issued',
        });
      const matching = [...documents.values()]
        .filter(
          (order) =>
            (!query.status || query.status.includes(order.status)) &&
            (!query.channel || order.channel === query.channel) &&
            (!query.paymentStatus || query.paymentStatus.includes(order.paymentStatus)) &&
            (query.onHold === undefined || order.holds.length > 0 === query.onHold) &&
            (!query.customerEmail ||
              order.customer.email.toLowerCase() === query.customerEmail.toLowerCase()) &&
            (!query.createdFrom || order.createdAt >= query.createdFrom) &&
            (!query.createdTo || order.createdAt < query.createdTo) &&
            (!cursor ||
              order.createdAt < cursor.createdAt ||
              (order.createdAt === cursor.createdAt && order.id < cursor.id)),
        )
        .sort((a, b) =>
          a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
        );
      const page = matching.slice(0, query.limit);
      const hasMore = matching.length > query.limit;
      const last = page.at(-1);
      return okAsync({
        data: page.map(toOrderSummary),
        pagination: {
          nextCursor:
            hasMore && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
          hasMore,
        },
      });
    },
  };

  return { eventStore, idempotency, queries, allEvents: () => [...events] };
};
