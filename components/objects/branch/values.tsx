import Link from "next/link";
import { referenceFields, type ObjectType } from "@/lib/object-types";
import { uiUrl } from "@/lib/ui/kinds";

// How a snapshot field's value reads in a diff: references by name (ids in the Git files),
// nodes as host:port, everything else as text.

/** Snapshot fields that hold ids of other objects (SPEC §5 files keep references as ids). */
export const REF_FIELDS: Record<string, ObjectType> = {
  ...referenceFields("netbox_pdm.pdmendpoint"),
  ...referenceFields("netbox_pdm.pdmremote"),
};

/** Names of referenced objects, by object type and id (objects deleted since show as #id). */
export type RefNames = Partial<Record<ObjectType, Map<number, string>>>;

function RefValue({ type, id, names }: { type: ObjectType; id: number; names: RefNames }) {
  const name = names[type]?.get(id);
  if (!name) return <span className="text-slate-500">#{id}</span>;
  return (
    <Link href={uiUrl(type, id)} className="text-brand-700 hover:underline">
      {name}
    </Link>
  );
}

function isNode(v: unknown): v is { host: string; port?: number | null; fingerprint?: string | null } {
  return typeof v === "object" && v !== null && typeof (v as { host?: unknown }).host === "string";
}

export function FieldValue({ field, value, names }: { field: string; value: unknown; names: RefNames }) {
  if (value === null || value === undefined) return <span className="text-slate-400">—</span>;
  const ref = REF_FIELDS[field];
  if (ref && typeof value === "number") return <RefValue type={ref} id={value} names={names} />;
  if (Array.isArray(value)) {
    if (!value.length) return <span className="text-slate-400">none</span>;
    return (
      <ul className="space-y-0.5">
        {value.map((v, i) => (
          <li key={i}>
            {ref && typeof v === "number" ? (
              <RefValue type={ref} id={v} names={names} />
            ) : isNode(v) ? (
              <span className="font-mono text-xs" title={v.fingerprint ? `fingerprint ${v.fingerprint}` : undefined}>
                {v.host}
                {v.port ? `:${v.port}` : ""}
                {v.fingerprint ? <span className="text-slate-400"> · fp {v.fingerprint.slice(0, 8)}…</span> : null}
              </span>
            ) : (
              <FieldValue field="" value={v} names={names} />
            )}
          </li>
        ))}
      </ul>
    );
  }
  if (typeof value === "boolean") return <span>{value ? "true" : "false"}</span>;
  if (typeof value === "object") return <code className="break-all font-mono text-xs">{JSON.stringify(value)}</code>;
  if (value === "") return <span className="text-slate-400">(empty)</span>;
  return <span className="break-words">{String(value as string | number)}</span>;
}

export const sameValue = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
