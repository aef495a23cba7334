import type { RecordedEvent } from '../application/ports/eventStore.port.js';
import { type IntegrationMessage, integrationMessage } from '../integration/integration.events.js';

/**
 * `order.personal_data_erased` is stored in a stream of its own beside the order's (`privacy-<orderId>`), so the
 * order's stream, its version and its fold stay exactly as they were (spec §7: nothing else about the order
 * changes); the relay publishes it like any stored event, keyed by the order id, on `oms.orders.privacy`.
 */
export const PERSONAL_DATA_ERASED = 'order.personal_data_erased';
export const PRIVACY_STREAM_PREFIX = 'privacy-';

export const privacyStreamId = (orderId: string): string => `${PRIVACY_STREAM_PREFIX}${orderId}`;

export interface PersonalDataErasedData {
  readonly orderId: string;
  readonly erasedAt: string;
}

export const isPersonalDataErased = (event: { readonly type: string }): boolean =>
  event.type === PERSONAL_DATA_ERASED;

const orderIdOf = (recorded: RecordedEvent): string => {
  const data = recorded.data as Partial<PersonalDataErasedData> | null;
  return typeof data?.orderId === 'string'
    ? data.orderId
    : recorded.streamId.slice(PRIVACY_STREAM_PREFIX.length);
};

/** The published message of a stored `order.personal_data_erased`: key and aggregate are the order. */
export const personalDataErasedMessage = (recorded: RecordedEvent): IntegrationMessage => {
  const orderId = orderIdOf(recorded);
  const data = recorded.data as Partial<PersonalDataErasedData> | null;
  return integrationMessage(
    { ...recorded, streamId: orderId },
    recorded.eventId,
    'order.personal_data_erased',
    { orderId, erasedAt: typeof data?.erasedAt === 'string' ? data.erasedAt : recorded.occurredAt },
  );
};
