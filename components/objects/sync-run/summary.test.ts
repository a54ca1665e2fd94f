import { describe, expect, it } from "vitest";
import type { SyncRunRecord } from "@/lib/services/sync-runs";
import { endpointSummary, progressSummary } from "./summary";

const ep = (outcome: "succeeded" | "failed" | "skipped", id = 1) => ({ id, name: `pdm-${id}`, outcome, created: 0, updated: 0, deleted: 0, unchanged: 0, error: outcome === "failed" ? "HTTP 401: authentication failed" : null });
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
});
