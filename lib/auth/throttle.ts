// Sign-in throttling (issue 17): failed attempts are counted per account name and per client
// address. After a few free failures each further attempt must wait exponentially longer, and
// after many the key is locked for a while. An attempt counts as failed from the moment it starts
// (a success takes it back), so a burst of parallel guesses is throttled like a sequence. The
// account key is the name as typed, so a name that does not exist is throttled exactly like one
// that does. State lives in this process (README "Security").

export interface ThrottlePolicy {
  /** Failures allowed without any wait. */
  free: number;
  /** Failures after which the key is locked for `lockMs`. */
  lockAfter: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = { free: 3, lockAfter: 10 };
export const ADDRESS_POLICY: ThrottlePolicy = { free: 20, lockAfter: 100 };
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 60_000;
export const LOCK_MS = 15 * 60_000;
/** Failures older than this (with none since) are forgotten. */
const FORGET_MS = 15 * 60_000;
const MAX_KEYS = 20_000;

interface Entry {
  failures: number;
  last: number;
  lockedUntil: number;
}

export type ThrottleVerdict = { allowed: true; attempt: Attempt } | { allowed: false; retryAfterSeconds: number; locked: boolean };

export interface Attempt {
  account: string;
  address: string;
}

export class SignInThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly policies = { account: ACCOUNT_POLICY, address: ADDRESS_POLICY },
  ) {}

  static accountKey(username: string): string {
    return `account:${username.trim().toLowerCase().slice(0, 200)}`;
  }

  static addressKey(address: string): string {
    return `address:${address}`;
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.lockedUntil <= this.now() && this.now() - e.last > FORGET_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** How long `key` must still wait, in ms (0: it may try now). */
  private waitMs(key: string, policy: ThrottlePolicy): { ms: number; locked: boolean } {
    const e = this.live(key);
    if (!e) return { ms: 0, locked: false };
    const now = this.now();
    if (e.lockedUntil > now) return { ms: e.lockedUntil - now, locked: true };
    if (e.failures < policy.free) return { ms: 0, locked: false };
    const delay = Math.min(BASE_DELAY_MS * 2 ** (e.failures - policy.free), MAX_DELAY_MS);
    return { ms: Math.max(0, e.last + delay - now), locked: false };
  }

  private fail(key: string, policy: ThrottlePolicy): void {
    const now = this.now();
    const e = this.live(key) ?? { failures: 0, last: now, lockedUntil: 0 };
    if (e.lockedUntil && e.lockedUntil <= now) e.failures = 0; // a lock that ran out starts afresh
    e.lockedUntil = e.lockedUntil > now ? e.lockedUntil : 0;
    e.failures += 1;
    e.last = now;
    if (e.failures >= policy.lockAfter) e.lockedUntil = now + LOCK_MS;
    this.entries.delete(key); // re-insert: the map's order is then oldest-used first
    this.entries.set(key, e);
    this.prune();
  }

  private prune(): void {
    if (this.entries.size <= MAX_KEYS) return;
    for (const key of this.entries.keys()) {
      if (this.entries.size <= MAX_KEYS * 0.9) break;
      const e = this.entries.get(key)!;
      // Locks are kept; the oldest unlocked entries go first.
      if (e.lockedUntil <= this.now()) this.entries.delete(key);
    }
  }

  /**
   * Starts an attempt: refused while either key must wait; otherwise counted as a failure until
   * `succeeded` takes it back.
   */
  begin(username: string, address: string): ThrottleVerdict {
    const account = SignInThrottle.accountKey(username);
    const addr = SignInThrottle.addressKey(address);
    const a = this.waitMs(account, this.policies.account);
    const b = this.waitMs(addr, this.policies.address);
    const ms = Math.max(a.ms, b.ms);
    if (ms > 0) return { allowed: false, retryAfterSeconds: Math.ceil(ms / 1000), locked: a.locked || b.locked };
    this.fail(account, this.policies.account);
    this.fail(addr, this.policies.address);
    return { allowed: true, attempt: { account, address: addr } };
  }

  /** The attempt was right: the account starts afresh and the address gets its failure back. */
  succeeded(attempt: Attempt): void {
    this.entries.delete(attempt.account);
    const e = this.entries.get(attempt.address);
    if (e && e.lockedUntil <= this.now()) {
      e.failures = Math.max(0, e.failures - 1);
      if (e.failures === 0) this.entries.delete(attempt.address);
    }
  }

  /** Failures currently counted against an account name (for the log). */
  failuresOf(username: string): number {
    return this.live(SignInThrottle.accountKey(username))?.failures ?? 0;
  }
}

const g = globalThis as typeof globalThis & { __nbpdmSignInThrottle?: SignInThrottle };

/** The process's throttle. */
export function signInThrottle(): SignInThrottle {
  return (g.__nbpdmSignInThrottle ??= new SignInThrottle());
}
