import { apiRoute, readJsonBody } from "@/lib/api/handler";
import { jsonResponse } from "@/lib/api/responses";
import { writableBody } from "@/lib/api/write-body";
import { getSettings, updateSettings, type SettingsRecord } from "@/lib/services/settings";

// /api/plugins/pdm/settings/ – the settings singleton itself, no list envelope (SPEC §2.3). Writes
// ignore the read-only fields, so a GET body can be PUT back.
function shape(rec: SettingsRecord, baseUrl: string) {
  const { id, display, ...rest } = rec;
  return { id, url: `${baseUrl}/api/plugins/pdm/settings/`, display, ...rest };
}

export const GET = apiRoute("inventory.read", async ({ ctx, baseUrl }) => jsonResponse(shape(await getSettings(ctx), baseUrl)));

export const PUT = apiRoute("settings.write", async ({ req, ctx, baseUrl }) =>
  jsonResponse(shape(await updateSettings(ctx, writableBody("netbox_pdm.pdmsettings", await readJsonBody(req), ["has_proxbox_api_key"]), { partial: false }), baseUrl)),
);

export const PATCH = apiRoute("settings.write", async ({ req, ctx, baseUrl }) =>
  jsonResponse(shape(await updateSettings(ctx, writableBody("netbox_pdm.pdmsettings", await readJsonBody(req), ["has_proxbox_api_key"]), { partial: true }), baseUrl)),
);
