/** Where a relay keeps the global position it has published up to (PostgreSQL: `createPgCheckpointStore`). */
export interface CheckpointStore {
  /** The saved position, 0 when there is none. */
  load(name: string): Promise<number>;
  /**
   * Moves the checkpoint forward, never back (a lower position throws with `code: 'checkpoint-behind'`). With
   * `epoch`, only while that lease epoch is current (`code: 'checkpoint-fenced'` otherwise).
   */
  save(name: string, position: number, epoch?: number): Promise<void>;
  /**
   * Starts a new lease epoch (a relay that just took the lease): every older epoch is fenced off from now on.
   * `clean`: the previous holder released its epoch (false: it died or lost the lease with a batch maybe in flight).
   */
  fence(
    name: string,
  ): Promise<{ readonly epoch: number; readonly position: number; readonly clean: boolean }>;
  /** Ends an epoch cleanly (a relay that stops), so that the next holder need not wait for its last batch. */
  release(name: string, epoch: number): Promise<void>;
  /** The saved position while `epoch` is current; throws with `code: 'checkpoint-fenced'` once it is not. */
  check(name: string, epoch: number): Promise<number>;
  /** Saved positions of `name` and of its shards (`name/shard-…`), by checkpoint name (a relay's layouts). */
  family?(name: string): Promise<ReadonlyMap<string, number>>;
}

/** True for the error a fenced checkpoint store throws: another relay took the lease. */
export const isFenced = (cause: unknown): boolean =>
  typeof cause === 'object' &&
  cause !== null &&
  (cause as { code?: unknown }).code === 'checkpoint-fenced';

/** A held lease: while it is held, no other relay of the same name publishes. */
export interface Lease {
  release(): Promise<void>;
  /** Aborted when the lease is lost (its connection died): the relay stops publishing and waits to retake it. */
  readonly signal?: AbortSignal;
}

/** Tries to take the lease: null when someone else holds it (PostgreSQL: `() => acquireLease(pool, name)`). */
export type LeaseProvider = () => Promise<Lease | null>;

const refused = (code: 'checkpoint-fenced' | 'checkpoint-behind', message: string) =>
  Object.assign(new Error(message), { code });

/** A checkpoint store in memory, for unit tests and single-process demos (same rules as PostgreSQL's). */
export const createInMemoryCheckpointStore = (
  initial: Readonly<Record<string, number>> = {},
): CheckpointStore & { readonly positions: ReadonlyMap<string, number> } => {
  const positions = new Map<string, number>(Object.entries(initial));
  const epochs = new Map<string, number>();
  const released = new Map<string, boolean>();
  const checkEpoch = (name: string, epoch: number | undefined) => {
    if (epoch !== undefined && (epochs.get(name) ?? 0) !== epoch)
      throw refused('checkpoint-fenced', `checkpoint ${name}: lease epoch ${epoch} is not current`);
  };
  return {
    positions,
    load: async (name) => positions.get(name) ?? 0,
    save: async (name, position, epoch) => {
      checkEpoch(name, epoch);
      const saved = positions.get(name) ?? 0;
      if (position < saved)
        throw refused('checkpoint-behind', `checkpoint ${name}: ${position} is behind ${saved}`);
      positions.set(name, position);
    },
    fence: async (name) => {
      const epoch = (epochs.get(name) ?? 0) + 1;
      const clean = released.get(name) ?? true;
      epochs.set(name, epoch);
      released.set(name, false);
      return { epoch, position: positions.get(name) ?? 0, clean };
    },
    release: async (name, epoch) => {
      if (epochs.get(name) === epoch) released.set(name, true);
    },
    check: async (name, epoch) => {
      checkEpoch(name, epoch);
      return positions.get(name) ?? 0;
    },
    family: async (name) =>
      new Map([...positions].filter(([key]) => key === name || key.startsWith(`${name}/shard-`))),
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
