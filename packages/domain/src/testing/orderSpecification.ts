import { expect } from 'vitest';
import type { OrderCommand } from '../order/order.commands.js';
import { decide } from '../order/order.decide.js';
import type { OrderErrorCode } from '../order/order.errors.js';
import type { OrderEvent } from '../order/order.events.js';
import { fold } from '../order/order.evolve.js';
import type { OrderState } from '../order/order.state.js';

export interface OrderThen {
  /** The command produced exactly these events; returns them and the state after them. */
  then(expected: readonly OrderEvent[]): { events: readonly OrderEvent[]; state: OrderState };
  /** The command produced events matching this predicate or partial shape. */
  thenMatches(expected: readonly unknown[]): readonly OrderEvent[];
  /** The command was refused with this error code. */
  thenFails(code: OrderErrorCode): void;
}

/** Given-when-then for the Order decider: `given(events).when(command).then(events)` or `.thenFails(code)`. */
export const given = (history: readonly OrderEvent[] = []) => ({
  when(command: OrderCommand): OrderThen {
    const state = fold(history);
    const result = decide(command, state);
    return {
      // biome-ignore lint/suspicious/noThenProperty: given/when/then is the API; the object is never awaited
      then(expected) {
        expect(
          result.isOk(),
          result.isErr() ? `refused: ${JSON.stringify(result.error)}` : '',
        ).toBe(true);
        const events = result._unsafeUnwrap();
        expect(events).toEqual(expected);
        return { events, state: fold(events, state) };
      },
      thenMatches(expected) {
        expect(
          result.isOk(),
          result.isErr() ? `refused: ${JSON.stringify(result.error)}` : '',
        ).toBe(true);
        const events = result._unsafeUnwrap();
        expect(events).toMatchObject(expected);
        return events;
      },
      thenFails(code) {
        expect(
          result.isErr(),
          `expected ${code}, got events ${JSON.stringify(result.isOk() ? result.value : [])}`,
        ).toBe(true);
        expect(result._unsafeUnwrapErr().code).toBe(code);
      },
    };
  },
});
