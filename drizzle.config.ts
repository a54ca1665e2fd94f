import { defineConfig } from "drizzle-kit";

// Generation only needs the schema; `npm start` applies migrations itself (db/client.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema/index.ts",
  out: "./db/migrations",
});
