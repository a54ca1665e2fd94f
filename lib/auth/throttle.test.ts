import { describe, expect, it } from "vitest";
import { ADDRESS_POLICY, LOCK_MS, SignInThrottle } from "./throttle";

// The throttle's arithmetic on a hand-driven clock (never a real wait).

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("sign-in throttle", () => {
  it("allows a few failures, then asks for exponentially longer waits, then locks the account", () => {
    const c = clock();
    const th = new SignInThrottle(c.now);
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const v = th.begin("alice", `10.0.0.${i}`); // a new address each time: only the account counts
      if (v.allowed) {
        waits.push(0);
        continue;
      }
      waits.push(v.retryAfterSeconds);
      if (v.locked) break;
      c.advance(v.retryAfterSeconds * 1000);
      expect(th.begin("alice", `10.0.1.${i}`).allowed).toBe(true);
    }
    // 3 free attempts, then 1 s, 2 s, 4 s … between attempts, then the lock.
    expect(waits.slice(0, 6)).toEqual([0, 0, 0, 1, 2, 4]);
    const locked = th.begin("alice", "10.9.9.9");
    expect(locked).toMatchObject({ allowed: false, locked: true });
    c.advance(LOCK_MS + 1);
    expect(th.begin("alice", "10.9.9.9").allowed).toBe(true);
  });

  it("answers a name that does not exist exactly like one that does", () => {
    const a = new SignInThrottle(clock().now);
    const seq = (name: string) => Array.from({ length: 8 }, () => JSON.stringify(a.begin(name, "192.0.2.1")).replace(/"account:[^"]*"/, ""));
    const b = new SignInThrottle(clock().now);
    const seq2 = (name: string) => Array.from({ length: 8 }, () => JSON.stringify(b.begin(name, "192.0.2.1")).replace(/"account:[^"]*"/, ""));
    expect(seq("admin")).toEqual(seq2("no-such-user"));
  });

  it("counts parallel attempts as they start: a burst gets no more guesses than a sequence", () => {
    const th = new SignInThrottle(clock().now);
    const verdicts = Array.from({ length: 100 }, () => th.begin("bob", "198.51.100.7"));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(3);
  });

  it("throttles one address across many account names, and leaves other addresses alone", () => {
    const th = new SignInThrottle(clock().now);
    let allowed = 0;
    for (let i = 0; i < 200; i++) if (th.begin(`user${i}`, "203.0.113.5").allowed) allowed++;
    expect(allowed).toBe(ADDRESS_POLICY.free);
    expect(th.begin("someone-else", "203.0.113.6").allowed).toBe(true);
  });

  it("a success clears the account's failures and gives the address its attempt back", () => {
    const c = clock();
    const th = new SignInThrottle(c.now);
    th.begin("carol", "192.0.2.9");
    th.begin("carol", "192.0.2.9");
    const v = th.begin("carol", "192.0.2.9");
    expect(v.allowed).toBe(true);
    if (v.allowed) th.succeeded(v.attempt);
    expect(th.failuresOf("carol")).toBe(0);
    expect(th.begin("carol", "192.0.2.9").allowed).toBe(true);
  });
});
