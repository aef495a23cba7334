import type {
  Clock,
  EventStore,
  ExecuteOrderRequest,
  IdGenerator,
  OrderQueries,
} from '@oms/domain';
import type { Logger } from 'pino';
import type { HttpMetrics } from './metrics/httpMetrics.js';
import type { RequestLimits } from './openapi/responses.js';
import type { ConsistentReads } from './reads/consistentReads.js';
import type { ShopifyInbox } from './shopify/shopifyInbox.js';

/** What the routes share: the ports, the write path and the settings, resolved once by `createApp`. */
export interface AppRuntime {
  readonly eventStore: EventStore;
  readonly queries: OrderQueries;
  /** Where GET and list are served, and the consistency token of a command's answer. */
  readonly reads: ConsistentReads;
  /** The one write path (`createExecuteOrderRequest`): every command route and the webhook go through it. */
  readonly execute: ExecuteOrderRequest;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly ready: () => Promise<boolean>;
  readonly metrics: HttpMetrics;
  readonly logger: Logger;
  readonly requireIdempotencyKey: boolean;
  /** What a request body may be (documented on every request body of /openapi.json). */
  readonly limits: RequestLimits;
  readonly shopifySecret?: string;
  readonly shopifyInbox: ShopifyInbox;
}
