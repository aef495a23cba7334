/** `/v1/orders/{orderId}` (OpenAPI) → `/v1/orders/:orderId` (Hono). */
export const toHonoPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');
