import crypto from "node:crypto";
import fs from "node:fs";
import zlib from "node:zlib";
import git from "isomorphic-git";
import { assertNoSecrets, objectOid, serializeObject, wrapObject, type JsonObject } from "./objects";
import { PackReader, writePack } from "./pack";

// The repository's objects. Loose objects (all we write, but for big batches) are small: they are
// written and read with synchronous calls, a slice at a time with the event loop let through in
// between — several times faster than one promise (and four thread-pool round trips) per file when
// a snapshot or a diff touches thousands. Many new blobs at once go into one pack (pack.ts).
// Anything else (deltas after a native `git gc`) is read through isomorphic-git.

/** Objects handled between two turns of the event loop. */
export const SLICE = 256;
/** From this many new blobs in one snapshot on, they go into a packfile. */
const PACK_THRESHOLD = 512;
export const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

export class ObjectDb {
  /** isomorphic-git's own object cache, for what goes through it (logs, ancestry, the fallback). */
  readonly gitCache = {};
  private readonly packs: PackReader;
  /** Fan-out folders (`objects/xx`) known to exist: created once, not checked per object. */
  private readonly fanOut = new Set<string>();
  private readonly tmpPrefix = `tmp_obj_${process.pid}_${Date.now().toString(36)}_`;
  private tmpSeq = 0;

  constructor(readonly gitdir: string) {
    this.packs = new PackReader(gitdir);
  }

  /** Writes a loose object atomically (temporary file, then rename); an existing one is left. */
  writeLoose(type: "blob" | "tree" | "commit", content: Buffer, oid: string): void {
    const dir = `${this.gitdir}/objects/${oid.slice(0, 2)}`;
    if (!this.fanOut.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      this.fanOut.add(dir);
    }
    const wrapped = wrapObject(type, content);
    const tmp = `${dir}/${this.tmpPrefix}${this.tmpSeq++}`;
    // Small objects: a small window costs less to set up than the default 32 KB (any window inflates).
    const deflated = zlib.deflateSync(wrapped, wrapped.length < 4096 ? { level: 1, windowBits: 12, memLevel: 4 } : { level: 1 });
    fs.writeFileSync(tmp, deflated, { flag: "wx", mode: 0o444 });
    fs.renameSync(tmp, `${dir}/${oid.slice(2)}`);
  }

  /** A loose object's content, or null when it is not loose (packed). */
  readLoose(oid: string): Buffer | null {
    let raw: Buffer;
    try {
      raw = fs.readFileSync(`${this.gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    const wrapped = zlib.inflateSync(raw);
    return wrapped.subarray(wrapped.indexOf(0) + 1);
  }

  /**
   * An object's content: loose and packed objects are inflated natively, several times faster
   * than isomorphic-git's JS inflate for thousands of blobs; deltas go through isomorphic-git.
   */
  async read(oid: string): Promise<Buffer> {
    const loose = this.readLoose(oid);
    if (loose) return loose;
    const packed = this.packs.read(oid);
    if (packed) return packed.content;
    const { object } = await git.readObject({ fs, gitdir: this.gitdir, oid, format: "content", cache: this.gitCache });
    return Buffer.from(object as Uint8Array);
  }

  /** Blobs parsed as JSON, by oid (each read once). */
  async readJson(oids: string[]): Promise<Map<string, JsonObject>> {
    const out = new Map<string, JsonObject>();
    const unique = [...new Set(oids)];
    for (let i = 0; i < unique.length; i += SLICE) {
      if (i) await yieldLoop();
      for (const oid of unique.slice(i, i + SLICE)) out.set(oid, JSON.parse((await this.read(oid)).toString("utf8")) as JsonObject);
    }
    return out;
  }

  /** New blobs: many at once as one pack (`stored`: uncompressed, see pack.ts), a few as loose files. */
  async writeBlobs(blobs: [oid: string, content: Buffer][], opts: { stored?: boolean } = {}): Promise<void> {
    if (blobs.length >= PACK_THRESHOLD) {
      writePack(this.gitdir, "blob", blobs, opts);
      return;
    }
    for (let i = 0; i < blobs.length; i += SLICE) {
      if (i) await yieldLoop();
      for (const [oid, content] of blobs.slice(i, i + SLICE)) this.writeLoose("blob", content, oid);
    }
  }
}

/** A blob's oid from its text: one-shot hashing of the header and text, no buffers (Node ≥ 20.12). */
const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;
function blobOid(text: string): string {
  const header = `blob ${Buffer.byteLength(text, "utf8")}\0`;
  return oneShot ? oneShot("sha1", header + text) : objectOid("blob", Buffer.from(text, "utf8"));
}

/**
 * The last object seen at each path, as its plain JSON.stringify (native, no sorting) and its
 * blob oid. Most of a snapshot's objects are the ones it had last time: an object whose JSON has
 * not changed is neither serialized canonically, checked for secrets, nor hashed again. (Equal
 * plain JSON means equal data, so equal canonical JSON; objects are JSON data.) Bounded by
 * paths: a few MB per 10,000; past the bound it starts over.
 */
export class BlobMemo {
  private readonly byPath = new Map<string, { json: string; oid: string }>();
  constructor(private readonly maxPaths: number) {}

  /**
   * The blob of `obj` at `path`: its oid, and its text unless the memo knew it (then it is in the
   * repository already: the memo only learns blobs its callers write or find written).
   */
  blobOf(path: string, obj: JsonObject): { oid: string; text: string | null } {
    const json = JSON.stringify(obj);
    const memo = this.byPath.get(path);
    if (memo && memo.json === json) return { oid: memo.oid, text: null };
    const { oid, text } = this.hash(path, obj);
    if (this.byPath.size >= this.maxPaths) this.byPath.clear();
    this.byPath.set(path, { json, oid });
    return { oid, text };
  }

  /** The oid `obj` would have at `path`, without teaching the memo a blob nobody writes. */
  oidOf(path: string, obj: JsonObject): string {
    const memo = this.byPath.get(path);
    return memo && memo.json === JSON.stringify(obj) ? memo.oid : this.hash(path, obj).oid;
  }

  private hash(path: string, obj: JsonObject): { oid: string; text: string } {
    assertNoSecrets(obj, path);
    const text = serializeObject(obj);
    return { oid: blobOid(text), text };
  }
}

/**
 * Blobs this process wrote ahead of a snapshot (prestage): that snapshot need not write them
 * again. Each is trusted for TTL_MS only, so a blob an operator's `git gc --prune=now` removed
 * while no commit referenced it is never assumed present for long. Bounded: past `max` it starts
 * over (it is only a warm-up).
 */
export class PrestagedBlobs {
  private static readonly TTL_MS = 10 * 60_000;
  private readonly until = new Map<string, number>();
  constructor(private readonly max: number) {}

  has(oid: string): boolean {
    const until = this.until.get(oid);
    return until !== undefined && until > Date.now();
  }

  add(oids: string[]): void {
    if (this.until.size + oids.length > this.max) this.until.clear();
    const until = Date.now() + PrestagedBlobs.TTL_MS;
    for (const oid of oids) this.until.set(oid, until);
  }
}
