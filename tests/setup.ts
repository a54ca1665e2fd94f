// Every test process gets its own throwaway DATA_DIR and app key, so nothing leaks between files
// and nothing touches ./data.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nbpdm-test-"));
process.env.DATA_DIR = dir;
process.env.SECRET_KEY ??= "test-secret-key-0123456789abcdef";
process.env.LOG_LEVEL ??= "silent";
