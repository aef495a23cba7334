import { messageOf } from '../errors.js';
import type { CheckpointStore, Lease, LeaseProvider } from './checkpoint.port.js';
import type { RelayError } from './relay.types.js';

export type LeaseState =
  /** Another relay holds it. */
  | { readonly held: false }
  /** Held: `epoch` fences this relay's checkpoint saves (undefined without a lease provider). */
  | {
      readonly held: true;
      readonly epoch?: number;
      /** Set when just taken: the saved position, and whether the previous holder let go cleanly. */
      readonly taken?: { readonly position: number; readonly clean: boolean };
    };

export interface RelayLease {
  /** Keeps the lease, or takes it (then `taken` says from which position the new holder goes on). */
  acquire(): Promise<LeaseState>;
  /** The lease was lost (its connection died) or another relay fenced this one off. */
  readonly lost: boolean;
  /** A checkpoint write or check said that another relay took over. */
  markFenced(): void;
  release(): Promise<void>;
  /** True while held (always without a lease provider). */
  readonly held: boolean;
}

/**
 * The relay's lease and its fencing token: each taking of the lease starts a new epoch in the checkpoint store,
 * and every save and pre-publish check of an older epoch is refused there, so a relay that lost its lease without
 * noticing can neither publish another batch nor move the checkpoint.
 */
export const createRelayLease = ({
  provider,
  checkpoints,
  name,
  onLost,
  report,
}: {
  readonly provider: LeaseProvider | undefined;
  readonly checkpoints: CheckpointStore;
  readonly name: string;
  /** Called as soon as the lease's connection is lost (before the relay's loop notices). */
  readonly onLost: () => void;
  readonly report: (error: RelayError) => void;
}): RelayLease => {
  let lease: Lease | undefined;
  let epoch: number | undefined;
  /** The last epoch this relay held: taking the next one over from itself needs no wait. */
  let ownEpoch: number | undefined;
  let fenced = false;
  const isLost = () => lease !== undefined && (fenced || lease.signal?.aborted === true);

  const drop = async () => {
    const lost = lease;
    const ending = epoch;
    // a relay that stops ends its epoch cleanly; one that lost its lease cannot (it no longer owns the epoch)
    if (lost && ending !== undefined && !isLost())
      await checkpoints.release(name, ending).catch(() => undefined);
    lease = undefined;
    epoch = undefined;
    fenced = false;
    await lost?.release().catch(() => undefined);
  };

  return {
    get lost() {
      return isLost();
    },
    get held() {
      return !provider || (lease !== undefined && !isLost());
    },
    markFenced() {
      fenced = true;
    },
    async acquire() {
      if (!provider) return { held: true };
      if (isLost()) {
        report({ code: 'lease-failed', message: 'the lease was lost; waiting to take it again' });
        await drop();
      }
      if (lease) return epoch === undefined ? { held: true } : { held: true, epoch };
      let taken: Lease | null;
      try {
        taken = await provider();
      } catch (cause) {
        report({ code: 'lease-failed', message: messageOf(cause), cause });
        return { held: false };
      }
      if (!taken) return { held: false };
      try {
        const fence = await checkpoints.fence(name);
        lease = taken;
        epoch = fence.epoch;
        // after its own lease loss the relay disconnected and waited for what it had in flight
        const clean = fence.clean || (ownEpoch !== undefined && fence.epoch === ownEpoch + 1);
        ownEpoch = fence.epoch;
        taken.signal?.addEventListener('abort', onLost, { once: true });
        return {
          held: true,
          epoch,
          taken: { position: fence.position, clean },
        };
      } catch (cause) {
        await taken.release().catch(() => undefined);
        report({ code: 'checkpoint-failed', message: messageOf(cause), cause });
        return { held: false };
      }
    },
    release: drop,
  };
};
