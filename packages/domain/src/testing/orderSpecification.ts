import type { OrderCommand } from '../order/order.commands.js';
import { decide } from '../order/order.decide.js';
import type { OrderErrorCode } from '../order/order.errors.js';
import type { OrderEvent } from '../order/order.events.js';
import { fold } from '../order/order.evolve.js';
import type { OrderState } from '../order/order.state.js';
import { deepEqual, matchesShape, SpecificationFailure } from './expectations.js';

export interface OrderThen {
  /** The command produced exactly these events; returns them and the state after them. */
  then(expected: readonly OrderEvent[]): { events: readonly OrderEvent[]; state: OrderState };
  /** The command produced events matching this partial shape (element by element, same count). */
  thenMatches(expected: readonly unknown[]): readonly OrderEvent[];
  /** The command was refused with this error code. */
  thenFails(code: OrderErrorCode): void;
}

/**
 * Given-when-then for the Order decider: `given(events).when(command).then(events)` or `.thenFails(code)`.
 * Framework-free: a failed expectation throws a `SpecificationFailure` (with `actual` and `expected`).
 */
export const given = (history: readonly OrderEvent[] = []) => ({
  when(command: OrderCommand): OrderThen {
    const state = fold(history);
    const result = decide(command, state);
    const decided = (): readonly OrderEvent[] => {
      if (result.isErr())
        throw new SpecificationFailure(
          `expected events, but ${command.type} was refused: ${JSON.stringify(result.error)}`,
        );
      return result.value;
    };
    return {
      // biome-ignore lint/suspicious/noThenProperty: given/when/then is the API; the object is never awaited
      then(expected) {
        const events = decided();
        if (!deepEqual(events, expected))
          throw new SpecificationFailure(
            `${command.type} produced other events than expected`,
            events,
            expected,
          );
        return { events, state: fold(events, state) };
      },
      thenMatches(expected) {
        const events = decided();
        if (!matchesShape(events, expected))
          throw new SpecificationFailure(
            `${command.type} produced events that do not match the expected shape`,
            events,
            expected,
          );
        return events;
      },
      thenFails(code) {
        if (result.isOk())
          throw new SpecificationFailure(
            `expected ${code}, but ${command.type} produced events ${JSON.stringify(result.value)}`,
          );
        if (result.error.code !== code)
          throw new SpecificationFailure(
            `expected ${code}, but ${command.type} was refused with ${result.error.code}`,
            result.error.code,
            code,
          );
      },
    };
  },
});
