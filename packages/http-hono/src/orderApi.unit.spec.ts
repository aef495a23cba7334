import { createInMemoryOrderStore } from '@oms/domain/testing';
import { orderApiScenarios } from './testing/orderApiScenarios.js';

orderApiScenarios('order API on the in-memory store', async () => createInMemoryOrderStore());
