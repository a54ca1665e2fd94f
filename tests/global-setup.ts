import type { TestProject } from "vitest/node";

// Checks once per run whether PostgreSQL is reachable, so suites can run or skip their
// PostgreSQL variants. In CI a missing server is an error, never a silent skip.
export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  let available = false;
  try {
    const { default: postgres } = await import("postgres");
    const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
    await sql`select 1`;
    await sql.end();
    available = true;
  } catch (err) {
    if (process.env.CI) throw new Error(`PostgreSQL is required in CI but ${url} is not reachable: ${String(err)}`);
    console.warn(`\n*** PostgreSQL is not reachable at ${url}: the PostgreSQL variants of the database tests are SKIPPED. ***\n`);
  }
  project.provide("postgresAvailable", available);
}

declare module "vitest" {
  export interface ProvidedContext {
    postgresAvailable: boolean;
  }
}
