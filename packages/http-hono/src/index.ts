export { etagOf, parseIdempotencyKey } from './commands/headers.js';
export { type CommandCall, httpIdempotencySource, runCommand } from './commands/runCommand.js';
export {
  type EntityTag,
  type EntityTagCondition,
  ifNoneMatchHits,
  parseEntityTags,
} from './conditional/entityTags.js';
export { type IfMatchProblem, resolveIfMatch } from './conditional/ifMatch.js';
export { type AppDeps, type AppOptions, createApp, type OrderApp } from './createApp.js';
export type { AppEnv } from './env.js';
export { createHttpMetrics, type HttpMetrics } from './metrics/httpMetrics.js';
export {
  type ApiKey,
  type ApiKeysOption,
  apiKeyAuth,
  matchApiKey,
  parseApiKeys,
} from './middleware/apiKeys.js';
export { CLIENT_CLOSED_REQUEST, type ReadBodyOptions, readBody } from './middleware/readBody.js';
export type { PersonalDataEraser } from './privacy/personalDataEraser.js';
export {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  type Problem,
  type ProblemCode,
  problem,
  problemFromError,
  statusOf,
} from './problems/problem.js';
export {
  CONSISTENCY_TOKEN_HEADER,
  type ConsistentReads,
  newestVersionNamed,
  singleDatabaseReads,
} from './reads/consistentReads.js';
export { nodeServerOptions, type ServerTimeouts } from './server/serverTimeouts.js';
export { mapShopifyOrder, shopifyOrderId } from './shopify/mapShopifyOrder.js';
export { createInMemoryShopifyInbox } from './shopify/memoryShopifyInbox.js';
export { parseShopifyPayload } from './shopify/parseShopifyPayload.js';
export type {
  ParkedShopifyDelivery,
  ShopifyDeliveryIds,
  ShopifyDeliveryRecord,
  ShopifyInbox,
} from './shopify/shopifyInbox.js';
export { signShopifyBody, verifyShopifySignature } from './shopify/signature.js';
export { activeTraceparent } from './tracing/activeTraceparent.js';
export { TRACER_NAME, traceRequests } from './tracing/traceRequests.js';
