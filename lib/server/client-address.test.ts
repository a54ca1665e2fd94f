import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientAddressHeader, installClientAddressHook, parseTrustedProxies, requestClientAddress, resolveClientAddress } from "./client-address";

describe("client address", () => {
  it("is the socket's address unless the socket is a trusted proxy", () => {
    const loopback = parseTrustedProxies("loopback");
    expect(resolveClientAddress("203.0.113.9", "1.2.3.4", loopback)).toBe("203.0.113.9");
    expect(resolveClientAddress("127.0.0.1", "198.51.100.4", loopback)).toBe("198.51.100.4");
    // A client's own X-Forwarded-For entries to the left of the proxy's are not believed.
    const proxies = parseTrustedProxies("10.0.0.0/8, loopback");
    expect(resolveClientAddress("10.1.2.3", "6.6.6.6, 198.51.100.4, 10.0.0.7", proxies)).toBe("198.51.100.4");
    expect(resolveClientAddress("::ffff:10.1.2.3", "garbage, 198.51.100.4", proxies)).toBe("198.51.100.4");
    expect(resolveClientAddress("127.0.0.1", undefined, parseTrustedProxies("none"))).toBe("127.0.0.1");
    expect(() => parseTrustedProxies("10.0.0.0/99")).toThrow(/TRUST_PROXY/);
    expect(() => parseTrustedProxies("not-an-address")).toThrow(/TRUST_PROXY/);
  });

  describe("through a real HTTP server with the hook", () => {
    let server: http.Server;
    let port: number;
    const seen: Record<string, string | undefined>[] = [];

    beforeAll(async () => {
      process.env.TRUST_PROXY = "none";
      installClientAddressHook();
      server = http.createServer((req, res) => {
        seen.push({
          client: requestClientAddress(req.headers),
          forwardedFor: req.headers["x-forwarded-for"] as string | undefined,
          forwardedHost: req.headers["x-forwarded-host"] as string | undefined,
          stamped: req.headers[clientAddressHeader()] as string | undefined,
        });
        res.end("ok");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      delete process.env.TRUST_PROXY;
      await new Promise((r) => server.close(r));
    });

    it("ignores what an untrusted client claims, forged stamp included", async () => {
      await fetch(`http://127.0.0.1:${port}/`, {
        headers: { "x-forwarded-for": "6.6.6.6", "x-forwarded-host": "evil.example", [clientAddressHeader()]: "7.7.7.7" },
      });
      expect(seen.at(-1)).toEqual({ client: "127.0.0.1", forwardedFor: undefined, forwardedHost: undefined, stamped: "127.0.0.1" });
    });
  });
});
