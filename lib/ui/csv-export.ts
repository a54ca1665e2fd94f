import { getEnv } from "@/env";
import { isAppError } from "@/lib/errors";
import { log } from "@/lib/log";
import type { ServiceContext } from "@/lib/services/context";
import type { BaseRecord } from "@/lib/services/crud";
import type { ListInput, Page } from "@/lib/services/list";
import { csvCell } from "./format";

// CSV exports of a filtered list (issue 17: no row cap, and eight at once froze PGlite for 6.7 s).
// An export is streamed a page at a time as the client reads it, yielding to other requests
// between pages; it holds at most EXPORT_MAX_ROWS rows (400 beyond, before anything is sent); and
// at most MAX_CONCURRENT_EXPORTS run at once in a process (429 beyond).

export const EXPORT_PAGE_SIZE = 500;
export const MAX_CONCURRENT_EXPORTS = 2;

export interface CsvColumn {
  header: string;
  value(r: BaseRecord): unknown;
}

export interface CsvSource {
  list(ctx: ServiceContext, input: ListInput): Promise<Page<BaseRecord>>;
  /** The columns, given the first record (types without declared columns export their fields). */
  columns(first: BaseRecord | undefined): CsvColumn[];
}

const g = globalThis as typeof globalThis & { __nbpdmExports?: { active: number } };
const slots = (g.__nbpdmExports ??= { active: 0 });

/** Exports running now in this process (tests). */
export function activeExports(): number {
  return slots.active;
}

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", ...extra } });
}

const line = (values: unknown[]) => values.map(csvCell).join(",") + "\r\n";

export async function csvExportResponse(ctx: ServiceContext, source: CsvSource, input: ListInput, filename: string): Promise<Response> {
  if (slots.active >= MAX_CONCURRENT_EXPORTS) {
    return text(429, `${MAX_CONCURRENT_EXPORTS} exports are already running; try again in a few seconds.`, { "Retry-After": "5" });
  }
  slots.active++;
  let released = false;
  const release = () => {
    if (!released) {
      released = true;
      slots.active--;
    }
  };
  const maxRows = getEnv().EXPORT_MAX_ROWS;
  const base = { ...input, limit: EXPORT_PAGE_SIZE };
  let first: Page<BaseRecord>;
  try {
    first = await source.list(ctx, { ...base, offset: 0 });
  } catch (err) {
    release();
    if (isAppError(err)) return text(err.code === "validation" ? 400 : err.status, err.message);
    throw err;
  }
  if (first.count > maxRows) {
    release();
    return text(400, `This export would hold ${first.count} rows; the most one export may hold is ${maxRows}. Narrow the filters.`);
  }
  const columns = source.columns(first.results[0]);
  const encoder = new TextEncoder();
  let offset = 0;
  let page: Page<BaseRecord> | null = first;
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(line(columns.map((c) => c.header))));
    },
    async pull(controller) {
      try {
        if (!page) {
          // Let other requests run between pages: an export is never worth a frozen app.
          await new Promise((resolve) => setImmediate(resolve));
          page = await source.list(ctx, { ...base, offset });
        }
        const rows = page.results.slice(0, Math.max(0, maxRows - sent));
        if (rows.length) controller.enqueue(encoder.encode(rows.map((r) => line(columns.map((c) => c.value(r)))).join("")));
        sent += rows.length;
        offset += page.results.length;
        const done = page.results.length === 0 || offset >= page.count || sent >= maxRows;
        page = null;
        if (done) {
          release();
          controller.close();
        }
      } catch (err) {
        release();
        log.error("CSV export failed", { error: err instanceof Error ? err.message : String(err) });
        controller.error(err);
      }
    },
    cancel() {
      release();
    },
  });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
}
