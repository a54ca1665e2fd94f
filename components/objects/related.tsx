import Link from "next/link";
import { Card } from "@/components/ui/card";
import type { ObjectType } from "@/lib/object-types";
import { uiUrl } from "@/lib/ui/kinds";

/** A "related objects" card: a few linked names and a link to the filtered list. */
export function RelatedCard({ title, type, items, count, listHref }: { title: string; type: ObjectType; items: { id: number; display: string }[]; count: number; listHref: string }) {
  return (
    <Card
      title={`${title} (${count})`}
      actions={
        count > 0 ? (
          <Link href={listHref} className="text-xs text-brand-700 hover:underline">
            View all
          </Link>
        ) : undefined
      }
    >
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">None.</p>
      ) : (
        <ul className="space-y-1 text-sm">
          {items.map((i) => (
            <li key={i.id}>
              <Link href={uiUrl(type, i.id)} className="text-brand-700 hover:underline">
                {i.display}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
