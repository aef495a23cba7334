import type { z } from 'zod';
import {
  AddLineInputSchema,
  CancelOrderInputSchema,
  ChangeLineQuantityInputSchema,
  ChangeShippingAddressInputSchema,
  CreateOrderInputSchema,
  DeliverOrderInputSchema,
  EmptyInputSchema,
  MarkUnfulfillableInputSchema,
  type OrderCommand,
  type OrderCommandType,
  PlaceHoldInputSchema,
  RecordPaymentInputSchema,
  ShipOrderInputSchema,
} from '../order/order.commands.js';
import { SYSTEM_ACTOR } from '../order/order.holds.js';
import type { IdGenerator } from './ports/clock.port.js';

/** The input schema of each command: what HTTP bodies, Kafka payloads and the CLI are validated against. */
export const ORDER_INPUT_SCHEMAS = {
  CreateOrder: CreateOrderInputSchema,
  AddLine: AddLineInputSchema,
  RemoveLine: EmptyInputSchema,
  ChangeLineQuantity: ChangeLineQuantityInputSchema,
  ChangeShippingAddress: ChangeShippingAddressInputSchema,
  ConfirmOrder: EmptyInputSchema,
  CancelOrder: CancelOrderInputSchema,
  ShipOrder: ShipOrderInputSchema,
  MarkUnfulfillable: MarkUnfulfillableInputSchema,
  DeliverOrder: DeliverOrderInputSchema,
  CompleteOrder: EmptyInputSchema,
  PlaceHold: PlaceHoldInputSchema,
  ReleaseHold: EmptyInputSchema,
  RecordPayment: RecordPaymentInputSchema,
} as const satisfies Record<OrderCommandType, z.ZodTypeAny>;

type InputOf<T extends OrderCommandType> = z.output<(typeof ORDER_INPUT_SCHEMAS)[T]>;

/** A request to run one command, before ids and time are assigned. The entry point for HTTP, Kafka and the CLI. */
export type OrderRequest =
  | {
      readonly type: 'CreateOrder';
      readonly orderId?: string;
      readonly input: InputOf<'CreateOrder'>;
    }
  | { readonly type: 'AddLine'; readonly orderId: string; readonly input: InputOf<'AddLine'> }
  | { readonly type: 'RemoveLine'; readonly orderId: string; readonly lineId: string }
  | {
      readonly type: 'ChangeLineQuantity';
      readonly orderId: string;
      readonly lineId: string;
      readonly input: InputOf<'ChangeLineQuantity'>;
    }
  | {
      readonly type: 'ChangeShippingAddress';
      readonly orderId: string;
      readonly input: InputOf<'ChangeShippingAddress'>;
    }
  | { readonly type: 'ConfirmOrder'; readonly orderId: string }
  | {
      readonly type: 'CancelOrder';
      readonly orderId: string;
      readonly input: InputOf<'CancelOrder'>;
    }
  | { readonly type: 'ShipOrder'; readonly orderId: string; readonly input: InputOf<'ShipOrder'> }
  | {
      readonly type: 'MarkUnfulfillable';
      readonly orderId: string;
      readonly input: InputOf<'MarkUnfulfillable'>;
    }
  | {
      readonly type: 'DeliverOrder';
      readonly orderId: string;
      readonly input: InputOf<'DeliverOrder'>;
    }
  | { readonly type: 'CompleteOrder'; readonly orderId: string }
  | { readonly type: 'PlaceHold'; readonly orderId: string; readonly input: InputOf<'PlaceHold'> }
  | { readonly type: 'ReleaseHold'; readonly orderId: string; readonly holdId: string }
  | {
      readonly type: 'RecordPayment';
      readonly orderId: string;
      readonly input: InputOf<'RecordPayment'>;
    };

/** The actor as a command records it (`placedBy` of a hold): trimmed, at most 255 characters. */
const commandActor = (actor: string | undefined): string => {
  const trimmed = actor?.trim().slice(0, 255).trim();
  return trimmed === undefined || trimmed === '' ? SYSTEM_ACTOR : trimmed;
};

/** Completes a request into a command with the ids, the time and the actor it needs. */
export const toCommand = (
  request: OrderRequest,
  orderId: string,
  now: string,
  ids: IdGenerator,
  actor?: string,
): OrderCommand => {
  const metadata = { now, ...(actor === undefined ? {} : { actor: commandActor(actor) }) };
  switch (request.type) {
    case 'CreateOrder':
      return {
        type: 'CreateOrder',
        data: {
          ...request.input,
          orderId,
          lines: request.input.lines.map((line) => ({ ...line, lineId: ids.next() })),
        },
        metadata,
      };
    case 'AddLine':
      return {
        type: 'AddLine',
        data: { orderId, line: { ...request.input, lineId: ids.next() } },
        metadata,
      };
    case 'RemoveLine':
      return { type: 'RemoveLine', data: { orderId, lineId: request.lineId }, metadata };
    case 'ChangeLineQuantity':
      return {
        type: 'ChangeLineQuantity',
        data: { orderId, lineId: request.lineId, ...request.input },
        metadata,
      };
    case 'ChangeShippingAddress':
      return {
        type: 'ChangeShippingAddress',
        data: { orderId, shippingAddress: request.input },
        metadata,
      };
    case 'ConfirmOrder':
      return { type: 'ConfirmOrder', data: { orderId }, metadata };
    case 'CancelOrder':
      return { type: 'CancelOrder', data: { orderId, ...request.input }, metadata };
    case 'ShipOrder':
      return {
        type: 'ShipOrder',
        data: { orderId, ...request.input, shipmentId: request.input.shipmentId ?? ids.next() },
        metadata,
      };
    case 'MarkUnfulfillable':
      return { type: 'MarkUnfulfillable', data: { orderId, ...request.input }, metadata };
    case 'DeliverOrder':
      return { type: 'DeliverOrder', data: { orderId, ...request.input }, metadata };
    case 'CompleteOrder':
      return { type: 'CompleteOrder', data: { orderId }, metadata };
    case 'PlaceHold':
      return {
        type: 'PlaceHold',
        data: { orderId, ...request.input, holdId: request.input.holdId ?? ids.next() },
        metadata,
      };
    case 'ReleaseHold':
      return { type: 'ReleaseHold', data: { orderId, holdId: request.holdId }, metadata };
    case 'RecordPayment':
      return { type: 'RecordPayment', data: { orderId, ...request.input }, metadata };
    default: {
      const unhandled: never = request;
      return unhandled;
    }
  }
};
