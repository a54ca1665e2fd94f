import type { Metadata } from "next";
import { PageHeader } from "@/components/layout/page-header";
import { Card } from "@/components/ui/card";
import { AttributeTable, BoolBadge } from "@/components/objects/detail";
import { SettingsForm } from "@/components/objects/settings/settings-form";
import { can } from "@/lib/auth/permissions";
import { pageContext } from "@/lib/auth/session";
import { getSettings } from "@/lib/services/settings";
import { formatDateTime } from "@/lib/ui/format";

export const metadata: Metadata = { title: "Plugin Settings" };

export default async function SettingsPage() {
  const ctx = await pageContext();
  const s = await getSettings(ctx);
  return (
    <>
      <PageHeader title="Plugin Settings" crumbs={[{ label: "PDM" }, { label: "Settings" }]} subtitle={`Last changed ${formatDateTime(s.last_updated)}.`} />
      {can(ctx.actor, "settings.write") ? (
        <SettingsForm settings={s} />
      ) : (
        <Card title="Settings (read-only: admins edit them)">
          <AttributeTable
            rows={[
              ["PDM sync enabled", <BoolBadge key="e" value={s.pdm_enabled} />],
              ["Fetch concurrency", s.pdm_fetch_concurrency],
              ["Sync schedule", s.sync_schedule || "off"],
              ["Branching", <BoolBadge key="b" value={s.branching_enabled} />],
              ["Branch name prefix", s.branch_name_prefix],
              ["On conflict", s.branch_on_conflict],
              ["proxbox-api URL", s.proxbox_api_url || "—"],
              ["proxbox-api key", s.has_proxbox_api_key ? "stored" : "not set"],
            ]}
          />
        </Card>
      )}
    </>
  );
}
