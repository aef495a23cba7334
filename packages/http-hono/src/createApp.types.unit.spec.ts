import type { OpenAPIHono } from '@hono/zod-openapi';
import { createInMemoryOrderStore } from '@oms/domain/testing';
import { describe, expectTypeOf, it } from 'vitest';
import { type AppDeps, type AppOptions, createApp, type OrderApp } from './index.js';

describe('public API types', () => {
  it('createApp takes the ports and optional options, and returns an OpenAPIHono app', () => {
    expectTypeOf(createApp).parameter(0).toEqualTypeOf<AppDeps>();
    expectTypeOf(createApp).parameter(1).toEqualTypeOf<AppOptions | undefined>();
    expectTypeOf(createApp).returns.toEqualTypeOf<OrderApp>();
    expectTypeOf<OrderApp['openAPIRegistry']>().toEqualTypeOf<OpenAPIHono['openAPIRegistry']>();
    expectTypeOf<OrderApp['fetch']>().toBeFunction();
    expectTypeOf(createInMemoryOrderStore()).toExtend<AppDeps>();
    expectTypeOf<AppOptions['bodyLimit']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<AppDeps['ready']>().toEqualTypeOf<(() => Promise<boolean>) | undefined>();
  });
});
