import { Inngest } from "inngest";
import { APP_NAME } from "@/lib/version";

// The one Inngest client (house style rule 17). It reads INNGEST_DEV / INNGEST_BASE_URL /
// INNGEST_EVENT_KEY / INNGEST_SIGNING_KEY itself; without them the embedded runner executes the
// same functions in-process (inngest/embedded-runner.ts).
export const inngest = new Inngest({ id: APP_NAME });
