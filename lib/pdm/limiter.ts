// A counting semaphore shared by every client of one sync run, so the whole run never has more than
// `pdm_fetch_concurrency` requests in flight (SPEC §4), refilled as each answer arrives.

export interface RequestLimiter {
  readonly limit: number;
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Requests currently holding a slot. */
  readonly active: number;
}

export function createRequestLimiter(limit: number): RequestLimiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return {
    limit,
    get active() {
      return active;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (active < limit) active++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
}
