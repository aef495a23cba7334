export const messageOf = (cause: unknown): string =>
  cause instanceof Error
    ? cause.message
    : typeof cause === 'string'
      ? cause
      : JSON.stringify(cause);
