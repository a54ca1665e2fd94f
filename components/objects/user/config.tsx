import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { userCreateSchema, type UserRecord } from "@/lib/services/users";
import { formatDateTime } from "@/lib/ui/format";
import type { KindConfig } from "../config";

/** The roles, as the service's schema declares them. */
const ROLES = userCreateSchema.shape.role.options.map((r) => ({ value: r, label: r }));
import { AttributeTable, BoolBadge } from "../detail";

// People (SPEC §8), managed by admins.

const ROLE_TONE = { viewer: "slate", editor: "blue", admin: "purple" } as const;

export const userConfig: KindConfig<UserRecord> = {
  columns: [
    { label: "Username", sort: "username", render: (r) => <Link href={`/users/users/${r.id}/`} className="font-medium text-brand-700 hover:underline">{r.username}</Link> },
    { label: "Role", sort: "role", render: (r) => <Badge tone={ROLE_TONE[r.role]}>{r.role}</Badge> },
    { label: "Active", render: (r) => <BoolBadge value={r.is_active} /> },
    { label: "Last login", sort: "last_login", render: (r) => formatDateTime(r.last_login) },
  ],
  filters: async () => [
    { name: "role", label: "Role", options: ROLES },
    { name: "is_active", label: "Active", options: [{ value: "true", label: "Yes" }, { value: "false", label: "No" }] },
  ],
  empty: "No users.",
  fields: async (_ctx, rec) => [
    { name: "username", label: "Username", kind: "text", required: true },
    { name: "password", label: "Password", kind: "password", required: rec === null, help: rec ? "Leave blank to keep the current password." : "At least 8 characters." },
    { name: "role", label: "Role", kind: "select", required: true, options: ROLES },
    { name: "is_active", label: "Active", kind: "checkbox" },
  ],
  initial: (r) => ({ username: r?.username ?? "", password: "", role: r?.role ?? "viewer", is_active: r?.is_active ?? true }),
  async detail(_ctx, r) {
    return (
      <Card title="User">
        <AttributeTable
          rows={[
            ["Username", r.username],
            ["Role", <Badge key="r" tone={ROLE_TONE[r.role]}>{r.role}</Badge>],
            ["Active", <BoolBadge key="a" value={r.is_active} />],
            ["Last login", formatDateTime(r.last_login)],
            ["Created", formatDateTime(r.created)],
          ]}
        />
      </Card>
    );
  },
};
