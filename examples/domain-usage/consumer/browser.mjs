// The browser bundle of a consumer that imports one helper of @oms/domain (bundled by the e2e test with
// `esbuild --bundle --platform=browser`; a node built-in anywhere in the graph fails the bundle).
import { formatAmount, money } from '@oms/domain';

export const price = formatAmount(money('29.99', 'USD'));
