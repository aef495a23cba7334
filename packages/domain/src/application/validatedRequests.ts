import type { OrderRequest } from './orderRequests.js';

/**
 * The requests `toOrderRequest` built: their input parsed by the command's schema and frozen. The write path decides
 * them without parsing the same input a second time; any other request (built by hand, or copied) is parsed in
 * `decide` as before. A WeakSet: a request forgotten by its caller is forgotten here too.
 */
const VALIDATED = new WeakSet<OrderRequest>();

const deepFreeze = (value: unknown): void => {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
};

/** Marks a request whose input was just validated; freezes it, so that what was validated is what is decided. */
export const markValidated = (request: OrderRequest): OrderRequest => {
  deepFreeze(request);
  VALIDATED.add(request);
  return request;
};

/** Was this very request built (and validated) by `toOrderRequest`? */
export const isValidated = (request: OrderRequest): boolean => VALIDATED.has(request);
