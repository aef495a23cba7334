import type { OrderApp } from '../createApp.js';

/** What every group of hostile-input scenarios reads, once `beforeAll` has created the app and the seed order. */
export type HostileContext = {
  readonly app: OrderApp;
  readonly orderId: string;
  readonly lineId: string;
};
