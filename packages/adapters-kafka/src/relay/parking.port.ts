/** Outbound dead letters: stored events the relay could not publish, kept for an operator (spec §3, issue #10). */
export type ParkedStatus =
  | 'parked'
  | 'retry-requested'
  | 'skip-requested'
  | 'published'
  | 'skipped';

export interface ParkedEvent {
  readonly id: string;
  readonly relay: string;
  readonly globalPosition: number;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly reason: string;
  readonly status: ParkedStatus;
  readonly parkedAt: string;
  readonly resolvedAt?: string;
}

export type NewParkedEvent = Pick<
  ParkedEvent,
  'globalPosition' | 'streamId' | 'streamVersion' | 'eventId' | 'eventType' | 'reason'
>;

/** PostgreSQL: `createPgParkedEventStore` (table `oms_outbound_parked`). */
export interface ParkingStore {
  /** Records a parked event (parking it again, after a failed retry, updates its reason and status). */
  park(relay: string, event: NewParkedEvent): Promise<ParkedEvent>;
  /** Parked events not resolved yet (parked, or with an operator's request pending), in stream order. */
  open(relay: string): Promise<ParkedEvent[]>;
  /** The relay's verdict after an operator's request. */
  settle(id: string, status: 'published' | 'skipped'): Promise<void>;
  /** An operator's request: undefined when there is no open parked event with this id. */
  request(id: string, action: 'retry' | 'skip'): Promise<ParkedEvent | undefined>;
}

/** Parked events in memory, for unit tests and single-process demos. */
export const createInMemoryParkingStore = (): ParkingStore & {
  readonly events: ReadonlyMap<string, ParkedEvent>;
} => {
  const events = new Map<string, ParkedEvent>();
  let next = 1;
  const isOpen = (event: ParkedEvent) =>
    event.status === 'parked' ||
    event.status === 'retry-requested' ||
    event.status === 'skip-requested';
  return {
    events,
    async park(relay, event) {
      const existing = [...events.values()].find(
        (parked) => parked.relay === relay && parked.globalPosition === event.globalPosition,
      );
      const id = existing?.id ?? String(next++);
      const parked: ParkedEvent = {
        ...event,
        id,
        relay,
        status: 'parked',
        parkedAt: existing?.parkedAt ?? new Date().toISOString(),
      };
      events.set(id, parked);
      return parked;
    },
    async open(relay) {
      return [...events.values()]
        .filter((event) => event.relay === relay && isOpen(event))
        .sort((a, b) => a.globalPosition - b.globalPosition);
    },
    async settle(id, status) {
      const event = events.get(id);
      if (event) events.set(id, { ...event, status, resolvedAt: new Date().toISOString() });
    },
    async request(id, action) {
      const event = events.get(id);
      if (!event || !isOpen(event)) return undefined;
      const requested: ParkedEvent = {
        ...event,
        status: action === 'retry' ? 'retry-requested' : 'skip-requested',
      };
      events.set(id, requested);
      return requested;
    },
  };
};
