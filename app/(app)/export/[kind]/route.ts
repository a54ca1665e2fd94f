import { SERVICES } from "@/app/(app)/object-services";
import { CHANGE_CSV } from "@/components/objects/changelog";
import { CONFIGS } from "@/components/objects/registry";
import { TOKEN_CSV } from "@/components/objects/token/config";
import { sessionContext } from "@/lib/auth/session";
import { isAppError } from "@/lib/errors";
import { listObjectChanges } from "@/lib/services/changelog/queries";
import type { ServiceContext } from "@/lib/services/context";
import type { BaseRecord } from "@/lib/services/crud";
import type { ListInput, Page } from "@/lib/services/list";
import { listTokens } from "@/lib/services/tokens";
import { csvCell } from "@/lib/ui/format";
import { KINDS, type Kind } from "@/lib/ui/kinds";
import { parseListState } from "@/lib/ui/search-params";

// GET /export/<list>/?<list filters> – CSV of every object the filtered list shows (all pages).
// No secrets: records never carry them.

interface ExportSource {
  list(ctx: ServiceContext, input: ListInput): Promise<Page<BaseRecord>>;
  /** CSV columns; without them, every record field but `display`. */
  csv?: { header: string; value(r: never): unknown }[];
  /** The file name's noun. */
  plural: string;
}

// The object kinds, plus the lists that are not CRUD kinds: API tokens and the change log.
const SOURCES: Record<string, ExportSource> = {
  ...Object.fromEntries(
    (Object.keys(KINDS) as Kind[]).map((k) => [k, { list: (ctx, input) => SERVICES[k].list(ctx, input), csv: CONFIGS[k].csv, plural: `${k}s` } satisfies ExportSource]),
  ),
  token: { list: listTokens, csv: TOKEN_CSV, plural: "tokens" },
  change: { list: listObjectChanges, csv: CHANGE_CSV, plural: "changes" },
};

function flatten(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => (x && typeof x === "object" && "display" in x ? (x as { display: string }).display : JSON.stringify(x))).join("; ");
  if (v && typeof v === "object" && "display" in v) return (v as { display: string }).display;
  return v;
}

export async function GET(req: Request, { params }: { params: Promise<{ kind: string }> }) {
  const { kind } = await params;
  const source = Object.prototype.hasOwnProperty.call(SOURCES, kind) ? SOURCES[kind] : undefined;
  if (!source) return new Response("Unknown list.", { status: 404 });
  const ctx = await sessionContext();
  if (!ctx) return new Response("Sign in first.", { status: 401 });
  const state = parseListState(Object.fromEntries([...new URL(req.url).searchParams.keys()].map((k) => [k, new URL(req.url).searchParams.getAll(k)])));
  const rows: BaseRecord[] = [];
  try {
    for (let offset = 0; ; offset += 1000) {
      const page = await source.list(ctx, { ...state.input, limit: 1000, offset });
      rows.push(...page.results);
      if (rows.length >= page.count || page.results.length === 0) break;
    }
  } catch (err) {
    if (isAppError(err)) return new Response(err.message, { status: err.code === "validation" ? 400 : err.status });
    throw err;
  }
  const csv = source.csv as { header: string; value(r: BaseRecord): unknown }[] | undefined;
  const header = csv ? csv.map((c) => c.header) : rows[0] ? Object.keys(rows[0]).filter((k) => k !== "display") : ["id"];
  const lines = [header.map(csvCell).join(",")];
  for (const r of rows) {
    const values = csv ? csv.map((c) => c.value(r)) : header.map((k) => flatten((r as unknown as Record<string, unknown>)[k]));
    lines.push(values.map(csvCell).join(","));
  }
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(lines.join("\r\n") + "\r\n", {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="netbox-pdm-${source.plural}-${stamp}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}

export const dynamic = "force-dynamic";
