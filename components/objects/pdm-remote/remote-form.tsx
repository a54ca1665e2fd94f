"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { resetRemoteLinkAction, updateRemoteAction } from "@/actions/remotes";
import { Button, buttonClass } from "@/components/ui/button";
import type { FieldErrors } from "@/lib/errors";

/** Only the link override (of the right kind for the remote's type) and the description. */
export function RemoteForm({
  id,
  remoteType,
  linkId,
  linkSource,
  description,
  options,
}: {
  id: number;
  remoteType: "pve" | "pbs";
  linkId: number | null;
  linkSource: string;
  description: string;
  options: { value: string; label: string }[];
}) {
  const router = useRouter();
  const field = remoteType === "pve" ? "linked_proxmox_endpoint" : "linked_pbs_server";
  const [link, setLink] = useState(linkId === null ? "" : String(linkId));
  const [desc, setDesc] = useState(description);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const changed = link !== (linkId === null ? "" : String(linkId));

  function save(e: React.FormEvent) {
    e.preventDefault();
    start(async () => {
      const res = await updateRemoteAction(id, { description: desc, ...(changed ? { link: { field, value: link === "" ? null : Number(link) } } : {}) });
      if (res.ok) {
        router.push(res.data.url);
        router.refresh();
      } else {
        setErrors(res.fields ?? {});
        setMessage(res.error);
      }
    });
  }

  return (
    <form onSubmit={save} className="max-w-2xl space-y-4 rounded-lg border border-slate-200 bg-white p-5">
      {message && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {message}
        </p>
      )}
      <p className="text-sm text-slate-600">
        Sync owns this remote&apos;s fields. Choosing a link here makes it <strong>manual</strong>: sync never changes a manual link. The link is
        currently <strong>{linkSource}</strong>.
      </p>
      <div>
        <label htmlFor="field-link" className="block text-sm font-medium text-slate-700">
          {remoteType === "pve" ? "Linked Proxmox endpoint" : "Linked PBS server"}
        </label>
        <select id="field-link" value={link} onChange={(e) => setLink(e.target.value)} className="mt-1 block w-full rounded-md border border-slate-300 px-2.5 py-1.5 text-sm">
          <option value="">— none —</option>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        {errors[field] && <p className="mt-1 text-xs text-red-700">{errors[field].join(" ")}</p>}
      </div>
      <div>
        <label htmlFor="field-description" className="block text-sm font-medium text-slate-700">
          Description
        </label>
        <textarea id="field-description" rows={3} value={desc} onChange={(e) => setDesc(e.target.value)} className="mt-1 block w-full rounded-md border border-slate-300 px-2.5 py-1.5 text-sm" />
        {errors.description && <p className="mt-1 text-xs text-red-700">{errors.description.join(" ")}</p>}
      </div>
      <div className="flex flex-wrap gap-2 pt-2">
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Saving…" : "Save"}
        </Button>
        {linkSource === "manual" && (
          <Button
            disabled={pending}
            onClick={() =>
              start(async () => {
                const res = await resetRemoteLinkAction(id);
                if (res.ok) {
                  router.push(`/plugins/pdm/remotes/${id}/`);
                  router.refresh();
                } else setMessage(res.error);
              })
            }
          >
            Reset to automatic
          </Button>
        )}
        <Link href={`/plugins/pdm/remotes/${id}/`} className={buttonClass("secondary")}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
