import { classifyFailure, type OrderError } from '@oms/domain';
import type { Context } from 'hono';
import type { CommandResponse } from '../commands/runCommand.js';
import type { AppEnv } from '../env.js';
import type { ShopifyDeliveryIds } from './shopifyInbox.js';

const DELIVERY_ID = /^[\x21-\x7e]{1,255}$/;

const headerId = (value: string | undefined): string | undefined =>
  value !== undefined && DELIVERY_ID.test(value) ? value : undefined;

/** The delivery ids of a webhook request (a malformed one is ignored). */
export const deliveryIds = (c: Context<AppEnv>): ShopifyDeliveryIds => {
  const webhookId = headerId(c.req.header('X-Shopify-Webhook-Id'));
  const eventId = headerId(c.req.header('X-Shopify-Event-Id'));
  return {
    ...(webhookId !== undefined ? { webhookId } : {}),
    ...(eventId !== undefined ? { eventId } : {}),
  };
};

/** A request the domain refused to build, in one line: its message and every field. */
export const reasonOf = (error: OrderError): string =>
  [
    error.message,
    ...('errors' in error ? error.errors.map((e) => `${e.path}: ${e.message}`) : []),
  ].join('; ');

/** The one-line reason of a problem response. */
export const problemReason = async (response: Response): Promise<string> => {
  try {
    const body = (await response.clone().json()) as {
      code?: string;
      detail?: string;
      errors?: { path: string; message: string }[];
    };
    const fields = (body.errors ?? []).map((error) => `${error.path}: ${error.message}`);
    const code = body.code ?? String(response.status);
    return [`${code}: ${body.detail ?? ''}`, ...fields].join('; ');
  } catch {
    return `answered ${response.status}`;
  }
};

/**
 * Whether Shopify should deliver this again: the domain's `classifyFailure` decides (not-yet and transient are
 * retried: the order has not arrived yet, a key in flight, a lost race, the store down); a final refusal is parked.
 * A problem of the HTTP request itself (no domain error) is retried only when it is a server error.
 */
export const shouldRetry = ({ response, failure }: CommandResponse): boolean =>
  failure !== undefined ? classifyFailure(failure) !== 'final' : response.status >= 500;
