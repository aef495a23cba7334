import { appendFileSync } from 'node:fs';

/** Module resolution hook (runs off the main thread): records what resolves to an @opentelemetry package. */
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const log = process.env.OMS_OTEL_IMPORT_LOG;
  if (log && resolved.url.includes('@opentelemetry')) appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
