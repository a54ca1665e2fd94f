import fs from "node:fs";
import path from "node:path";
import { log } from "@/lib/log";

// DATA_DIR holds the PGlite database (roles, password hashes), the app key and the inventory's Git
// repository: nobody but the app's own account may read or change any of it (issue 17: PGlite
// writes its files mode 0666 whatever the umask, so a local account could rewrite them).

/** Owner-only from now on for what this process creates (directories 0700, files 0600). */
export function restrictUmask(): void {
  process.umask(0o077);
}

/**
 * Makes `dir` owner-only: the directory itself 0700 (created so if missing), and everything in it
 * — directories 0700, files 0600 — for an existing directory. Symbolic links are left alone, and so
 * is anything another account owns (chmod would fail; the warning says what to fix).
 */
export function secureDataDir(dir: string, opts: { recursive?: boolean } = {}): { changed: number } {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  let changed = 0;
  const uid = typeof process.getuid === "function" ? process.getuid() : null;
  const fix = (p: string, st: fs.Stats) => {
    if (uid !== null && st.uid !== uid) {
      log.warn(`${p} belongs to another account: make it owner-only by hand`);
      return;
    }
    // Group and other bits off; the owner's kept (and always able to read and write, a directory to enter).
    fs.chmodSync(p, (st.mode & 0o700) | (st.isDirectory() ? 0o700 : 0o600));
    changed++;
  };
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop()!;
    // DATA_DIR itself may be a link (to a volume); links inside it are not followed.
    const st = current === dir ? fs.statSync(current) : fs.lstatSync(current);
    if (st.isSymbolicLink()) continue;
    if ((st.mode & 0o077) !== 0) fix(current, st);
    if (st.isDirectory() && (opts.recursive ?? true)) for (const name of fs.readdirSync(current)) stack.push(path.join(current, name));
  }
  return { changed };
}
