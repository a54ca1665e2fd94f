import crypto from "node:crypto";
import { isSecretField } from "@/lib/crypto/secret-fields";

// Git's object formats, computed natively (node:crypto SHA-1, node:zlib deflate): hashing and
// compressing thousands of small blobs in JS (as isomorphic-git does with pako) would make the
// first snapshot of a large inventory several times slower than native git.

export type JsonObject = Record<string, unknown>;

export function sha1Hex(...parts: Buffer[]): string {
  const h = crypto.createHash("sha1");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** The oid of an object: SHA-1 of `<type> <size>\0<content>`. */
export function objectOid(type: "blob" | "tree" | "commit", content: Buffer): string {
  return sha1Hex(Buffer.from(`${type} ${content.length}\0`), content);
}

export function wrapObject(type: "blob" | "tree" | "commit", content: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
}

export interface TreeEntry {
  mode: "100644" | "040000";
  path: string;
  oid: string;
}

/** Git sorts tree entries by name, comparing directories as if they ended with "/". */
function sortKey(e: TreeEntry): string {
  return e.mode === "040000" ? `${e.path}/` : e.path;
}

export function sortEntries(entries: TreeEntry[]): TreeEntry[] {
  // Keys made once, not twice per comparison: a folder of 1,000 remotes takes ~10,000 of them.
  const keyed = entries.map((e) => ({ e, k: sortKey(e) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.e);
}

/**
 * Tree content: `<mode> <name>\0<20-byte oid>` per entry (mode 40000 for trees, as git writes),
 * of entries already in Git's order (sortEntries). One buffer, written in place.
 */
export function treeContent(sorted: TreeEntry[]): Buffer {
  const heads = sorted.map((e) => `${e.mode === "040000" ? "40000" : e.mode} ${e.path}\0`);
  let size = 0;
  for (const h of heads) size += Buffer.byteLength(h) + 20;
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < sorted.length; i++) {
    at += buf.write(heads[i]!, at);
    if (buf.write(sorted[i]!.oid, at, "hex") !== 20) throw new Error(`not an object id: ${sorted[i]!.oid}`);
    at += 20;
  }
  return buf;
}

/** Canonical JSON of an inventory object: recursively sorted keys, two-space indent, newline. */
export function serializeObject(obj: unknown): string {
  return `${JSON.stringify(sortKeys(obj), null, 2)}\n`;
}

/** A value with its keys recursively sorted: an object as its blob reads back. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object" && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** A last line of defence: no secret-named key ever reaches the repository (SPEC §5). */
export function assertNoSecrets(obj: unknown, path: string): void {
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) {
        if (isSecretField(k)) throw new Error(`refusing to write ${path}: it holds a secret field (${k})`);
        walk(x);
      }
  };
  walk(obj);
}

/** A file-name-safe segment for an object name (names may hold "/" or start with "."). */
export function pathSegment(name: string): string {
  return name.replace(/[%/\\\0]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`).replace(/^\./, "%2E");
}
