import { createInMemoryOrderStore } from '@oms/domain/testing';
import { hostileInputScenarios } from './testing/hostileInputScenarios.js';

hostileInputScenarios('hostile input on the in-memory store', async () =>
  createInMemoryOrderStore(),
);
