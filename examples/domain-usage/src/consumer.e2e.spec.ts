import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Another team's service, as the issue describes it: a fresh npm project OUTSIDE the workspace installs the packed
// tarballs of every published package (plus ITS OWN neverthrow and zod, the lowest versions our peer ranges
// accept, not the ones we build with), compiles against the ports, require()s and import()s every subpath,
// bundles for the browser and runs the README's example (usage.ts, copied verbatim). The project's files are in
// ../consumer. Needs `pnpm build` first and the npm registry (or npm's cache: --prefer-offline).

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const PACKAGES = ['@oms/domain', '@oms/adapters-pg', '@oms/adapters-kafka', '@oms/http-hono'];
/** The floors of the peer ranges (`neverthrow ^8.0.0`, `zod ^4.5.0`): we build with 8.2.0 and 4.6.7. */
const OWN_NEVERTHROW = '8.0.0';
const OWN_ZOD = '4.5.0';
/** One helper in a browser bundle weighed 493 KB minified when every zod schema and zod's locales came along. */
const ONE_HELPER_BUDGET_BYTES = 100_000;

let workspace = '';
let project = '';

/**
 * The environment pnpm and vitest give their children (npm_config_*, and a NODE_PATH into the workspace's
 * node_modules), which must not steer the consumer's npm nor let its node find the workspace's packages (vitest).
 */
const cleanEnvironment = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        name !== 'NODE_PATH' &&
        (!/^npm_(config|package|lifecycle)_/i.test(name) ||
          name.toLowerCase() === 'npm_config_registry'),
    ),
  );

const run = (
  command: string,
  args: readonly string[],
  timeout = 120_000,
): SpawnSyncReturns<string> =>
  spawnSync(command, args, { cwd: project, encoding: 'utf8', env: cleanEnvironment(), timeout });

const expectSuccess = (result: SpawnSyncReturns<string>): string => {
  expect(result.error, String(result.error)).toBeUndefined();
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  expect(result.stdout).not.toContain('FAIL');
  return result.stdout;
};

beforeAll(() => {
  workspace = realpathSync(mkdtempSync(join(tmpdir(), 'oms-consumer-')));
  project = join(workspace, 'project');
  const packed = spawnSync(
    process.execPath,
    [join(root, 'scripts', 'pack-packages.mjs'), join(workspace, 'tarballs')],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  expect(packed.status, packed.stderr).toBe(0);
  const tarballs = JSON.parse(packed.stdout) as Record<string, string>;
  expect(Object.keys(tarballs).sort()).toEqual([...PACKAGES].sort());

  cpSync(join(here, '..', 'consumer'), project, { recursive: true });
  cpSync(join(here, 'usage.ts'), join(project, 'src', 'usage.ts'));
  const dependencies = Object.fromEntries(
    Object.entries(tarballs).map(([name, tarball]) => [name, `file:${tarball}`]),
  );
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'another-teams-service',
        private: true,
        type: 'module',
        dependencies: { ...dependencies, neverthrow: OWN_NEVERTHROW, zod: OWN_ZOD },
      },
      null,
      2,
    ),
  );
  expectSuccess(
    run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      300_000,
    ),
  );
}, 420_000);

afterAll(() => {
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('a fresh npm project on the packed tarballs, with its own neverthrow and zod', () => {
  it('holds one copy of neverthrow and of zod: its own, shared by every package', () => {
    for (const name of PACKAGES)
      for (const peer of ['neverthrow', 'zod'])
        expect(existsSync(join(project, 'node_modules', name, 'node_modules', peer))).toBe(false);
    const fromProject = createRequire(join(project, 'package.json'));
    const fromDomain = createRequire(fromProject.resolve('@oms/domain'));
    expect(fromDomain.resolve('neverthrow/package.json')).toBe(
      fromProject.resolve('neverthrow/package.json'),
    );
    expect(fromProject('neverthrow/package.json').version).toBe(OWN_NEVERTHROW);
    expect(fromProject('zod/package.json').version).toBe(OWN_ZOD);
  });

  it('compiles (tsc, strict, no skipLibCheck) its own EventStore on its own okAsync, the adapters and the README example', () => {
    expectSuccess(run(process.execPath, [tsc, '-p', '.']));
  }, 120_000);

  it('runs the README example, its own EventStore and given/when/then without vitest (ESM)', () => {
    const output = expectSuccess(run(process.execPath, ['dist/main.js']));
    expect(output).toContain('ok   README example: the seed order is created and confirmed');
    expect(output).toContain('ok   a refusal is an Err of the consumer’s neverthrow');
  }, 60_000);

  it('require()s every subpath of every package and creates + confirms an order as CommonJS', () => {
    const output = expectSuccess(run(process.execPath, ['subpaths.cjs', ...PACKAGES]));
    expect(output).toContain("ok   require('@oms/domain/testing')");
    expect(output).toContain("ok   require('@oms/adapters-kafka/testing')");
    expect(output).toContain(
      'CommonJS, in-memory store of @oms/domain/testing: CONFIRMED, 59.98 USD',
    );
  }, 60_000);

  it('runs the relay producer thread from the packed package (its worker file in dist), as ESM and as CommonJS', () => {
    for (const [script, label] of [
      ['producerThread.mjs', 'ESM'],
      ['producerThread.cjs', 'CommonJS'],
    ] as const)
      expect(expectSuccess(run(process.execPath, [script]))).toContain(
        `ok   producer thread (${label})`,
      );
  }, 120_000);

  it('import()s every subpath of every package', () => {
    const output = expectSuccess(run(process.execPath, ['subpaths.mjs', ...PACKAGES]));
    expect(output).toContain("ok   import('@oms/domain/testing')");
    expect(output).toContain("ok   import('@oms/http-hono')");
  }, 60_000);

  it('bundles the domain entry and a one-helper consumer for the browser, without node built-ins', async () => {
    const bundle = (entry: { stdin: string } | { file: string }) =>
      build({
        ...('file' in entry
          ? { entryPoints: [join(project, entry.file)] }
          : { stdin: { contents: entry.stdin, resolveDir: project, loader: 'js' } }),
        absWorkingDir: project,
        bundle: true,
        platform: 'browser',
        format: 'esm',
        minify: true,
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
    const whole = await bundle({ stdin: "export * from '@oms/domain';" });
    const oneHelper = await bundle({ file: 'browser.mjs' });
    for (const result of [whole, oneHelper]) {
      expect(result.errors).toEqual([]);
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.filter((input) => input.startsWith('node:'))).toEqual([]);
    }
    const size = oneHelper.outputFiles[0]?.contents.byteLength ?? 0;
    expect(size, `one helper bundles to ${size} bytes`).toBeLessThan(ONE_HELPER_BUDGET_BYTES);
    // the metafile lists every module esbuild read; what a bundle holds is an output's inputs with bytes in it
    const held = (result: typeof whole) =>
      Object.values(result.metafile.outputs).flatMap((output) =>
        Object.entries(output.inputs)
          .filter(([, input]) => input.bytesInOutput > 0)
          .map(([path]) => path),
      );
    expect(held(oneHelper).filter((path) => path.includes('node_modules/zod/'))).toEqual([]);
    // the whole domain needs zod, but not zod's 40 locales (264 KB): only the English one zod configures itself
    expect(
      held(whole).filter((path) => path.includes('/locales/') && !path.endsWith('/locales/en.js')),
    ).toEqual([]);
  }, 60_000);
});
