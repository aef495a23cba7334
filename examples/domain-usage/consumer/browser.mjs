// A browser consumer importing one helper of @oms/domain: the e2e test bundles it with
// `esbuild --bundle --platform=browser` (a node built-in anywhere in its graph fails the bundle) and weighs it.
import { isCurrencyCode } from '@oms/domain';

export const acceptsUsd = isCurrencyCode('USD');
