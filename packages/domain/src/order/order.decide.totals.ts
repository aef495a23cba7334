import { err, ok } from 'neverthrow';
import { DECIMAL_AMOUNT } from '../shared/money.js';
import { type FieldError, validationFailed } from './order.errors.js';
import type { OrderEvent } from './order.events.js';
import { fold } from './order.evolve.js';
import type { Decision } from './order.guards.js';
import type { OrderState } from './order.state.js';

/**
 * The Money rules hold for totals too: a line or order total beyond 15 integer digits is refused, never stored
 * (quantity × unit price is exact, so fraction digits and sign follow from the parsed command).
 */
export const totalsFit = (events: readonly OrderEvent[], state: OrderState): Decision => {
  if (!events.some((event) => CHANGES_LINES.has(event.type))) return ok([...events]);
  const after = fold(events, state);
  if (after.status === 'NONE') return ok([...events]);
  const problems: FieldError[] = after.lines.flatMap((line, index) =>
    DECIMAL_AMOUNT.test(line.lineTotal.amount)
      ? []
      : [{ path: `lines.${index}.lineTotal`, message: TOTAL_RULE }],
  );
  if (!DECIMAL_AMOUNT.test(after.orderTotal.amount))
    problems.push({ path: 'orderTotal', message: TOTAL_RULE });
  return problems.length > 0 ? err(validationFailed(problems)) : ok([...events]);
};
const CHANGES_LINES: ReadonlySet<string> = new Set([
  'order.created',
  'order.line_added',
  'order.line_quantity_changed',
]);
const TOTAL_RULE = 'the total would exceed 15 integer digits';
