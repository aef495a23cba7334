import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SOURCE = join(import.meta.dirname, '..');
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });

describe('the domain source', () => {
  it('imports no node: module (Web Crypto and @noble/hashes instead), so it runs in a browser or edge runtime', () => {
    const offenders = sources(SOURCE).filter((path) =>
      /from ['"]node:|require\(['"]node:/.test(readFileSync(path, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
