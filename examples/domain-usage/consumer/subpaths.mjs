// `node subpaths.mjs <package>...`: import()s every subpath of the packages' exports maps (the ESM condition) and
// checks that each loads with a value. Exits 1 if any check failed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { subpathsOf, OPTIONAL_PEER_MISSING } = require('./subpaths.shared.cjs');

let failed = 0;
const check = (label, condition, detail = '') => {
  if (!condition) failed += 1;
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${label}${condition ? '' : ` (${detail})`}`);
};

for (const name of process.argv.slice(2)) {
  const manifest = JSON.parse(
    readFileSync(fileURLToPath(import.meta.resolve(`${name}/package.json`)), 'utf8'),
  );
  for (const { specifier, needs } of subpathsOf(name, manifest)) {
    const resolved = import.meta.resolve(specifier);
    check(
      `import.meta.resolve('${specifier}') is ESM`,
      resolved.endsWith('.js') || resolved.endsWith('.mjs'),
      resolved,
    );
    try {
      const loaded = await import(specifier);
      check(`import('${specifier}')`, Object.keys(loaded).length > 0, 'no exports');
    } catch (error) {
      const missing = needs && OPTIONAL_PEER_MISSING(needs).test(String(error?.message));
      check(
        `import('${specifier}')${needs ? ` fails only for want of its optional peer ${needs}` : ''}`,
        Boolean(missing),
        error?.message,
      );
    }
  }
}

if (failed > 0) process.exit(1);
console.log('consumer (ESM): every subpath loads');
