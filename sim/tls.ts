import crypto from "node:crypto";
import type https from "node:https";
import net, { type AddressInfo, type Socket } from "node:net";
import selfsigned from "selfsigned";

// The simulator's certificate and its listening socket: TLS goes to the HTTPS server, plain HTTP
// gets PDM's redirect, and each TLS connection's TCP socket is kept for real resets.

export async function makeCertificate(cn: string): Promise<{ cert: string; key: string; fingerprint: string }> {
  const pems = await selfsigned.generate([{ name: "commonName", value: cn }, { name: "organizationName", value: "Proxmox Datacenter Manager" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 10 * 365 * 86400_000),
    extensions: [
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  const der = Buffer.from(pems.cert.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const fingerprint = crypto.createHash("sha256").update(der).digest("hex").match(/../g)!.join(":");
  return { cert: pems.cert, key: pems.private, fingerprint };
}

/** PDM's CertificateInfo (pdm-api.md §3.6, §3.14) of the certificate currently served. */
export function certificateInfo(pem: string) {
  const x = new crypto.X509Certificate(pem);
  const dn = (s: string) => s.split("\n").map((kv) => kv.replace("=", " = ")).join(", ");
  const key = x.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const bits = details.modulusLength ?? (details.namedCurve ? { prime256v1: 256, secp384r1: 384, secp521r1: 521 }[details.namedCurve] : undefined);
  return {
    filename: "/etc/proxmox-datacenter-manager/auth/api.pem",
    subject: dn(x.subject),
    san: (x.subjectAltName ?? "").split(", ").filter(Boolean).map((e) => e.replace(/^IP Address:/, "IP: ").replace(/^DNS:/, "DNS: ")),
    issuer: dn(x.issuer),
    notbefore: Math.floor(Date.parse(x.validFrom) / 1000),
    notafter: Math.floor(Date.parse(x.validTo) / 1000),
    pem,
    "public-key-type": key.asymmetricKeyType === "rsa" ? "rsaEncryption" : "id-ecPublicKey",
    ...(bits ? { "public-key-bits": bits } : {}),
    fingerprint: x.fingerprint256.toLowerCase(),
  };
}

const peerKey = (s: { remoteAddress?: string; remotePort?: number }) => `${s.remoteAddress}|${s.remotePort}`;

/**
 * The listening socket: TLS (a handshake record, 0x16) goes to the HTTPS server, anything else
 * gets PDM's redirect (or is dropped without `httpRedirect`). `dropHandshake` (tls-abort faults)
 * can reset a new connection right after its ClientHello.
 */
export class FrontDoor {
  private readonly sockets = new Set<Socket>();
  /** The TCP socket under each TLS connection (by the peer's address), for real resets. */
  private readonly rawByPeer = new Map<string, Socket>();
  private readonly front: net.Server;
  private address = { host: "127.0.0.1", port: 0 };

  constructor(
    private readonly server: https.Server,
    private readonly opts: { httpRedirect: boolean; dropHandshake: () => boolean },
  ) {
    this.front = net.createServer((socket) => this.accept(socket));
  }

  async listen(port: number, host: string): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve) => this.front.listen(port, host, resolve));
    this.address = { host, port: (this.front.address() as AddressInfo).port };
    return this.address;
  }

  /** The TCP socket under a TLS connection's socket, if it is still known. */
  rawSocketOf(tls: Socket | null | undefined): Socket | undefined {
    return tls ? this.rawByPeer.get(peerKey(tls)) : undefined;
  }

  /** Drops every connection but `keep` (after a certificate rotation, they carry the old one). */
  dropAll(keep?: Socket): void {
    for (const s of this.sockets) if (s !== keep) s.destroy();
  }

  close(): Promise<void> {
    this.dropAll();
    return new Promise<void>((resolve) => this.front.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("error", () => {});
    // A connection that never says anything is dropped, as the TLS handshake timeout would (120 s).
    socket.setTimeout(120_000, () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.setTimeout(0);
      if (first[0] === 0x16) {
        if (this.opts.dropHandshake()) {
          socket.resetAndDestroy();
          return;
        }
        const key = peerKey(socket);
        this.rawByPeer.set(key, socket);
        socket.once("close", () => this.rawByPeer.get(key) === socket && this.rawByPeer.delete(key));
        socket.unshift(first);
        this.server.emit("connection", socket);
      } else if (this.opts.httpRedirect) this.redirectPlainHttp(socket, first);
      else socket.destroy();
    });
    socket.on("close", () => this.sockets.delete(socket));
  }

  /** PDM's answer to plain HTTP on its TLS port: 301 for GET/HEAD, 308 otherwise, to the same URL over https. */
  private redirectPlainHttp(socket: Socket, first: Buffer): void {
    let head = first.toString("latin1");
    const answer = () => {
      const [line = "", ...lines] = head.split("\r\n");
      const [method = "GET", target = "/"] = line.split(" ");
      const hostHeader = lines.find((l) => /^host:/i.test(l))?.slice(5).trim();
      const { host, port } = this.address;
      const location = `https://${hostHeader || `${net.isIPv6(host) ? `[${host}]` : host}:${port}`}${target.startsWith("/") ? target : "/"}`;
      const status = method === "GET" || method === "HEAD" ? "301 Moved Permanently" : "308 Permanent Redirect";
      socket.end(`HTTP/1.1 ${status}\r\nLocation: ${location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    if (head.includes("\r\n\r\n")) return answer();
    socket.on("data", (c: Buffer) => {
      head += c.toString("latin1");
      if (head.includes("\r\n\r\n") || head.length > 16_384) {
        socket.removeAllListeners("data");
        answer();
      }
    });
    socket.resume();
  }
}
