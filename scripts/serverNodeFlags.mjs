// The V8 flags `pnpm start` runs the reference server with (and benchmarks/server-rss.bench.mjs, to measure it so).
//
// An explicit old-space limit: with none, V8 sizes its heap growth by the machine's memory and lets the heap grow
// long after the live set stopped growing (measured: RSS 151 MB median, 184 MB peak, still rising after 30 s of
// ~1,000 creates/s, with about 50 MB live); with a limit (64 to 512 MB measured alike) it stays flat near 125 MB.
// 512 MB leaves room for bursts of large bodies (1 MiB each at most). `OMS_MAX_OLD_SPACE_MB` sets another limit;
// a `--max-old-space-size` already in NODE_OPTIONS wins.
export const DEFAULT_MAX_OLD_SPACE_MB = 512;

/** @param {NodeJS.ProcessEnv} env */
export const serverNodeFlags = (env = process.env) => {
  if (/--max-old-space-size/.test(env.NODE_OPTIONS ?? '')) return [];
  const megabytes = Number(env.OMS_MAX_OLD_SPACE_MB ?? DEFAULT_MAX_OLD_SPACE_MB);
  if (!Number.isInteger(megabytes) || megabytes < 64)
    throw new Error(
      `OMS_MAX_OLD_SPACE_MB must be an integer of at least 64 (got ${env.OMS_MAX_OLD_SPACE_MB})`,
    );
  return [`--max-old-space-size=${megabytes}`];
};
