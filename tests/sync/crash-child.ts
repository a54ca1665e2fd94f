// A stand-in for the app process in the crash test: it runs the embedded runner on the app's
// database (DATABASE_URL, else PGlite in DATA_DIR) until it is killed. (The runner is exactly
// what instrumentation.ts starts in `npm start`.) With REPORT_RECONCILED set it also prints each
// reconcile step it finishes — on PGlite the test cannot look into the database meanwhile.
import { and, eq, like } from "drizzle-orm";
import { getDb } from "@/db";
import { syncRunSteps } from "@/db/schema";
import { getEmbeddedRunner } from "@/inngest/embedded-runner";

getEmbeddedRunner().start();
console.log("runner started");
if (process.env.REPORT_RECONCILED) {
  const seen = new Set<string>();
  const report = async () => {
    const db = await getDb();
    const done = await db
      .select({ stepId: syncRunSteps.stepId })
      .from(syncRunSteps)
      .where(and(like(syncRunSteps.stepId, "reconcile-endpoint-%"), eq(syncRunSteps.status, "succeeded")));
    for (const d of done) if (!seen.has(d.stepId)) console.log(`reconciled ${seen.add(d.stepId) && d.stepId}`);
    setTimeout(() => void report(), 5);
  };
  void report();
}
setInterval(() => {}, 1000);
