import type { Result, ResultAsync } from 'neverthrow';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as domain from './index.js';
import * as testingContract from './testing/contract.js';
import * as testing from './testing/index.js';

/** What other packages import today: removing or renaming one of these breaks them (additions are fine). */
const PUBLIC_API = [
  'AddLineInputSchema',
  'AddressInputSchema',
  'AddressSchema',
  'AmountSchema',
  'CHANNELS',
  'CLOUDEVENTS_SOURCE',
  'COMMAND_ACTIONS',
  'CONSUMER_GROUP',
  'CancelOrderInputSchema',
  'ChangeLineQuantityInputSchema',
  'ChangeShippingAddressInputSchema',
  'CountryCodeSchema',
  'CreateOrderInputSchema',
  'CurrencyCodeSchema',
  'CustomerInputSchema',
  'CustomerSchema',
  'DECIMAL_AMOUNT',
  'DEFAULT_IDEMPOTENCY_LEASE_MS',
  'DEFAULT_IDEMPOTENCY_RETENTION_MS',
  'DLQ_TOPIC',
  'DeliverOrderInputSchema',
  'EmptyInputSchema',
  'FulfillmentPartiallyShippedSchema',
  'FulfillmentShippedSchema',
  'FulfillmentUnfulfillableSchema',
  'INBOUND_TOPICS',
  'InboundEnvelopeSchema',
  'LineAddedSchema',
  'LineInputSchema',
  'LineQuantityChangedSchema',
  'LineRemovedSchema',
  'ListOrdersQuerySchema',
  'MAX_FRACTION_DIGITS',
  'MAX_INTEGER_DIGITS',
  'MarkUnfulfillableInputSchema',
  'MetadataSchema',
  'MoneyInputSchema',
  'MoneySchema',
  'ORDER_COMMAND_SCHEMAS',
  'ORDER_COMMAND_TYPES',
  'ORDER_ERROR_CODES',
  'ORDER_EVENT_SCHEMAS',
  'ORDER_EVENT_TYPES',
  'ORDER_INPUT_SCHEMAS',
  'ORDER_STATUSES',
  'OrderCancelledSchema',
  'OrderCompletedSchema',
  'OrderConfirmedSchema',
  'OrderCreatedSchema',
  'OrderDeliveredSchema',
  'OrderEventSchema',
  'OrderLineSchema',
  'OrderMarkedUnfulfillableSchema',
  'OrderShippedSchema',
  'OrderSummarySchema',
  'OrderViewSchema',
  'PUBLISHED_PAYLOAD_SCHEMAS',
  'PUBLISHED_TOPICS',
  'PUBLISHED_TOPIC_NAMES',
  'PaymentNoticeSchema',
  'QuantitySchema',
  'RiskAssessedSchema',
  'ShipOrderInputSchema',
  'ShipmentLineInputSchema',
  'ShipmentSchema',
  'ShippingAddressChangedSchema',
  'ShippingDeliveredSchema',
  'StoredLineSchema',
  'TERMINAL_STATUSES',
  'TimestampSchema',
  'UUID_PATTERN',
  'UuidSchema',
  'addMoney',
  'canonicalJson',
  'classifyFailure',
  'concurrencyConflict',
  'createExecuteOrderRequest',
  'createOrderCommandHandler',
  'decide',
  'decodeCursor',
  'derivedEventId',
  'encodeCursor',
  'envelopeSchema',
  'eventSchemaVersion',
  'eventTime',
  'evolve',
  'fieldErrors',
  'fold',
  'formatAmount',
  'inboundToRequest',
  'initialState',
  'internalError',
  'invalidTransition',
  'isCountryCode',
  'isCurrencyCode',
  'isInboundTopic',
  'isOrder',
  'isOrderEventType',
  'isTerminal',
  'isUuid',
  'lineNotFound',
  'minorUnits',
  'minMoney',
  'money',
  'moneyFromJson',
  'moneyToJson',
  'multiplyMoney',
  'notEditable',
  'orderNotFound',
  'parseInput',
  'remainingToShip',
  'requestFingerprint',
  'serviceUnavailable',
  'stateFromEvents',
  'subtractMoney',
  'sumMoney',
  'systemClock',
  'toCommand',
  'toIntegrationMessages',
  'toOrderSummary',
  'toOrderView',
  'uuidV7Generator',
  'uuidv7',
  'uuidv7Time',
  'validationFailed',
  'zeroMoney',
];

describe('the public API of @oms/domain', () => {
  it('still exports every name other packages use', () => {
    expect(Object.keys(domain)).toEqual(expect.arrayContaining(PUBLIC_API));
    expect(Object.keys(testing)).toEqual(
      expect.arrayContaining(['createInMemoryOrderStore', 'given', 'orderFixtures']),
    );
    expect(Object.keys(testingContract)).toEqual(['eventStoreContract']);
  });

  it('keeps the signatures of the decider and the use case', () => {
    expectTypeOf(domain.decide).parameters.toEqualTypeOf<
      [domain.OrderCommand, domain.OrderState, domain.DecideOptions?]
    >();
    expectTypeOf(domain.decide).returns.toEqualTypeOf<
      Result<domain.OrderEvent[], domain.OrderError>
    >();
    expectTypeOf(domain.evolve).toEqualTypeOf<
      (state: domain.OrderState, event: domain.OrderEvent) => domain.OrderState
    >();
    expectTypeOf(
      domain.createOrderCommandHandler,
    ).returns.toEqualTypeOf<domain.OrderCommandHandler>();
    expectTypeOf<ReturnType<domain.OrderCommandHandler>>().toEqualTypeOf<
      ResultAsync<domain.CommandOutcome, domain.ApplicationError>
    >();
    expectTypeOf(domain.toOrderView).returns.toEqualTypeOf<domain.OrderView>();
    expectTypeOf<domain.ApplicationErrorCode>().toEqualTypeOf<
      | 'validation-failed'
      | 'invalid-state-transition'
      | 'order-not-editable'
      | 'line-not-found'
      | 'last-line'
      | 'over-shipment'
      | 'mixed-currencies'
      | 'unknown-event'
      | 'order-not-found'
      | 'order-on-hold'
      | 'hold-not-found'
      | 'concurrency-conflict'
      | 'service-unavailable'
      | 'internal'
      | 'idempotency-key-reused'
      | 'idempotency-key-in-flight'
      | 'invalid-cursor'
    >();
  });
});
