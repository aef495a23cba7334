// `node --import` this file: every @opentelemetry module the process resolves is appended to $OMS_OTEL_IMPORT_LOG.
import { register } from 'node:module';

register('./recordOtelImportsHooks.mjs', import.meta.url);
