import { COMMAND_ACTIONS } from '../order/order.decide.js';
import type { ApplicationError } from './errors.js';

/**
 * What a failed request says about trying it again. The one classification every entry point uses:
 * - `final`: the request can never succeed as it is (bad input, a rule of the order). Recorded as the idempotency
 *   key's outcome, so a retry gets the same answer; a Kafka message goes to the dead-letter topic.
 * - `not-yet`: it may succeed once the order has moved on: the order does not exist yet (a webhook or message that
 *   overtook the create), or a transition its current status does not allow yet (delivered before shipped; see
 *   `NOT_YET`). Not recorded; a consumer defers it.
 * - `transient`: the machinery failed or lost a race (store down, unexpected error, version conflict, the key busy).
 *   Not recorded; the same request may simply be retried.
 *
 * A `not-yet` transition is exactly one of `NOT_YET` below: every other refused transition is final.
 */
export type FailureClass = 'final' | 'not-yet' | 'transient';

/**
 * The statuses from which a command, refused now, can still become allowed as the order moves on (spec §2): a
 * delivery before the shipment (Kafka does not order across topics), a shipment or an unfulfillable notice before
 * the confirmation. From anywhere else (a terminal status, or past the point) it never applies.
 */
const NOT_YET: Readonly<Record<string, readonly string[]>> = {
  [COMMAND_ACTIONS.DeliverOrder]: ['DRAFT', 'CONFIRMED', 'PARTIALLY_SHIPPED'],
  [COMMAND_ACTIONS.ShipOrder]: ['DRAFT'],
  [COMMAND_ACTIONS.MarkUnfulfillable]: ['DRAFT'],
};

export const classifyFailure = (error: ApplicationError): FailureClass => {
  switch (error.code) {
    case 'service-unavailable':
    case 'internal':
    case 'concurrency-conflict':
    case 'idempotency-key-in-flight':
    // the stream holds events this replica does not know (a rolling upgrade): a newer replica can decide it
    case 'unknown-event':
      return 'transient';
    case 'order-not-found':
    // a hold is released in time (payment arrives, review passes): the command can then apply
    case 'order-on-hold':
      return 'not-yet';
    case 'invalid-state-transition':
      return NOT_YET[error.action]?.includes(error.status) ? 'not-yet' : 'final';
    case 'validation-failed':
    case 'order-not-editable':
    case 'line-not-found':
    case 'hold-not-found':
    case 'last-line':
    case 'over-shipment':
    case 'mixed-currencies':
    case 'idempotency-key-reused':
    case 'invalid-cursor':
      return 'final';
    default: {
      const unhandled: never = error;
      return unhandled;
    }
  }
};
