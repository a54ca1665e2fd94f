import fs from "node:fs";
import path from "node:path";
import git from "isomorphic-git";

// Branches and other refs. Loose refs (all we write) are plain files read and written here;
// packed or symbolic ones are read through isomorphic-git.

const HEADS = "refs/heads/";
const OID = /^[0-9a-f]{40}$/;

/** `main` → `refs/heads/main`; a full ref name is kept. */
const fullRef = (name: string) => (name.startsWith("refs/") ? name : `${HEADS}${name}`);

export class Refs {
  constructor(private readonly gitdir: string) {}

  /** The commit a ref (or an oid, as it is) names, or null. */
  async resolve(refOrOid: string): Promise<string | null> {
    if (OID.test(refOrOid)) return refOrOid;
    try {
      const value = fs.readFileSync(this.file(refOrOid), "utf8").trim();
      if (OID.test(value)) return value;
    } catch {
      // not a loose ref
    }
    try {
      return await git.resolveRef({ fs, gitdir: this.gitdir, ref: fullRef(refOrOid) });
    } catch {
      return null;
    }
  }

  /**
   * Moves a ref only if it still points at `expectedOld`, under Git's own `<ref>.lock` protocol, so
   * two processes (or native git) sharing the repository never overwrite each other's commits.
   */
  async compareAndSwap(name: string, newOid: string, expectedOld: string | null): Promise<void> {
    const file = this.file(name);
    const lock = `${file}.lock`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let fd: number;
    try {
      fd = fs.openSync(lock, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new Error(`ref ${name} is locked by another writer (${lock})`);
      throw err;
    }
    try {
      const current = await this.resolve(name);
      if (current !== expectedOld) throw new Error(`ref ${name} moved (expected ${expectedOld ?? "none"}, found ${current ?? "none"})`);
      fs.writeSync(fd, `${newOid}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = -1;
      fs.renameSync(lock, file);
    } finally {
      if (fd !== -1) fs.closeSync(fd);
      fs.rmSync(lock, { force: true });
    }
  }

  async createBranch(name: string, from: string): Promise<string> {
    const oid = await this.resolve(from);
    if (!oid) throw new Error(`cannot branch from ${from}: no such ref`);
    await git.writeRef({ fs, gitdir: this.gitdir, ref: fullRef(name), value: oid, force: false });
    return oid;
  }

  async deleteBranch(name: string): Promise<void> {
    await git.deleteRef({ fs, gitdir: this.gitdir, ref: fullRef(name) }).catch(() => {});
  }

  listBranches(): Promise<string[]> {
    return git.listBranches({ fs, gitdir: this.gitdir });
  }

  private file(name: string): string {
    return path.join(this.gitdir, ...fullRef(name).split("/"));
  }
}
