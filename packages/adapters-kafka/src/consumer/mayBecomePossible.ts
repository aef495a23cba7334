import { type ApplicationError, COMMAND_ACTIONS } from '@oms/domain';

/**
 * The statuses from which an inbound command, refused now, can still become allowed as the order moves on
 * (spec §2): a delivery before the shipment (Kafka does not order across topics), a shipment or an
 * unfulfillable notice before the confirmation. From anywhere else (a terminal status, or past the point) it never
 * applies.
 */
const NOT_YET: Readonly<Record<string, readonly string[]>> = {
  [COMMAND_ACTIONS.DeliverOrder]: ['DRAFT', 'CONFIRMED', 'PARTIALLY_SHIPPED'],
  [COMMAND_ACTIONS.ShipOrder]: ['DRAFT'],
  [COMMAND_ACTIONS.MarkUnfulfillable]: ['DRAFT'],
};

/**
 * True for a refusal that may turn into success later: a transition not possible yet, or an order that does not
 * exist yet (its creation may still be on its way). The consumer defers such a message instead of dead-lettering it.
 */
export const mayBecomePossible = (error: ApplicationError): boolean => {
  if (error.code === 'order-not-found') return true;
  if (error.code !== 'invalid-state-transition') return false;
  return NOT_YET[error.action]?.includes(error.status) ?? false;
};
