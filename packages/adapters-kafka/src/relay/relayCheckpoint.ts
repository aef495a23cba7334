import { err, ok, type Result } from 'neverthrow';
import { messageOf } from '../errors.js';
import { type CheckpointStore, isFenced } from './checkpoint.port.js';
import type { RelayError } from './relay.types.js';

/**
 * The relay's position and its saving: loaded once, moved forward after each acknowledged batch, saved with the
 * lease epoch (so a fenced relay's save is refused), and saved again later when the store was unreachable.
 */
export const createRelayCheckpoint = ({
  checkpoints,
  name,
  onFenced,
}: {
  readonly checkpoints: CheckpointStore;
  readonly name: string;
  /** Another relay took the lease over: the store refused this relay's epoch. */
  readonly onFenced: () => void;
}) => {
  let position: number | undefined;
  let unsaved = false;
  let epoch: number | undefined;

  const toError = (cause: unknown): RelayError => {
    if (isFenced(cause)) {
      onFenced();
      return { code: 'lease-failed', message: messageOf(cause), cause };
    }
    // a checkpoint ahead of this relay's (another relay without a lease): read it again, do not save over it
    if ((cause as { code?: unknown } | undefined)?.code === 'checkpoint-behind') {
      position = undefined;
      unsaved = false;
    }
    return { code: 'checkpoint-failed', message: messageOf(cause), cause };
  };

  const attempt = async <T>(work: () => Promise<T>): Promise<Result<T, RelayError>> => {
    try {
      return ok(await work());
    } catch (cause) {
      return err(toError(cause));
    }
  };

  return {
    get position() {
      return position;
    },
    /** A new lease epoch, and the position saved when it was taken. */
    takeOver(next: { readonly epoch: number | undefined; readonly position: number }) {
      epoch = next.epoch;
      position = next.position;
      unsaved = false;
    },
    /** Forgets the position and the epoch (the lease was lost). */
    forget() {
      position = undefined;
      unsaved = false;
      epoch = undefined;
    },
    /** The position to go on from: loaded if unknown, and a save that failed before done first. */
    async current(): Promise<Result<number, RelayError>> {
      if (position === undefined) {
        const at = epoch;
        const loaded = await attempt(() =>
          at === undefined ? checkpoints.load(name) : checkpoints.check(name, at),
        );
        if (loaded.isErr()) return err(loaded.error);
        position = loaded.value;
      }
      if (unsaved) {
        const to = position;
        const saved = await attempt(() => checkpoints.save(name, to, epoch));
        if (saved.isErr()) return err(saved.error);
        unsaved = false;
      }
      return ok(position);
    },
    /** Refused once another relay fenced this one's epoch (checked before every request). */
    async verify(): Promise<Result<void, RelayError>> {
      const at = epoch;
      if (at === undefined) return ok(undefined);
      const checked = await attempt(() => checkpoints.check(name, at));
      return checked.isErr() ? err(checked.error) : ok(undefined);
    },
    /** Moves to `to` (published) and saves it; an unreachable store leaves it to be saved by the next run. */
    async advance(to: number): Promise<Result<void, RelayError>> {
      position = to;
      const saved = await attempt(() => checkpoints.save(name, to, epoch));
      if (saved.isErr()) {
        unsaved = saved.error.code === 'checkpoint-failed' && position !== undefined;
        return err(saved.error);
      }
      return ok(undefined);
    },
  };
};
