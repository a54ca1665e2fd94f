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
import { csvExportResponse, type CsvColumn, type CsvSource } from "@/lib/ui/csv-export";
import { KIND_TYPES, type Kind } from "@/lib/object-types";
import { serviceOf } from "@/lib/services/registry";
import { parseListState } from "@/lib/ui/search-params";

// GET /export/<list>/?<list filters> – CSV of every object the filtered list shows (all pages),
// streamed and bounded (lib/ui/csv-export.ts). No secrets: records never carry them.

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
    (Object.keys(KIND_TYPES) as Kind[]).map((k) => [k, { list: (ctx, input) => serviceOf(k).list(ctx, input), csv: CONFIGS[k].csv, plural: `${k}s` } satisfies ExportSource]),
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

/** The declared columns, else every record field but `display`. */
function columnsOf(source: ExportSource): CsvSource["columns"] {
  return (first) => {
    if (source.csv) return source.csv as CsvColumn[];
    const keys = first ? Object.keys(first).filter((k) => k !== "display") : ["id"];
    return keys.map((k) => ({ header: k, value: (r: BaseRecord) => flatten((r as unknown as Record<string, unknown>)[k]) }));
  };
}

export async function GET(req: Request, { params }: { params: Promise<{ kind: string }> }) {
  const { kind } = await params;
  const source = Object.prototype.hasOwnProperty.call(SOURCES, kind) ? SOURCES[kind] : undefined;
  if (!source) return new Response("Unknown list.", { status: 404 });
  const ctx = await sessionContext();
  if (!ctx) return new Response("Sign in first.", { status: 401 });
  const url = new URL(req.url);
  let input: ListInput;
  try {
    input = parseListState(Object.fromEntries([...url.searchParams.keys()].map((k) => [k, url.searchParams.getAll(k)]))).input;
  } catch (err) {
    if (isAppError(err)) return new Response(err.message, { status: 400 });
    throw err;
  }
  const stamp = new Date().toISOString().slice(0, 10);
  // Streamed a page at a time, row-capped, a few at once (lib/ui/csv-export.ts).
  return csvExportResponse(ctx, { list: source.list, columns: columnsOf(source) }, input, `netbox-pdm-${source.plural}-${stamp}.csv`);
}

export const dynamic = "force-dynamic";
