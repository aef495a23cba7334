/** Prints one value as a JSON line on stdout: every command's output format. */
export const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
