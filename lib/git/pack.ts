import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

// Many new objects at once (the first snapshot of a large inventory) are written as one packfile
// with its version-2 index, as `git` itself would after a gc, instead of thousands of loose files:
// one file write instead of two file operations per object. Git, isomorphic-git and `git fsck`
// read packs natively. Format: gitformat-pack(5).

const SMALL_DEFLATE: zlib.ZlibOptions = { level: 1, windowBits: 12, memLevel: 4 };
const FAST_DEFLATE: zlib.ZlibOptions = { level: 1 };

// Pack entries are deflated, or, with `stored`, zlib streams of stored (uncompressed) blocks (what
// git writes with core.compression=0): setting up a deflate stream per small object costs ~50 us,
// which a sync prestaging 1,000 blobs per endpoint while other endpoints are still fetching cannot
// spare. Such packs are about three times larger; `git gc` compresses them whenever wanted.

const STORED_BLOCK_MAX = 0xffff;
const ADLER_MOD = 65521;
/** Bytes adler32 can sum before its 32-bit sums must be reduced (zlib's NMAX). */
const ADLER_NMAX = 5552;

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < buf.length; ) {
    const end = Math.min(i + ADLER_NMAX, buf.length);
    for (; i < end; i++) {
      a += buf[i]!;
      b += a;
    }
    a %= ADLER_MOD;
    b %= ADLER_MOD;
  }
  return ((b << 16) | a) >>> 0;
}

