import { NextRequest } from "next/server";
import { afterAll, beforeAll, beforeEach, expect, it, onTestFinished, vi, type MockInstance } from "vitest";
import { POST as authPost } from "@/app/api/auth/[...nextauth]/route";
import { provideDatabase } from "@/db";
import { authorizeCredentials } from "@/lib/auth/options";
import { ADDRESS_POLICY, signInThrottle } from "@/lib/auth/throttle";
import { clientAddressHeader } from "@/lib/server/client-address";
import { userService } from "@/lib/services/users";
import { TEST_ORIGIN } from "@/tests/api";
import { describeEachDb, systemCtx, uniq } from "@/tests/db";

// Issue 17, items 4 and 6 at the sign-in: throttled per account and per client address, the same
// answer for names that exist and names that do not, failures in the log; bodies over the limit
// refused before next-auth reads them.

let run = 0;

describeEachDb("sign-in", (get) => {
  let username: string;
  const logged: string[] = [];
  let spy: MockInstance;
  // The throttle is per process: each database's run uses addresses of its own.
  let net = 0;
  const from = (address: string) => ({ headers: { [clientAddressHeader()]: address.replace(/^(\d+)\./, `${10 + net}.`) } });

  beforeAll(async () => {
    net = run++;
    spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
    provideDatabase(get().handle);
    process.env.LOG_LEVEL = "warn";
    username = uniq("signin");
    await userService.create(systemCtx(get()), { username, password: "right-password-1", role: "viewer" });
  });
  afterAll(() => {
    process.env.LOG_LEVEL = "silent";
    spy.mockRestore();
  });
  beforeEach(() => {
    logged.length = 0;
  });

  it("signs in with the right password, and logs nothing alarming", async () => {
    expect(await authorizeCredentials({ username, password: "right-password-1" }, from("192.0.2.10"))).toMatchObject({ name: username, cv: 1 });
    expect(logged.filter((l) => l.includes("sign-in failed"))).toEqual([]);
  });

  it("after repeated failures refuses even the right password, the same way for a missing user; failures are logged", async () => {
    // The throttle's waits run on the clock: held still here, so no attempt outlasts a wait.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    onTestFinished(() => void vi.useRealTimers());
    const outcome = async (name: string, password: string, address: string) => {
      try {
        return (await authorizeCredentials({ username: name, password }, from(address))) ? "ok" : "invalid";
      } catch (err) {
        return (err as Error).message.replace(/\d+ seconds?/, "N seconds");
      }
    };
    const missing = uniq("nobody");
    const a: string[] = [];
    const b: string[] = [];
    for (let i = 0; i < 5; i++) {
      a.push(await outcome(username, "wrong-password", `198.51.100.${i}`));
      b.push(await outcome(missing, "wrong-password", `198.51.101.${i}`));
    }
    expect(a).toEqual(b);
    expect(a.slice(0, 3)).toEqual(["invalid", "invalid", "invalid"]);
    expect(a[3]).toBe("Too many failed sign-ins. Try again in N seconds.");
    // The right password does not get through while the account must wait, from any address.
    expect(await outcome(username, "right-password-1", "192.0.2.200")).toMatch(/^Too many failed sign-ins/);
    const failed = logged.filter((l) => l.includes("sign-in failed"));
    expect(failed.length).toBeGreaterThanOrEqual(6);
    expect(failed.some((l) => l.includes(username) && l.includes(`${10 + net}.51.100.0`))).toBe(true);
    expect(failed.every((l) => !l.includes("wrong-password"))).toBe(true);
    expect(logged.some((l) => l.includes("sign-in refused: too many failed attempts"))).toBe(true);
  });

  it("throttles one client address trying many names", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    onTestFinished(() => void vi.useRealTimers());
    const address = "203.0.113.77";
    const results: boolean[] = [];
    for (let i = 0; i < ADDRESS_POLICY.free + 5; i++) {
      try {
        await authorizeCredentials({ username: uniq("spray"), password: "guess-123" }, from(address));
        results.push(true);
      } catch {
        results.push(false);
      }
    }
    expect(results.filter(Boolean)).toHaveLength(ADDRESS_POLICY.free);
    // Another client is unaffected.
    const other = uniq("signin-other");
    await userService.create(systemCtx(get()), { username: other, password: "right-password-2", role: "viewer" });
    expect(await authorizeCredentials({ username: other, password: "right-password-2" }, from("203.0.113.78"))).not.toBeNull();
    expect(signInThrottle().failuresOf(other)).toBe(0);
  });

  it("refuses a sign-in body over the limit with 413 before reading it", async () => {
    process.env.SIGNIN_MAX_BODY_BYTES = "2048";
    try {
      let pulled = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          pulled += 1024;
          c.enqueue(new Uint8Array(1024).fill(97));
        },
      });
      const req = new NextRequest(new URL("/api/auth/callback/credentials", TEST_ORIGIN), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "content-length": String(450 * 1024 * 1024) },
        body,
        duplex: "half",
      } as ConstructorParameters<typeof NextRequest>[1]);
      const res = await authPost(req, { params: Promise.resolve({ nextauth: ["callback", "credentials"] }) });
      expect(res.status).toBe(413);
      expect(pulled).toBeLessThanOrEqual(2048);
      // No declared length (chunked): read only up to the limit.
      const chunked = new NextRequest(new URL("/api/auth/callback/credentials", TEST_ORIGIN), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new ReadableStream<Uint8Array>({
          pull(c) {
            pulled += 1024;
            c.enqueue(new Uint8Array(1024).fill(97));
          },
        }),
        duplex: "half",
      } as ConstructorParameters<typeof NextRequest>[1]);
      pulled = 0;
      expect((await authPost(chunked, { params: Promise.resolve({ nextauth: ["callback", "credentials"] }) })).status).toBe(413);
      expect(pulled).toBeLessThan(8 * 1024);
    } finally {
      delete process.env.SIGNIN_MAX_BODY_BYTES;
    }
  });
});
