import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";

// Deadlines to the fraction of a millisecond, for the simulator's latency.
//
// Node's timers run on the event loop's millisecond ticks, counted from the loop's cached clock:
// `setTimeout(fn, 5)` fires anywhere from about 3 to 5 ms later, 0.5–0.8 ms early on average. A
// simulator configured for 5 ms of latency then answered in about 4.4 ms, and every figure
// measured against "5 ms" was flattered. Spinning to the exact deadline would keep a core busy.
// Instead one thread keeps the deadlines: it sleeps in Atomics.wait (microsecond timeouts) until
// the earliest is due and then posts its id back, so an answer leaves at its deadline plus the
// time it takes the event loop to hear of it, never before. (On this project's VMs a thread's
// wake-up takes 0.1-0.5 ms; a deadline due within SPIN_MS of an answer just sent is therefore
// waited for awake, which made answers 0.2 ms less late at less CPU per call.)
// The thread posts a deadline LEAD_MS ahead, about what the event loop takes to wake up for the
// message; the loop holds it, awake, until the deadline has really passed. An answer still never
// leaves early, and leaves closer to its deadline (npm run bench sync, mean lateness: first sync
// 0.55-0.57 → 0.42-0.48 ms, second sync 0.32-0.35 → 0.19-0.33 ms).

/** How far ahead of a deadline the clock thread hands it to the event loop (ms); ≤ SPIN_MS. */
const LEAD_MS = 0.2;

const CLOCK_THREAD = `
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { port, flag, lead } = workerData;
const wake = new Int32Array(flag, 0, 1);
const until = new BigInt64Array(flag, 8, 1);
const AWAKE = 2n ** 62n;
const now = () => Number(process.hrtime.bigint()) / 1e6; // CLOCK_MONOTONIC, the same in every thread
const pending = []; // [at, id], earliest first
for (;;) {
  Atomics.store(until, 0, AWAKE);
  for (let m; (m = receiveMessageOnPort(port)); ) {
    const [at, id] = m.message;
    let i = pending.length;
    while (i > 0 && pending[i - 1][0] > at) i--;
    pending.splice(i, 0, [at, id]);
  }
  const t = now();
  let due = 0;
  while (due < pending.length && pending[due][0] - lead <= t) due++;
  if (due) {
    port.postMessage(pending.splice(0, due).map((p) => p[1]));
    continue;
  }
  // What we sleep until (µs): a deadline posted for later needs no wake-up, it is read then.
  Atomics.store(until, 0, pending.length ? BigInt(Math.floor((pending[0][0] - lead) * 1000)) : AWAKE);
  // A deadline posted since the drain above set the flag: drain again instead of sleeping.
  if (Atomics.exchange(wake, 0, 0) === 1) continue;
  Atomics.wait(wake, 0, 0, pending.length ? pending[0][0] - lead - t : 60000);
}
`;

interface Clock {
  port: MessagePort;
  wake: Int32Array;
  /** When the clock thread wakes next (µs, monotonic); huge while it is awake or idle. */
  until: BigInt64Array;
  waiters: Map<number, { deadline: number; resolve: () => void }>;
  spinning: boolean;
}

/** How near a deadline must be for the event loop to stay awake for it (see spinIfNear). */
const SPIN_MS = 0.3;

/** The earliest deadline still waited for (Infinity when none). */
function nextDeadline(c: Clock): number {
  let next = Infinity;
  for (const w of c.waiters.values()) next = Math.min(next, w.deadline);
  return next;
}

/** Resolves every waiter whose deadline has passed. */
function release(c: Clock): void {
  const now = performance.now();
  for (const [id, w] of c.waiters) {
    if (w.deadline > now) continue;
    c.waiters.delete(id);
    w.resolve();
  }
}

/**
 * When the next deadline is a fraction of a millisecond away, stay awake for it (turns of the
 * event loop, I/O still served) rather than sleep until the clock thread says so: on a VM a
 * thread's wake-up costs more than that wait, and arrives later.
 */
function spinIfNear(c: Clock): void {
  if (c.spinning || nextDeadline(c) - performance.now() > SPIN_MS) return;
  c.spinning = true;
  const turn = () => {
    release(c);
    if (nextDeadline(c) - performance.now() <= SPIN_MS) setImmediate(turn);
    else c.spinning = false;
  };
  setImmediate(turn);
}

let clock: Clock | null = null;
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
let seq = 0;

function start(): Clock {
  const { port1, port2 } = new MessageChannel();
  const flag = new SharedArrayBuffer(16);
  const worker = new Worker(CLOCK_THREAD, { eval: true, workerData: { port: port2, flag, lead: LEAD_MS }, transferList: [port2] });
  const c: Clock = { port: port1, wake: new Int32Array(flag, 0, 1), until: new BigInt64Array(flag, 8, 1), waiters: new Map(), spinning: false };
  port1.on("message", (ids: number[]) => {
    // Handed over up to LEAD_MS ahead: release() frees what is due now, spinIfNear's turns the
    // rest. (Anything further off, which the thread never sends, goes back to it through
    // waitUntil's loop.)
    const now = performance.now();
    for (const id of ids) {
      const w = c.waiters.get(id);
      if (w && w.deadline - now > SPIN_MS) {
        c.waiters.delete(id);
        w.resolve();
      }
    }
    release(c);
    spinIfNear(c);
  });
  // Neither keeps the process alive: a pending latency never did (the servers' sockets do).
  // (Unref'd after the listener is added, which would ref the port again.)
  worker.unref();
  port1.unref();
  worker.on("error", () => {
    // The thread is gone: release everyone waiting on it, and start a new one next time.
    if (clock === c) clock = null;
    for (const w of c.waiters.values()) w.resolve();
    c.waiters.clear();
  });
  return c;
}

function once(deadline: number): Promise<void> {
  const c = (clock ??= start());
  const id = ++seq;
  return new Promise<void>((resolve) => {
    c.waiters.set(id, { deadline, resolve });
    // performance.now() first: the monotonic reading after it can only move the deadline later.
    const left = deadline - performance.now();
    const at = monotonicMs() + left;
    c.port.postMessage([at, id]);
    // Deadlines mostly come in order (one latency for every request): the thread, already
    // sleeping until an earlier one, picks this one up when it wakes. Only an earlier deadline
    // (or an idle thread) needs the wake-up, a system call each.
    if (Atomics.load(c.until, 0) > BigInt(Math.floor(at * 1000))) {
      Atomics.store(c.wake, 0, 1);
      Atomics.notify(c.wake, 0);
    }
  });
}

/** Resolves at `deadline` (performance.now() ms) or just after it, never before. */
export async function waitUntil(deadline: number): Promise<void> {
  while (performance.now() < deadline) await once(deadline);
}

/** Resolves `ms` milliseconds from now, or just after. */
export const sleep = (ms: number) => waitUntil(performance.now() + ms);
