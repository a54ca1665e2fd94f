import type { Metadata } from "next";
import { ListView } from "@/components/data-table/list-view";
import { tokenColumns, tokenFilters } from "@/components/objects/token/config";
import { TokenCreateForm } from "@/components/objects/token/token-create-form";
import { Card } from "@/components/ui/card";
import { can } from "@/lib/auth/permissions";
import { pageContext } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { listTokens, type TokenRecord } from "@/lib/services/tokens";
import { userService } from "@/lib/services/users";
import { parseListState, type RawSearchParams } from "@/lib/ui/search-params";

export const metadata: Metadata = { title: "API Tokens" };

// The caller's tokens (admins: everyone's) as a NetBox list — search, filters, sorting, pages, CSV
// — with the create form below. Tokens are deleted one by one (each needs its own confirmation).
export default async function TokensPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const ctx = await pageContext();
  const state = parseListState(await searchParams);
  const isAdmin = can(ctx.actor, "tokens.manage_all");
  let page;
  try {
    page = await listTokens(ctx, state.input);
  } catch (err) {
    if (!isAppError(err) || err.code !== "validation") throw err;
    page = { count: 0, limit: state.perPage, offset: 0, results: [] as TokenRecord[] };
  }
  const users = isAdmin ? (await userService.list(ctx, { limit: 1000 })).results.map((u) => ({ id: u.id, username: u.username })) : [];
  return (
    <>
      <ListView<TokenRecord>
        title="API Tokens"
        crumbs={[{ label: "Admin" }, { label: "API Tokens" }]}
        path="/users/tokens/"
        page={page}
        state={state}
        canWrite={false}
        exportHref="/export/token/"
        empty="No tokens yet. Create one below to let scripts and NetBox clients use the REST API."
        filters={tokenFilters(users)}
        columns={tokenColumns({ showUser: isAdmin })}
      />
      <Card title="Add a token" className="mt-5 max-w-xl">
        <p className="mb-3 text-sm text-slate-500">
          {isAdmin ? "Admins may create tokens for any user." : "The token acts as you."} Its key is shown once, right after it is created.
        </p>
        <TokenCreateForm users={users} currentUserId={ctx.actor.userId} />
      </Card>
    </>
  );
}
