// A counting semaphore shared by every client of one sync run, so the whole run never has more than
// `pdm_fetch_concurrency` requests in flight (SPEC §4), refilled as each answer arrives.

export interface RequestLimiter {
  readonly limit: number;
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Requests currently holding a slot. */
  readonly active: number;
  /**
   * The same slots, with waiting requests of a lower `priority` number served first (FIFO within
   * one): a run drains one endpoint's requests before the next one's, so each endpoint's fetch
   * finishes early and its reconcile overlaps the others' fetches, while the pipe stays full.
   */
  withPriority(priority: number): RequestLimiter;
}

export function createRequestLimiter(limit: number): RequestLimiter {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  let active = 0;
  const waiting: { priority: number; go: () => void }[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next.go();
    else active--;
  };
  async function run<T>(fn: () => Promise<T>, priority: number): Promise<T> {
    if (active < limit) active++;
    else
      await new Promise<void>((go) => {
        // Sorted insertion after every waiter of the same or a lower number.
        let i = waiting.length;
        while (i > 0 && waiting[i - 1]!.priority > priority) i--;
        waiting.splice(i, 0, { priority, go });
      });
    try {
      return await fn();
    } finally {
      release();
    }
  }
  const view = (priority: number): RequestLimiter => ({
    limit,
    get active() {
      return active;
    },
    run: (fn) => run(fn, priority),
    withPriority: view,
  });
  return view(0);
}
