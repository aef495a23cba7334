export { etagOf, parseIdempotencyKey, parseIfMatch } from './commands/headers.js';
export { type CommandCall, httpIdempotencySource, runCommand } from './commands/runCommand.js';
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
export {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  type Problem,
  type ProblemCode,
  problem,
  problemFromError,
  statusOf,
} from './problems/problem.js';
export { mapShopifyOrder, shopifyOrderId } from './shopify/mapShopifyOrder.js';
export { signShopifyBody, verifyShopifySignature } from './shopify/signature.js';