/** `content` as a zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4). */
export function storedZlib(content: Buffer): Buffer {
  const blocks = Math.max(1, Math.ceil(content.length / STORED_BLOCK_MAX));
  const out = Buffer.allocUnsafe(2 + blocks * 5 + content.length + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no dictionary, fastest; (0x78 << 8 | 0x01) % 31 === 0
  let o = 2;
  for (let i = 0, k = 0; k < blocks; k++) {
    const len = Math.min(STORED_BLOCK_MAX, content.length - i);
    out[o] = k === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00
    out.writeUInt16LE(len, o + 1);
    out.writeUInt16LE(~len & 0xffff, o + 3);
    content.copy(out, o + 5, i, i + len);
    o += 5 + len;
    i += len;
  }
  out.writeUInt32BE(adler32(content), o);
  return out;
}

const TYPE_CODES = { commit: 1, tree: 2, blob: 3 } as const;
export type PackObjectType = keyof typeof TYPE_CODES;

function entryHeader(type: PackObjectType, size: number): Buffer {
  const bytes: number[] = [];
  let byte = (TYPE_CODES[type] << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

/**
 * Writes `objects` (oid → content, all of one type) as `objects/pack/pack-<sha>.{pack,idx}`. The
 * index appears last (by rename), so readers never see a pack without it.
 */
export function writePack(gitdir: string, type: PackObjectType, objects: [oid: string, content: Buffer][], opts: { stored?: boolean } = {}): string {
  const dir = path.join(gitdir, "objects", "pack");
  fs.mkdirSync(dir, { recursive: true });
  const head = Buffer.alloc(12);
  head.write("PACK", 0, "latin1");
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(objects.length, 8);
  const parts: Buffer[] = [head];
  const packHash = crypto.createHash("sha1").update(head);
  const entries: { oid: string; offset: number; crc: number }[] = [];
  let offset = head.length;
  for (const [oid, content] of objects) {
    // As for loose objects: a small window costs less to set up for a small object.
    const zlibbed = opts.stored ? storedZlib(content) : zlib.deflateSync(content, content.length < 4096 ? SMALL_DEFLATE : FAST_DEFLATE);
    const entry = Buffer.concat([entryHeader(type, content.length), zlibbed]);
    entries.push({ oid, offset, crc: zlib.crc32(entry) });
    parts.push(entry);
    packHash.update(entry);
    offset += entry.length;
  }
  if (offset >= 0x80000000) throw new Error("pack too large for 31-bit offsets");
  const packSha = packHash.digest();
  parts.push(packSha);

  entries.sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const n = entries.length;
  const idx = Buffer.alloc(8 + 256 * 4 + n * (20 + 4 + 4) + 40);
  idx.writeUInt32BE(0xff744f63, 0);
  idx.writeUInt32BE(2, 4);
  const fanout = new Array<number>(256).fill(0);
  for (const e of entries) fanout[parseInt(e.oid.slice(0, 2), 16)]!++;
  let total = 0;
  for (let i = 0; i < 256; i++) {
    total += fanout[i]!;
    idx.writeUInt32BE(total, 8 + i * 4);
  }
  const oids = 8 + 256 * 4;
  const crcs = oids + n * 20;
  const offs = crcs + n * 4;
  entries.forEach((e, i) => {
    idx.write(e.oid, oids + i * 20, "hex");
    idx.writeUInt32BE(e.crc >>> 0, crcs + i * 4);
    idx.writeUInt32BE(e.offset, offs + i * 4);
  });
  packSha.copy(idx, offs + n * 4);
  crypto
    .createHash("sha1")
    .update(idx.subarray(0, offs + n * 4 + 20))
    .digest()
    .copy(idx, offs + n * 4 + 20);

  const name = `pack-${packSha.toString("hex")}`;
  const tmp = path.join(dir, `tmp_${process.pid}_${name}`);
  fs.writeFileSync(`${tmp}.pack`, Buffer.concat(parts), { mode: 0o444 });
  fs.writeFileSync(`${tmp}.idx`, idx, { mode: 0o444 });
  fs.renameSync(`${tmp}.pack`, path.join(dir, `${name}.pack`));
  fs.renameSync(`${tmp}.idx`, path.join(dir, `${name}.idx`));
  return name;
}

interface LoadedPack {
  name: string;
  fanout: Uint32Array;
  /** Sorted 20-byte oids. */
  oids: Buffer;
  offsets: number[];
  /** Entry start offsets sorted, to find where each entry ends. */
  sortedOffsets: number[];
  pack: Buffer;
}

/**
 * Reads non-delta objects from the repository's packs natively (zlib in C, no per-object
 * promises), which the diff of thousands of blobs needs; returns null for what it cannot read
 * (not in a pack, or a delta written by a native `git gc`), for the caller's fallback.
 */
export class PackReader {
  private packs = new Map<string, LoadedPack>();
  private listed = false;
  constructor(private readonly gitdir: string) {}

  private dir(): string {
    return path.join(this.gitdir, "objects", "pack");
  }

  /** Loads packs not seen yet (a pack never changes once its index exists). */
  refresh(): void {
    this.listed = true;
    let names: string[];
    try {
      names = fs.readdirSync(this.dir()).filter((f) => /^pack-[0-9a-f]{40}\.idx$/.test(f));
    } catch {
      return;
    }
    for (const f of names) {
      const name = f.slice(0, -4);
      if (this.packs.has(name)) continue;
      const idx = fs.readFileSync(path.join(this.dir(), f));
      if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) continue;
      const fanout = new Uint32Array(256);
      for (let i = 0; i < 256; i++) fanout[i] = idx.readUInt32BE(8 + i * 4);
      const n = fanout[255]!;
      const oidsAt = 8 + 256 * 4;
      const offsAt = oidsAt + n * 24;
      const offsets: number[] = [];
      let large = false;
      for (let i = 0; i < n; i++) {
        const o = idx.readUInt32BE(offsAt + i * 4);
        if (o & 0x80000000) large = true;
        offsets.push(o);
      }
      if (large) continue; // > 2 GiB packs: leave them to the fallback
      this.packs.set(name, { name, fanout, oids: idx.subarray(oidsAt, oidsAt + n * 20), offsets, sortedOffsets: [...offsets].sort((a, b) => a - b), pack: fs.readFileSync(path.join(this.dir(), `${name}.pack`)) });
    }
  }

  read(oid: string): { type: PackObjectType; content: Buffer } | null {
    if (!this.listed) this.refresh();
    const hit = this.find(oid);
    if (hit) return hit;
    // Perhaps a pack written since (by us or another process).
    this.refresh();
    return this.find(oid);
  }

  private find(oid: string): { type: PackObjectType; content: Buffer } | null {
    const want = Buffer.from(oid, "hex");
    const first = want[0]!;
    for (const p of this.packs.values()) {
      let lo = first === 0 ? 0 : p.fanout[first - 1]!;
      let hi = p.fanout[first]! - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const c = p.oids.compare(want, 0, 20, mid * 20, mid * 20 + 20);
        if (c === 0) return this.entry(p, p.offsets[mid]!);
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    return null;
  }

  private entry(p: LoadedPack, offset: number): { type: PackObjectType; content: Buffer } | null {
    let i = offset;
    let byte = p.pack[i++]!;
    const code = (byte >> 4) & 7;
    while (byte & 0x80) byte = p.pack[i++]!;
    const type = code === 1 ? "commit" : code === 2 ? "tree" : code === 3 ? "blob" : null;
    if (!type) return null; // tags and deltas: the fallback reads those
    // The entry ends where the next one starts (or at the trailing checksum).
    let lo = 0;
    let hi = p.sortedOffsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (p.sortedOffsets[mid]! <= offset) lo = mid + 1;
      else hi = mid;
    }
    const end = p.sortedOffsets[lo]! > offset ? p.sortedOffsets[lo]! : p.pack.length - 20;
    return { type, content: zlib.inflateSync(p.pack.subarray(i, end)) };
  }
}
