import { workflowEngineMode } from "@/env";
import { jsonResponse } from "@/lib/api/responses";
import { databaseStatus } from "@/lib/services/app-db";
import { APP_NAME, APP_VERSION } from "@/lib/version";

// GET /api/status/ – no authentication (SPEC §6): app, database and workflow-engine state.
export async function GET() {
  try {
    const database = await databaseStatus();
    return jsonResponse({
      app: { name: APP_NAME, version: APP_VERSION },
      "netbox-pdm-version": APP_VERSION,
      database,
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
