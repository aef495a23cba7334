import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSummaryCache, summarizeQuery } from './querySummary.js';

describe('summarizeQuery (db.query.summary)', () => {
  it.each([
    ['SELECT 1', { summary: 'SELECT', operation: 'SELECT' }],
    [
      'SELECT * FROM oms_events WHERE stream_id = $1',
      { summary: 'SELECT oms_events', operation: 'SELECT', collection: 'oms_events' },
    ],
    [
      'INSERT INTO oms_events (a, b) SELECT a, b FROM oms_streams s JOIN public.oms_orders o ON true',
      { summary: 'INSERT oms_events SELECT oms_streams public.oms_orders', operation: 'INSERT' },
    ],
    [
      'UPDATE oms_orders SET status = $2 WHERE id = $1',
      { summary: 'UPDATE oms_orders', operation: 'UPDATE', collection: 'oms_orders' },
    ],
    [
      'INSERT INTO t (k) VALUES ($1) ON CONFLICT (k) DO UPDATE SET k = excluded.k',
      { summary: 'INSERT t', operation: 'INSERT', collection: 't' },
    ],
    [
      'SELECT position FROM oms_relay FOR UPDATE',
      { summary: 'SELECT oms_relay', operation: 'SELECT', collection: 'oms_relay' },
    ],
    [
      'WITH x AS (DELETE FROM "Keys" RETURNING 1) SELECT count(*) FROM x',
      { summary: 'DELETE "Keys"', operation: 'DELETE', collection: '"Keys"' },
    ],
    [
      'WITH a AS MATERIALIZED (SELECT 1 FROM t), b AS (INSERT INTO u SELECT * FROM a RETURNING 1) SELECT * FROM b, t',
      { summary: 'SELECT t INSERT u', operation: 'SELECT' },
    ],
    [
      'SELECT * FROM jsonb_to_recordset($1) AS r(a int)',
      { summary: 'SELECT', operation: 'SELECT' },
    ],
    ['BEGIN', { summary: 'BEGIN', operation: 'BEGIN' }],
    ["SET LOCAL statement_timeout = '0'", { summary: 'SET', operation: 'SET' }],
    ['', { summary: 'QUERY', operation: 'QUERY' }],
  ])('%s', (sql, expected) => {
    expect(summarizeQuery(sql)).toEqual(expected);
  });

  it('never carries a literal, a comment or a number from the statement', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9@._ -]{1,30}$/);
    fc.assert(
      fc.property(secret, fc.integer({ min: 0, max: 1e9 }), (value, number) => {
        const quoted = value.replaceAll("'", "''");
        const sql = `/* ${value} */ SELECT a FROM t WHERE e = '${quoted}' AND n = ${number} AND d = $tag$${value}$tag$ -- ${value}`;
        expect(summarizeQuery(sql)).toEqual({
          summary: 'SELECT t',
          operation: 'SELECT',
          collection: 't',
        });
      }),
    );
  });

  it('keeps one summary per statement text, within its capacity', () => {
    const summarize = createSummaryCache(2);
    const first = summarize('SELECT a FROM t');
    expect(summarize('SELECT a FROM t')).toBe(first);
    summarize('SELECT a FROM u');
    summarize('SELECT a FROM v');
    expect(summarize('SELECT a FROM t')).toEqual(first);
  });
});
