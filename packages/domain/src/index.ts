export {
  type ApplicationError,
  type ApplicationErrorCode,
  type IdempotencyError,
  type InfrastructureError,
  internalError,
  type QueryError,
  serviceUnavailable,
} from './application/errors.js';
export {
  createExecuteOrderRequest,
  type ExecuteOrderRequest,
  type ExecuteOrderRequestDeps,
  type OrderRequestExecution,
  type OrderRequestOutcome,
  type RequestIdempotency,
} from './application/executeOrderRequest.js';
export { classifyFailure, type FailureClass } from './application/failures.js';
export { canonicalJson, requestFingerprint } from './application/fingerprint.js';
export {
  type CommandContext,
  type CommandOutcome,
  type CommandResult,
  createOrderCommandHandler,
  createOrderCommandRunner,
  type HeldIdempotencyKey,
  type OrderCommandHandler,
  type OrderCommandHandlerDeps,
  type OrderCommandRunner,
  stateFromEvents,
} from './application/handleOrderCommand.js';
export { ORDER_INPUT_SCHEMAS, type OrderRequest, toCommand } from './application/orderRequests.js';
export {
  type ReportedPayment,
  RISK_LEVELS,
  type RiskAssessment,
  type RiskLevel,
  recordPaymentRequest,
  riskAssessmentRequest,
} from './application/paymentRequests.js';
export {
  type Clock,
  type IdGenerator,
  systemClock,
  uuidV7Generator,
} from './application/ports/clock.port.js';
export type {
  AppendOptions,
  AppendResult,
  ConcurrencyConflict,
  EventMetadata,
  EventStore,
  EventStoreError,
  IdempotencyCompletion,
  NewEvent,
  ReadStreamOptions,
  ReadStreamResult,
  RecordedEvent,
} from './application/ports/eventStore.port.js';
export {
  DEFAULT_IDEMPOTENCY_LEASE_MS,
  DEFAULT_IDEMPOTENCY_RETENTION_MS,
  type IdempotencyClaim,
  type IdempotencyKey,
  type IdempotencyOutcome,
  type IdempotencyRequest,
  type IdempotencyStore,
} from './application/ports/idempotency.port.js';
export {
  type Cursor,
  decodeCursor,
  encodeCursor,
  type ListOrdersQuery,
  ListOrdersQuerySchema,
  type OrderPage,
  type OrderQueries,
} from './application/ports/orderQueries.port.js';
export {
  isOrderCommandType,
  type OrderRequestTarget,
  toOrderRequest,
} from './application/toOrderRequest.js';
export {
  CONSUMER_GROUP,
  DLQ_TOPIC,
  FulfillmentPartiallyShippedSchema,
  FulfillmentShippedSchema,
  FulfillmentUnfulfillableSchema,
  INBOUND_TOPICS,
  type InboundCommand,
  InboundEnvelopeSchema,
  type InboundNothingToDo,
  type InboundTopic,
  inboundToRequest,
  isInboundTopic,
  PaymentNoticeSchema,
  RiskAssessedSchema,
  ShippingDeliveredSchema,
} from './integration/inbound.js';
export {
  CLOUDEVENTS_SOURCE,
  derivedEventId,
  envelopeSchema,
  type IntegrationEnvelope,
  type IntegrationMessage,
  integrationMessage,
  PUBLISHED_PAYLOAD_SCHEMAS,
  PUBLISHED_SCHEMA_VERSIONS,
  PUBLISHED_TOPIC_NAMES,
  PUBLISHED_TOPICS,
  type PublishedEventType,
  toIntegrationMessages,
} from './integration/integration.events.js';
export * from './order/order.commands.js';
export { COMMAND_ACTIONS, type DecideOptions, decide, isTerminal } from './order/order.decide.js';
export * from './order/order.errors.js';
export * from './order/order.events.js';
export { evolve, fold, skipUnknownEvent } from './order/order.evolve.js';
export * from './order/order.holds.js';
export * from './order/order.payments.js';
export * from './order/order.state.js';
export * from './order/order.status.js';
export {
  evolveStored,
  foldStored,
  ORDER_EVENT_UPCASTERS,
  type StoredEvent,
  toDomainEvent,
  type UnknownEvent,
  type Upcaster,
} from './order/order.upcast.js';
export * from './order/order.view.js';
export {
  ERASED,
  erasePersonalData,
  holdsPersonalData,
  mergePersonalData,
  PERSONAL_DATA_FIELDS,
  type PersonalValues,
  splitPersonalData,
} from './privacy/personalData.js';
export {
  isPersonalDataErased,
  PERSONAL_DATA_ERASED,
  type PersonalDataErasedData,
  PRIVACY_STREAM_PREFIX,
  personalDataErasedMessage,
  privacyStreamId,
} from './privacy/personalDataErased.js';
export { isCountryCode } from './shared/countries.js';
export { sha256Hex } from './shared/hash.js';
export * from './shared/ids.js';
export * from './shared/money.js';
export * from './shared/schemas.js';
export { unstorableTextErrors } from './shared/textSafety.js';
export { fieldErrors, parseInput } from './shared/validation.js';
