import { describe, expect, it } from "vitest";
import type { SyncRunRecord } from "@/lib/services/sync-runs";
import { countsSummary, endpointSummary, progressSummary } from "./summary";

const ep = (outcome: "succeeded" | "failed" | "skipped", id = 1) => ({ id, name: `pdm-${id}`, outcome, created: 0, updated: 0, deleted: 0, unchanged: 0, unreachable: 0, error: outcome === "failed" ? "HTTP 401: authentication failed" : null });
const progress = { currentStep: "fetch-endpoint-2", endpointsDone: 1, endpointsTotal: 3, remotesFetched: 420, remotesTotal: 1000 };

describe("sync run summaries", () => {
  it("counts outcomes without calling skipped endpoints ok", () => {
    expect(endpointSummary({ endpoints: [] })).toBe("—");
    expect(endpointSummary({ endpoints: [ep("succeeded", 1), ep("succeeded", 2)] })).toBe("2 ok");
    expect(endpointSummary({ endpoints: [ep("succeeded", 1), ep("failed", 2), ep("skipped", 3)] })).toBe("1 ok, 1 failed, 1 skipped");
    expect(endpointSummary({ endpoints: [ep("skipped", 1)] })).toBe("1 skipped");
  });

  it("shows live progress only while the run is queued or running", () => {
    const run = (status: SyncRunRecord["status"], p: SyncRunRecord["progress"] = progress) => ({ status, progress: p });
    expect(progressSummary(run("queued"))).toBe("waiting to start");
    expect(progressSummary(run("running"))).toBe("1/3 endpoints, 420/1000 remotes fetched · fetch-endpoint-2");
    expect(progressSummary(run("running", { ...progress, currentStep: null }))).toBe("1/3 endpoints, 420/1000 remotes fetched");
    expect(progressSummary(run("running", null))).toBe("running");
    for (const s of ["succeeded", "partial", "failed", "skipped", "left_open"] as const) expect(progressSummary(run(s))).toBeNull();
  });

  it("labels a branch's counts as proposed until they are applied", () => {
    const run = { created: 0, updated: 2, deleted: 1, unchanged: 5, counts_applied: true, status: "succeeded" as const, merge_outcome: null };
    expect(countsSummary(run)).toBe("0 created, 2 updated, 1 deleted, 5 unchanged");
    expect(countsSummary({ ...run, status: "left_open", counts_applied: false, merge_outcome: "left open: 1 conflicting object" })).toBe(
      "proposed, not applied: 0 created, 2 updated, 1 deleted (5 unchanged)",
    );
    expect(countsSummary({ ...run, status: "left_open", counts_applied: false, merge_outcome: "discarded by admin" })).toBe(
      "discarded, never applied: 0 created, 2 updated, 1 deleted (5 unchanged)",
    );
    expect(countsSummary({ ...run, status: "left_open", counts_applied: true, merge_outcome: "merged by admin" })).toBe(
      "0 created, 2 updated, 1 deleted, 5 unchanged (applied when merged by admin)",
    );
  });
});
