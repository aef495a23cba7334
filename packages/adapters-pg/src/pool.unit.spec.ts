import { describe, expect, it } from 'vitest';
import { toInfrastructureError } from './pool.js';

const pgError = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });

describe('toInfrastructureError', () => {
  it.each(['ECONNREFUSED', '57P01', '08006', '40001', '40P01', '25006', '55P03', '57014'])(
    'maps %s, which passes when tried again, to service-unavailable',
    (code) => {
      expect(toInfrastructureError(pgError(code)).code).toBe('service-unavailable');
    },
  );

  it.each(['22P02', '23505', '42P01'])(
    'maps %s, a statement that stays wrong, to internal',
    (code) => {
      const mapped = toInfrastructureError(pgError(code));
      expect(mapped.code).toBe('internal');
      expect(mapped.message).toBe(`database operation failed (${code})`);
    },
  );
});
