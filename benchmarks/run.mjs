#!/usr/bin/env node
// `pnpm bench [--quick] [--json] [--only name]`: runs every benchmark of the packages, one after another (they share
// two cores), and prints one table of figures, each next to the baseline measured in the same run and the ratio.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

const REQUIRED = [
  'domain.decide_evolve_ops',
  'pg.append.c8.ratio_to_raw',
  'pg.append.c8.ratio_to_emmett',
  'pg.list.p50_ms.10k',
  'pg.list.p50_ms.1m',
  'pg.write.create_wal_bytes',
  'pg.write.confirm_wal_bytes',
  'pg.write.create_with_key_wal_bytes',
  'pg.list.two_filters_p50_ms.200k',
  'http.create.c50.ratio_to_raw_tx',
  'http.create.c50.p99_ms',
  'kafka.relay.events_per_s',
  'kafka.relay.one_thread.events_per_s',
  'kafka.relay.shards_2.events_per_s',
  'kafka.relay.shards_4.events_per_s',
  'kafka.e2e.p99_ms',
  'kafka.e2e.p99_ms.idle_tx_elsewhere',
  'kafka.e2e.p99_ms.producer_thread',
  'server.rss_mb_under_load',
  'pg.replica.get_reads_per_s',
  'pg.replica.get_after_write_p99_ms',
  'http.create.server_cpu_us_per_request',
  'start.warm_ms',
  'pii.append.new_customers.ratio_to_plain',
  'pii.append.returning_customers.ratio_to_plain',
  'pii.relay.ratio_to_plain',
];

const scripts = readdirSync(here)
  .filter((name) => /\.bench\.mjs$/.test(name))
  .filter((name) => !only || name.includes(only))
  .sort();

/** The last line of a benchmark's stdout that is a JSON object holds its figures. */
const figuresOf = (stdout) => {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      const value = JSON.parse(line);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value;
    } catch {}
  }
  return undefined;
};

const figures = {};
const failures = [];
for (const script of scripts) {
  const started = Date.now();
  if (!json) process.stderr.write(`running ${script}${quick ? ' (quick)' : ''} ...\n`);
  const result = spawnSync(
    process.execPath,
    [join(here, script), '--json', ...(quick ? ['--quick'] : [])],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', json ? 'ignore' : 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
      env: process.env,
    },
  );
  const found = result.status === 0 ? figuresOf(result.stdout) : undefined;
  if (!found)
    failures.push(
      `${script}: exit ${result.status}${result.error ? ` (${result.error.message})` : ''}`,
    );
  else Object.assign(figures, found);
  if (!json)
    process.stderr.write(`  ${script} took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
// A quick run measures smaller tables (no 1M-row listing), so only a full run must have every figure.
const missing = only || quick ? [] : REQUIRED.filter((key) => !(key in figures));

if (json) {
  console.log(
    JSON.stringify(
      { mode: quick ? 'quick' : 'full', machine, figures, missing, failures },
      null,
      2,
    ),
  );
} else {
  const format = (value) =>
    typeof value === 'number'
      ? Math.abs(value) >= 100
        ? value.toFixed(0)
        : value.toPrecision(3)
      : String(value ?? '');
  const rows = Object.entries(figures).map(([key, figure]) => [
    key,
    `${format(figure.value)} ${figure.unit ?? ''}`.trim(),
    figure.baseline === undefined
      ? ''
      : `${format(figure.baseline)} ${figure.baselineUnit ?? figure.unit ?? ''} (${figure.baselineName ?? 'baseline'})`,
    figure.ratio === undefined ? '' : format(figure.ratio),
  ]);
  const header = ['figure', 'value', 'in-run baseline', 'ratio'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ');
  console.log(
    `\n${quick ? 'quick' : 'full'} run on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\n`,
  );
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) console.log(line(row));
  if (missing.length > 0) console.log(`\nmissing figures: ${missing.join(', ')}`);
  if (failures.length > 0) console.log(`\nfailed benchmarks:\n  ${failures.join('\n  ')}`);
}
process.exitCode = failures.length > 0 || missing.length > 0 ? 1 : 0;
