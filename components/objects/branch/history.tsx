import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import type { ServiceContext } from "@/lib/services/context";
import { objectHistory } from "@/lib/services/branches/main-line";
import { formatDateTime } from "@/lib/ui/format";
import { resolveRefNames } from "./refs";
import { branchHref, ShortOid } from "./status";
import { FieldValue, sameValue } from "./values";

// An object's history from Git main (SPEC §5): the commits that created, changed, renamed or
// deleted it (followed across renames), newest first, each with what changed against the version
// before it.

const SHOWN = 10;

/** Who made a commit, from its message: a sync run, a branch merge, or edits in the UI/API. */
function Origin({ message, author }: { message: string; author: string }) {
  const run = /^Sync run #(\d+)/.exec(message);
  if (run) return <Link href={`/plugins/pdm/sync-runs/${run[1]}/`} className="text-brand-700 hover:underline">sync run #{run[1]}</Link>;
  // Git ref names never contain ":", so the name ends before "Merge <name>: what changed".
  const merge = /^Merge ([^\s:]+)/.exec(message);
  if (merge?.[1]) {
    return (
      <Link href={branchHref(merge[1])} className="text-brand-700 hover:underline">
        branch {merge[1]}
      </Link>
    );
  }
  if (message.startsWith("Inventory edits")) return <span>{author && author !== "netbox-pdm" ? author : "UI / API edits"}</span>;
  return <span className="text-slate-500">—</span>;
}

type Version = Record<string, unknown> | null;

/** The fields that differ from the version before (null: no earlier version to compare with). */
function changedKeys(data: Version, previous: Version): string[] | null {
  if (!data || !previous) return null;
  return [...new Set([...Object.keys(previous), ...Object.keys(data)])].filter((k) => !sameValue(previous[k], data[k])).sort();
}

export async function RemoteHistoryCard({ ctx, path }: { ctx: ServiceContext; path: string }) {
  let history: Awaited<ReturnType<typeof objectHistory>>;
  try {
    history = await objectHistory(ctx, path, SHOWN + 1);
  } catch (err) {
    return (
      <Card title="History">
        <p role="alert" className="text-sm text-red-700">
          The history could not be read from the inventory repository: {err instanceof Error ? err.message : String(err)}
        </p>
      </Card>
    );
  }
  const shown = history.slice(0, SHOWN);
  const rows = shown.map((h, i) => {
    const previous = history[i + 1]?.data ?? null;
    return { h, previous, keys: h.kind === "created" ? null : changedKeys(h.data, previous) };
  });
  const names = await resolveRefNames(
    ctx,
    rows.flatMap((r) => (r.keys ?? []).map((k) => ({ field: k, values: [r.previous?.[k], r.h.data?.[k]] }))),
  );
  return (
    <Card title={`History (${shown.length}${history.length > SHOWN ? "+" : ""})`}>
      {shown.length === 0 ? (
        <p className="text-sm text-slate-600">No commits on main yet: the history starts with this remote&apos;s next sync run.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full text-sm" data-testid="remote-history">
            <thead className="text-left text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1.5 pr-3">When</th>
                <th className="py-1.5 pr-3">Commit</th>
                <th className="py-1.5 pr-3">By</th>
                <th className="py-1.5">Changes</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map(({ h, previous, keys }) => (
                <tr key={h.oid} className="align-top" data-testid="history-row">
                  <td className="whitespace-nowrap py-1.5 pr-3">{formatDateTime(h.time)}</td>
                  <td className="py-1.5 pr-3">
                    <span className="block min-w-[12rem] max-w-sm text-slate-800">{h.message}</span>
                    <ShortOid oid={h.oid} />
                  </td>
                  <td className="whitespace-nowrap py-1.5 pr-3">
                    <Origin message={h.message} author={h.author} />
                  </td>
                  <td className="py-1.5">
                    {h.kind === "renamed" && (
                      <p className="mb-1 text-xs text-slate-500" data-testid="history-renamed">
                        moved from <span className="font-mono">{h.from}</span>
                      </p>
                    )}
                    {!h.data ? (
                      <Badge tone="red">deleted</Badge>
                    ) : h.kind === "created" ? (
                      <Badge tone="green">created</Badge>
                    ) : !keys ? (
                      <span className="text-slate-400">earlier versions not shown</span>
                    ) : !keys.length ? (
                      <span className="text-slate-400">no field changes</span>
                    ) : (
                      <table className="text-xs">
                        <tbody>
                          {keys.map((k) => (
                            <tr key={k} className="align-top">
                              <td className="pr-3 font-mono font-medium text-slate-600">{k}</td>
                              <td className="whitespace-nowrap pr-2 text-red-700">
                                <FieldValue field={k} value={previous?.[k]} names={names} />
                              </td>
                              <td className="px-1 text-slate-400">→</td>
                              <td className="whitespace-nowrap text-emerald-700">
                                <FieldValue field={k} value={h.data?.[k]} names={names} />
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="mt-3 text-xs text-slate-500">From the inventory&apos;s Git history (branch main). Edits made since the last commit appear once the next sync run or merge commits them.</p>
    </Card>
  );
}
