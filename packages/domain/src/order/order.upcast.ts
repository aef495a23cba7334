import { err, ok, type Result } from 'neverthrow';
import {
  eventSchemaVersion,
  isOrderEventType,
  type OrderEvent,
  type OrderEventType,
} from './order.events.js';
import { evolve, skipUnknownEvent } from './order.evolve.js';
import { initialState, type OrderState } from './order.state.js';

/** What upcasting needs of a stored event (a `RecordedEvent` has it). */
export interface StoredEvent {
  readonly type: string;
  /** The schema version it was written with; missing or not a positive integer reads as 1. */
  readonly schemaVersion?: number;
  readonly data: unknown;
}

/** A stored event this version of the domain cannot read: written by a newer replica (rolling upgrade). */
export interface UnknownEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly reason: 'unknown-type' | 'newer-schema-version';
}

type EventData = Readonly<Record<string, unknown>>;
/** Turns an event's data from schema version n into version n + 1. Pure; never throws. */
export type Upcaster = (data: EventData) => EventData;

/**
 * For each stored event type, its upcasters keyed by the version they read: `{1: v1 → v2, 2: v2 → v3}`. Reading
 * applies the chain from the stored version up to the current one (`ORDER_EVENT_SCHEMAS[type].version`), so the
 * fold and everything after it only ever see current events. An old event is never rewritten in the store.
 */
export const ORDER_EVENT_UPCASTERS: {
  readonly [T in OrderEventType]?: Readonly<Record<number, Upcaster>>;
} = {
  /** v2 added `reasonCode`; a v1 cancellation had only the free-text reason. */
  'order.cancelled': { 1: (data) => ({ ...data, reasonCode: 'other' }) },
};

const storedVersion = (value: unknown): number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? value : 1;

const asData = (value: unknown): EventData =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as EventData) : {};

/**
 * The one way a stored event becomes a domain event: its upcaster chain applied, by schema version. An event this
 * version does not know — an unknown type, or a schema version newer than its own — is an `UnknownEvent`, never
 * an exception. The stored data is trusted as written by `decide` (it is not re-validated on every read).
 */
export const toDomainEvent = (stored: StoredEvent): Result<OrderEvent, UnknownEvent> => {
  const { type } = stored;
  const version = storedVersion(stored.schemaVersion);
  if (!isOrderEventType(type)) return err({ type, schemaVersion: version, reason: 'unknown-type' });
  const current = eventSchemaVersion(type);
  if (version > current)
    return err({ type, schemaVersion: version, reason: 'newer-schema-version' });
  let data = asData(stored.data);
  for (let from = version; from < current; from += 1) {
    const upcast = ORDER_EVENT_UPCASTERS[type]?.[from];
    if (upcast) data = upcast(data);
  }
  return ok({ type, data } as OrderEvent);
};

/**
 * Applies one stored event to the state: upcast, then `evolve`. An event this version cannot read is skipped with
 * its version counted (`skipUnknownEvent`) rather than failing the whole stream: during a rolling upgrade an older
 * replica must still read (and serve) the orders a newer one wrote, and a refusal would make them unreadable. It
 * does not act on them: `decide` refuses commands on such a state with `unknown-event`.
 */
export const evolveStored = (state: OrderState, stored: StoredEvent): OrderState =>
  toDomainEvent(stored).match(
    (event) => evolve(state, event),
    (unknown) => skipUnknownEvent(state, unknown),
  );

/** The state of an order from its stored events (oldest first), each upcast to its current schema version. */
export const foldStored = (
  events: readonly StoredEvent[],
  state: OrderState = initialState(),
): OrderState => events.reduce(evolveStored, state);
