export interface BackoffOptions {
  /** First delay (default 100 ms). */
  readonly initialMs?: number;
  /** Cap (default 10 s). */
  readonly maxMs?: number;
  readonly random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay plus a random share of the other half, so
 * that relays and consumers coming back together do not hammer the broker in step.
 */
export const backoffDelay = (attempt: number, options: BackoffOptions = {}): number => {
  const { initialMs = 100, maxMs = 10_000, random = Math.random } = options;
  const exponential = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt));
  return Math.round(exponential / 2 + random() * (exponential / 2));
};

/** A sleep that `wake()` ends early. */
export const createSleeper = () => {
  let wakeUp: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  return {
    sleep: (ms: number): Promise<void> =>
      new Promise<void>((resolve) => {
        wakeUp = () => {
          if (timer) clearTimeout(timer);
          timer = undefined;
          wakeUp = undefined;
          resolve();
        };
        timer = setTimeout(() => wakeUp?.(), ms);
      }),
    wake: (): void => wakeUp?.(),
  };
};
