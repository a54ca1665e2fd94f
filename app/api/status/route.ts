import { getDbHandle, getMigrationState } from "@/db";
import { workflowEngineMode } from "@/env";
import { jsonResponse } from "@/lib/api/responses";
import { APP_NAME, APP_VERSION } from "@/lib/version";

// GET /api/status/ – no authentication (SPEC §6): app, database and workflow-engine state.
export async function GET() {
  try {
    const handle = await getDbHandle();
    const migrations = await getMigrationState();
    return jsonResponse({
      app: { name: APP_NAME, version: APP_VERSION },
      "netbox-pdm-version": APP_VERSION,
      database: {
        kind: handle.kind,
        location: handle.location,
        migrations: { applied: migrations.applied, available: migrations.available, pending: migrations.pending, latest: migrations.latest },
        ok: migrations.pending === 0,
      },
      workflow_engine: { mode: workflowEngineMode() },
    });
  } catch (err) {
    return jsonResponse(
      {
        app: { name: APP_NAME, version: APP_VERSION },
        database: { ok: false, error: err instanceof Error ? err.message : "unavailable" },
        workflow_engine: { mode: workflowEngineMode() },
      },
      503,
    );
  }
}
