import type { Metadata } from "next";
import { PageHeader } from "@/components/layout/page-header";
import { Card } from "@/components/ui/card";
import { TokenCreateForm } from "@/components/objects/token/token-create-form";
import { TokenTable } from "@/components/objects/token/token-table";
import { can } from "@/lib/auth/permissions";
import { pageContext } from "@/lib/auth/session";
import { listTokens } from "@/lib/services/tokens";
import { userService } from "@/lib/services/users";

export const metadata: Metadata = { title: "API Tokens" };

export default async function TokensPage() {
  const ctx = await pageContext();
  const isAdmin = can(ctx.actor, "tokens.manage_all");
  const page = await listTokens(ctx, { limit: 1000 });
  const now = new Date().getTime();
  const users = isAdmin ? (await userService.list(ctx, { limit: 1000 })).results.map((u) => ({ id: u.id, username: u.username })) : [];
  return (
    <>
      <PageHeader
        title="API Tokens"
        crumbs={[{ label: "Admin" }, { label: "API Tokens" }]}
        subtitle={isAdmin ? "Every user's API tokens. Keys are shown once, when a token is created." : "Your API tokens. Keys are shown once, when a token is created."}
      />
      <div className="grid gap-5 xl:grid-cols-3">
        <div className="xl:col-span-2">
          <Card title={`Tokens (${page.count})`}>
            <TokenTable
              tokens={page.results.map((t) => ({
                id: t.id,
                user: t.user.name,
                description: t.description,
                write_enabled: t.write_enabled,
                expires: t.expires?.toISOString() ?? null,
                expired: t.expires !== null && t.expires.getTime() <= now,
                last_used: t.last_used?.toISOString() ?? null,
                created: t.created.toISOString(),
              }))}
              showUser={isAdmin}
            />
          </Card>
        </div>
        <Card title="Add a token">
          <TokenCreateForm users={users} currentUserId={ctx.actor.userId} />
        </Card>
      </div>
    </>
  );
}
