import type {
  Clock,
  EventStore,
  IdempotencyStore,
  IdGenerator,
  OrderCommandHandler,
  OrderQueries,
} from '@oms/domain';
import type { Logger } from 'pino';
import type { HttpMetrics } from './metrics/httpMetrics.js';
import type { ShopifyInbox } from './shopify/shopifyInbox.js';

/** What the routes share: the ports, the command handler and the settings, resolved once by `createApp`. */
export interface AppRuntime {
  readonly eventStore: EventStore;
  readonly idempotency?: IdempotencyStore;
  readonly queries: OrderQueries;
  readonly handle: OrderCommandHandler;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly ready: () => Promise<boolean>;
  readonly metrics: HttpMetrics;
  readonly logger: Logger;
  readonly requireIdempotencyKey: boolean;
  readonly shopifySecret?: string;
  readonly shopifyInbox: ShopifyInbox;
}
