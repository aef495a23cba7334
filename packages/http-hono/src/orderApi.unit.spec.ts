import { createInMemoryOrderStore } from '@oms/domain/testing';
import { holdsPaymentScenarios } from './testing/holdsPaymentScenarios.js';
import { httpProtocolScenarios } from './testing/httpProtocolScenarios.js';
import { orderApiScenarios } from './testing/orderApiScenarios.js';

orderApiScenarios('order API on the in-memory store', async () => createInMemoryOrderStore());

httpProtocolScenarios('HTTP protocol on the in-memory store', async () =>
  createInMemoryOrderStore(),
);

holdsPaymentScenarios('holds and payments on the in-memory store', async () =>
  createInMemoryOrderStore(),
);
