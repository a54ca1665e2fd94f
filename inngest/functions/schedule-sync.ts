import { cron } from "inngest";
import { appDatabase } from "@/lib/services/app-db";
import { createScheduledRunIfDue } from "@/lib/sync/schedule";
import { inngest } from "../client";
import { syncRequested } from "../events";

// On an Inngest server, `sync_schedule` is honoured by this minutely cron function: the schedule
// lives in the settings (editable at run time), so the function checks it each minute.
export const scheduleSync = inngest.createFunction(
  { id: "schedule-sync", name: "Start scheduled PDM syncs", triggers: [cron("TZ=UTC * * * * *")], retries: 1 },
  async ({ step }) => {
    const run = await step.run("create-scheduled-run", async () => {
      const r = await createScheduledRunIfDue(await appDatabase());
      return r ? { id: r.id } : null;
    });
    if (run) await step.sendEvent("request-sync", syncRequested.create({ runId: run.id }));
    return { queued: run?.id ?? null };
  },
);
