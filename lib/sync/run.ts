import type { Executor } from "@/db/client";
import { TERMINAL_SYNC_RUN_STATUSES, type SyncRunStatus } from "@/db/schema";
import { createContext, type Actor, type ServiceContext } from "@/lib/services/context";

// Who a sync run acts as, and whether it has ended: what every step of the run asks first.

export function syncActor(runId: number): Actor {
  return { kind: "sync", userId: null, username: `sync run #${runId}`, role: "admin", writeEnabled: true };
}

/** One request id per run ties all of its change-log entries together (SPEC §7). */
export function runRequestId(runId: number): string {
  return `00000000-0000-4000-8000-${runId.toString(16).padStart(12, "0")}`;
}

export function runContext(db: Executor, runId: number): ServiceContext {
  return createContext(db, syncActor(runId), { requestId: runRequestId(runId), syncRunId: runId });
}

/** `status` if it is a terminal one (the run has ended), else null. */
export function endedOf(status: SyncRunStatus | undefined): SyncRunStatus | null {
  return status && TERMINAL_SYNC_RUN_STATUSES.includes(status) ? status : null;
}

/** What a step that arrives after its run has ended says instead of acting. */
export const endedMessage = (runId: number, status: SyncRunStatus) => `sync run #${runId} has already ended (${status})`;
