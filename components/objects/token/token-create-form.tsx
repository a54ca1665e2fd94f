"use client";

import { useState, useTransition } from "react";
import { createTokenAction, type CreatedToken } from "@/actions/tokens";
import { Button } from "@/components/ui/button";
import type { FieldErrors } from "@/lib/errors";

export function TokenCreateForm({ users, currentUserId }: { users: { id: number; username: string }[]; currentUserId: number | null }) {
  const [pending, startTransition] = useTransition();
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});

  function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const expires = String(form.get("expires") ?? "");
    const user = form.get("user");
    startTransition(async () => {
      const res = await createTokenAction({
        description: String(form.get("description") ?? ""),
        write_enabled: form.get("write_enabled") === "on",
        expires: expires ? new Date(expires).toISOString() : null,
        ...(user ? { user: Number(user) } : {}),
      });
      if (res.ok) {
        setCreated(res.data);
        setError(null);
        setFields({});
      } else {
        setError(res.error);
        setFields(res.fields ?? {});
      }
    });
  }

  return (
    <div className="space-y-4">
      {created && (
        <div role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm">
          <p className="font-medium text-emerald-900">Token #{created.id} created. Copy the key now: it will not be shown again.</p>
          <code data-testid="new-token-key" className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900">
            {created.key}
          </code>
        </div>
      )}
      <form onSubmit={onSubmit} className="space-y-3">
        {users.length > 0 && (
          <div>
            <label htmlFor="token-user" className="block text-sm font-medium text-slate-700">
              User
            </label>
            <select id="token-user" name="user" defaultValue={currentUserId ?? undefined} className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm">
              {users.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.username}
                </option>
              ))}
            </select>
          </div>
        )}
        <div>
          <label htmlFor="token-description" className="block text-sm font-medium text-slate-700">
            Description
          </label>
          <input id="token-description" name="description" maxLength={200} className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
          {fields.description && <p className="mt-1 text-xs text-red-700">{fields.description.join(" ")}</p>}
        </div>
        <div>
          <label htmlFor="token-expires" className="block text-sm font-medium text-slate-700">
            Expires (optional)
          </label>
          <input id="token-expires" name="expires" type="datetime-local" className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
          {fields.expires && <p className="mt-1 text-xs text-red-700">{fields.expires.join(" ")}</p>}
        </div>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" name="write_enabled" defaultChecked /> Write enabled
        </label>
        {error && <p role="alert" className="text-sm text-red-700">{error}</p>}
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Creating…" : "Create token"}
        </Button>
      </form>
    </div>
  );
}
