import fs from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { inngestServerBinary, inngestServerPath, inngestServerVersion } from "./harness";

// Whether the real-server suites can run: the Inngest server binary (`npm run inngest:build`),
// PostgreSQL (each app gets a database of its own, which the tests also inspect), and a production
// build of the app. In CI (CI=true) a missing binary or server is a failure; elsewhere the suites
// are skipped with a warning.
export default async function setup(project: TestProject) {
  const skip: string[] = [];
  const bin = inngestServerBinary();
  if (!bin) skip.push(`the Inngest server ${inngestServerVersion()} is not built (${inngestServerPath()}; npm run inngest:build needs Go)`);
  const url = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  let postgres = false;
  try {
    const { default: pg } = await import("postgres");
    const sql = pg(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
    await sql`select 1`;
    await sql.end();
    postgres = true;
  } catch {
    skip.push(`PostgreSQL is not reachable at ${url}`);
  }
  if (skip.length) {
    if (process.env.CI) throw new Error(`The real-Inngest-server suites must run in CI, but ${skip.join(" and ")}.`);
    console.warn(`\n*** The real-Inngest-server suites are SKIPPED: ${skip.join("; ")}. ***\n`);
  } else {
    const dist = path.resolve(process.env.NEXT_DIST_DIR || ".next");
    if (!fs.existsSync(path.join(dist, "BUILD_ID"))) throw new Error(`No production build in ${dist}: run \`npx next build\` first (npm run test:inngest does).`);
  }
  project.provide("inngestServer", skip.length ? null : bin);
  project.provide("postgresAvailable", postgres);
}

declare module "vitest" {
  export interface ProvidedContext {
    inngestServer: string | null;
  }
}
