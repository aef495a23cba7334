/**
 * A low-cardinality summary of a SQL statement (OpenTelemetry's `db.query.summary`): the operations and the tables
 * they name, in order (`INSERT oms_events SELECT oms_streams`). It never holds a literal, a parameter or a comment:
 * string literals, dollar-quoted bodies, numbers and `$n` placeholders are dropped before anything is read.
 */
export interface QuerySummary {
  /** `db.query.summary`, also the span name. */
  readonly summary: string;
  /** `db.operation.name`: the first operation. */
  readonly operation: string;
  /** `db.collection.name`, when the statement names exactly one table. */
  readonly collection?: string;
}

/** Operations that may stand anywhere in a statement (subqueries, common table expressions). */
const DML = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE']);
/** Operations read only as a statement's first word (`SET` inside an UPDATE is not one). */
const STATEMENTS = new Set([
  'CALL',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT',
  'RELEASE',
  'SET',
  'SHOW',
  'LOCK',
  'CREATE',
  'ALTER',
  'DROP',
  'TRUNCATE',
  'VACUUM',
  'ANALYZE',
  'PREPARE',
  'EXECUTE',
  'LISTEN',
  'NOTIFY',
  'COPY',
  'DO',
]);
/** Keywords after which the next identifier is a table. */
const TABLE_BEFORE = new Set(['FROM', 'JOIN', 'INTO', 'TABLE']);
const SKIP_AFTER_TABLE_KEYWORD = new Set(['ONLY', 'LATERAL', 'IF', 'NOT', 'EXISTS']);
/** `ON CONFLICT DO UPDATE`, `FOR UPDATE`, `FOR NO KEY UPDATE`: a clause, not a statement. */
const CLAUSE_BEFORE_UPDATE = new Set(['DO', 'FOR', 'KEY']);
const MAX_LENGTH = 255;

// literals and comments first, so that nothing inside them is ever read as a word
const NOISE =
  /--[^\n]*|\/\*[\s\S]*?\*\/|[eE]?'(?:[^']|'')*'|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$|\$\d+|\b\d+(?:\.\d+)?\b/g;
const TOKEN =
  /"(?:[^"]|"")+"(?:\s*\.\s*"(?:[^"]|"")+"|\s*\.\s*[A-Za-z_]\w*)?|[A-Za-z_]\w*(?:\s*\.\s*(?:[A-Za-z_]\w*|"(?:[^"]|"")+"))?|\(/g;

const tokens = (sql: string): string[] =>
  [...sql.replace(NOISE, ' ').matchAll(TOKEN)].map((match) => match[0].replace(/\s+/g, ''));

/** Names of common table expressions (`name AS (`, `name AS [NOT] MATERIALIZED (`): not tables. */
const cteNames = (words: readonly string[]): Set<string> => {
  const names = new Set<string>();
  for (let index = 0; index + 2 < words.length; index += 1) {
    if (words[index + 1]?.toUpperCase() !== 'AS') continue;
    let next = index + 2;
    if (words[next]?.toUpperCase() === 'NOT') next += 1;
    if (words[next]?.toUpperCase() === 'MATERIALIZED') next += 1;
    if (words[next] === '(') names.add(words[index] ?? '');
  }
  return names;
};

export const summarizeQuery = (sql: string): QuerySummary => {
  const words = tokens(sql);
  const first = words[0]?.toUpperCase() ?? '';
  if (STATEMENTS.has(first)) return { summary: first, operation: first };
  const ctes = cteNames(words);
  /** One segment per operation: the operation and the tables it names. */
  const segments: string[][] = [];
  const tables = new Set<string>();
  let expectTable = false;
  /** After FROM or JOIN a name followed by `(` is a function; after INTO, `(` opens the column list. */
  let functionsAllowed = false;
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index] ?? '';
    const upper = word.toUpperCase();
    if (expectTable) {
      if (SKIP_AFTER_TABLE_KEYWORD.has(upper)) continue;
      expectTable = false;
      // a function in FROM (`FROM jsonb_to_recordset($1)`), a subquery or a CTE is not a table
      if (word !== '(' && !(functionsAllowed && words[index + 1] === '(') && !DML.has(upper)) {
        if (!ctes.has(word)) {
          tables.add(word);
          segments.at(-1)?.push(word);
        }
        continue;
      }
    }
    const previous = words[index - 1]?.toUpperCase() ?? '';
    if (DML.has(upper) && !(upper === 'UPDATE' && CLAUSE_BEFORE_UPDATE.has(previous))) {
      segments.push([upper]);
      expectTable = upper === 'UPDATE';
      functionsAllowed = false;
      continue;
    }
    if (TABLE_BEFORE.has(upper)) {
      expectTable = true;
      functionsAllowed = upper === 'FROM' || upper === 'JOIN';
    }
  }
  // each operation on each table once, in order; an operation on no table only when it is the only one
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const segment of segments) {
    const [operation, ...names] = segment;
    const fresh = names.filter((name) => !seen.has(`${operation} ${name}`));
    if (names.length === 0 && segments.some((other) => other.length > 1)) continue;
    if (names.length > 0 && fresh.length === 0) continue;
    for (const name of fresh) seen.add(`${operation} ${name}`);
    const text = [operation, ...fresh].join(' ');
    if (parts.at(-1) !== text) parts.push(text);
  }
  const fallback = first === 'WITH' || first === '' ? 'QUERY' : first;
  return {
    summary: (parts.length > 0 ? parts.join(' ') : fallback).slice(0, MAX_LENGTH),
    operation: segments[0]?.[0] ?? fallback,
    ...(tables.size === 1 ? { collection: [...tables][0] as string } : {}),
  };
};

/** Summaries of the statements seen, bounded: the adapters' SQL is a small fixed set of texts. */
export const createSummaryCache = (capacity = 512): ((sql: string) => QuerySummary) => {
  const cache = new Map<string, QuerySummary>();
  return (sql) => {
    const known = cache.get(sql);
    if (known) return known;
    if (cache.size >= capacity) cache.clear();
    const summary = summarizeQuery(sql);
    cache.set(sql, summary);
    return summary;
  };
};
