import Link from "next/link";

// Small dependency-free charts for the dashboard: horizontal bars, and vertical bars over time.

export function BarList({ items, empty, hrefFor }: { items: { label: string; value: number; tone?: string }[]; empty: string; hrefFor?: (label: string) => string }) {
  if (!items.length) return <p className="text-sm text-slate-500">{empty}</p>;
  const max = Math.max(...items.map((i) => i.value), 1);
  return (
    <ul className="space-y-1.5" role="list">
      {items.map((i) => (
        <li key={i.label} className="grid grid-cols-[8rem_1fr_3rem] items-center gap-2 text-sm">
          <span className="truncate text-slate-700" title={i.label}>
            {hrefFor ? (
              <Link href={hrefFor(i.label)} className="hover:text-brand-700 hover:underline">
                {i.label}
              </Link>
            ) : (
              i.label
            )}
          </span>
          <span className="h-3 rounded bg-slate-100" aria-hidden>
            <span className={`block h-3 rounded ${i.tone ?? "bg-brand-500"}`} style={{ width: `${Math.max(2, (i.value / max) * 100)}%` }} />
          </span>
          <span className="text-right tabular-nums text-slate-600">{i.value}</span>
        </li>
      ))}
    </ul>
  );
}

export function Columns({ points, empty, unit }: { points: { key: string | number; value: number; label: string; tone: string; href?: string }[]; empty: string; unit: string }) {
  if (!points.length) return <p className="text-sm text-slate-500">{empty}</p>;
  const max = Math.max(...points.map((p) => p.value), 0.001);
  return (
    <div>
      <div className="flex h-32 items-end gap-1" role="img" aria-label={`Sync durations, in ${unit}`}>
        {points.map((p) => (
          <Link
            key={p.key}
            href={p.href ?? "#"}
            title={`${p.label}: ${p.value.toFixed(1)} ${unit}`}
            className={`block min-w-[6px] max-w-[28px] flex-1 rounded-t ${p.tone} hover:opacity-80`}
            style={{ height: `${Math.max(3, (p.value / max) * 100)}%` }}
          />
        ))}
      </div>
      <div className="mt-1 flex justify-between text-xs text-slate-500">
        <span>older</span>
        <span>max {max.toFixed(1)} {unit}</span>
        <span>newest</span>
      </div>
    </div>
  );
}
