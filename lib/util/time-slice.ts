// Long synchronous loops on the app's one thread hold up every socket it serves: during a sync,
// a 30 ms reconcile loop leaves all `pdm_fetch_concurrency` requests answered and unread, so the
// fetch pipe stalls (SPEC §4 wants it full). A time slicer lets such a loop give the event loop a
// turn every few milliseconds at the cost of one clock read per iteration.

export type Slicer = () => Promise<void> | undefined;

/**
 * Returns a function to call once per iteration: it yields to the event loop (setImmediate, so
 * pending I/O runs first) when `sliceMs` have passed since the last turn, and is synchronous
 * (returns undefined, nothing to await) otherwise: `const s = slicer(); for (…) { …; await s(); }`.
 */
export function slicer(sliceMs = 1): Slicer {
  let since = performance.now();
  return () => {
    if (performance.now() - since < sliceMs) return undefined;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        since = performance.now();
        resolve();
      }),
    );
  };
}
