/** Where a relay keeps the global position it has published up to (PostgreSQL: `createPgCheckpointStore`). */
export interface CheckpointStore {
  /** The saved position, 0 when there is none. */
  load(name: string): Promise<number>;
  save(name: string, position: number): Promise<void>;
}

/** A held lease: while it is held, no other relay of the same name publishes. */
export interface Lease {
  release(): Promise<void>;
  /** Aborted when the lease is lost (its connection died): the relay stops publishing and waits to retake it. */
  readonly signal?: AbortSignal;
}

/** Tries to take the lease: null when someone else holds it (PostgreSQL: `() => acquireLease(pool, name)`). */
export type LeaseProvider = () => Promise<Lease | null>;

/** A checkpoint store in memory, for unit tests and single-process demos. */
export const createInMemoryCheckpointStore = (
  initial: Readonly<Record<string, number>> = {},
): CheckpointStore & { readonly positions: ReadonlyMap<string, number> } => {
  const positions = new Map<string, number>(Object.entries(initial));
  return {
    positions,
    load: async (name) => positions.get(name) ?? 0,
    save: async (name, position) => {
      positions.set(name, position);
    },
  };
};

/** An in-process lease (one holder per name), for tests of the standby behaviour. */
export const createInMemoryLeases = (): ((name: string) => LeaseProvider) => {
  const held = new Set<string>();
  return (name) => async () => {
    if (held.has(name)) return null;
    held.add(name);
    return {
      release: async () => {
        held.delete(name);
      },
    };
  };
};
