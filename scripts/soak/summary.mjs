// The soak's summary: the run, its faults, each check with its lines and violations, then every violation and
// warning.
const out = (text) => process.stdout.write(text);
const seconds = (ms) => (ms / 1000).toFixed(1);

/** Prints the summary and returns every violation (empty: the soak passed). */
export const printSummary = ({
  run: { seed, loadStart, loadEnd, users, replicaCount, scale, elapsed },
  faults,
  results,
  violations,
  warnings,
  kafkaDeath,
}) => {
  const all = [...violations];
  if (kafkaDeath) all.push(`the Kafka mock cluster died mid-run: ${kafkaDeath}`);
  out('\n=== soak summary ===\n');
  out(
    `seed ${seed}; load ${((loadEnd - loadStart) / 1000).toFixed(0)}s, ${users} users over ${replicaCount} replicas${scale ? ' (--scale: PgBouncer, read replica)' : ''}; total ${elapsed()}\n`,
  );
  out(
    `faults:\n${faults.map((f) => `    ${f.name} at +${seconds(f.start - loadStart)}s for ${seconds(f.end - f.start)}s${f.detail ? ` (${f.detail})` : ''}`).join('\n')}\n`,
  );
  for (const result of results) {
    out(`[${result.ok ? 'ok' : 'FAIL'}] ${result.name}\n`);
    for (const line of result.lines) out(`    ${line}\n`);
    for (const violation of result.violations) out(`    ✗ ${violation}\n`);
  }
  for (const violation of all) out(`[FAIL] ${violation}\n`);
  for (const warning of warnings) out(`[warn] ${warning}\n`);
  return [
    ...all,
    ...results.flatMap((result) => result.violations.map((v) => `${result.name}: ${v}`)),
  ];
};
