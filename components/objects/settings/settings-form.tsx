"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { updateSettingsAction } from "@/actions/settings";
import { Button } from "@/components/ui/button";
import type { FieldErrors } from "@/lib/errors";
import type { SettingsRecord } from "@/lib/services/settings";

const INPUT = "mt-1 block w-full rounded-md border border-slate-300 px-2.5 py-1.5 text-sm shadow-sm aria-[invalid=true]:border-red-500";

/** The plugin settings singleton (SPEC §2.3). */
export function SettingsForm({ settings }: { settings: SettingsRecord }) {
  const router = useRouter();
  const [v, setV] = useState({
    pdm_enabled: settings.pdm_enabled,
    pdm_fetch_concurrency: String(settings.pdm_fetch_concurrency),
    sync_schedule: settings.sync_schedule,
    branching_enabled: settings.branching_enabled,
    branch_name_prefix: settings.branch_name_prefix,
    branch_on_conflict: settings.branch_on_conflict as string,
    proxbox_api_url: settings.proxbox_api_url,
    proxbox_api_key: "",
    clear_key: false,
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const set = (k: keyof typeof v, val: string | boolean) => setV((p) => ({ ...p, [k]: val }));
  const err = (k: string) =>
    errors[k] ? (
      <p className="mt-1 text-xs text-red-700" data-testid={`error-${k}`}>
        {errors[k].join(" ")}
      </p>
    ) : null;

  function submit(e: React.FormEvent) {
    e.preventDefault();
    start(async () => {
      const { clear_key, proxbox_api_key, pdm_fetch_concurrency, ...rest } = v;
      const res = await updateSettingsAction({
        ...rest,
        pdm_fetch_concurrency: pdm_fetch_concurrency.trim() === "" ? Number.NaN : Number(pdm_fetch_concurrency),
        ...(clear_key ? { proxbox_api_key: "" } : proxbox_api_key ? { proxbox_api_key } : {}),
      });
      if (res.ok) {
        setErrors({});
        setMessage(null);
        setSaved(true);
        setV((p) => ({ ...p, proxbox_api_key: "", clear_key: false }));
        router.refresh();
      } else {
        setSaved(false);
        setErrors(res.fields ?? {});
        setMessage(res.error);
      }
    });
  }

  return (
    <form onSubmit={submit} noValidate className="max-w-2xl space-y-6 rounded-lg border border-slate-200 bg-white p-5">
      {message && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {message}
        </p>
      )}
      {saved && (
        <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          Settings saved.
        </p>
      )}
      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-slate-800">Sync</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={v.pdm_enabled} onChange={(e) => set("pdm_enabled", e.target.checked)} /> PDM sync enabled (off: every run is recorded as skipped)
        </label>
        <div>
          <label htmlFor="s-concurrency" className="block text-sm font-medium text-slate-700">
            PDM fetch concurrency
          </label>
          <input id="s-concurrency" type="number" min={1} max={64} className={INPUT} aria-invalid={!!errors.pdm_fetch_concurrency} value={v.pdm_fetch_concurrency} onChange={(e) => set("pdm_fetch_concurrency", e.target.value)} />
          <p className="mt-1 text-xs text-slate-500">1–64: the most requests in flight to PDM during one run.</p>
          {err("pdm_fetch_concurrency")}
        </div>
        <div>
          <label htmlFor="s-schedule" className="block text-sm font-medium text-slate-700">
            Sync schedule
          </label>
          <input id="s-schedule" className={INPUT} placeholder='e.g. "0 * * * *" (hourly); empty = off' aria-invalid={!!errors.sync_schedule} value={v.sync_schedule} onChange={(e) => set("sync_schedule", e.target.value)} />
          <p className="mt-1 text-xs text-slate-500">A cron expression in UTC; empty turns scheduled runs off.</p>
          {err("sync_schedule")}
        </div>
      </fieldset>
      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-slate-800">Branching</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={v.branching_enabled} onChange={(e) => set("branching_enabled", e.target.checked)} /> Run each sync in a Git branch for review
        </label>
        <div>
          <label htmlFor="s-prefix" className="block text-sm font-medium text-slate-700">
            Branch name prefix
          </label>
          <input id="s-prefix" className={INPUT} aria-invalid={!!errors.branch_name_prefix} value={v.branch_name_prefix} onChange={(e) => set("branch_name_prefix", e.target.value)} />
          {err("branch_name_prefix")}
        </div>
        <div>
          <label htmlFor="s-conflict" className="block text-sm font-medium text-slate-700">
            On conflict
          </label>
          <select id="s-conflict" className={INPUT} value={v.branch_on_conflict} onChange={(e) => set("branch_on_conflict", e.target.value)}>
            <option value="abort">abort: leave the branch open for review</option>
            <option value="overwrite">overwrite: merge, the branch wins conflicting fields</option>
          </select>
          {err("branch_on_conflict")}
        </div>
      </fieldset>
      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-slate-800">proxbox-api (reserved)</legend>
        <div>
          <label htmlFor="s-url" className="block text-sm font-medium text-slate-700">
            proxbox-api URL
          </label>
          <input id="s-url" className={INPUT} aria-invalid={!!errors.proxbox_api_url} value={v.proxbox_api_url} onChange={(e) => set("proxbox_api_url", e.target.value)} />
          {err("proxbox_api_url")}
        </div>
        <div>
          <label htmlFor="s-key" className="block text-sm font-medium text-slate-700">
            proxbox-api key
          </label>
          <input
            id="s-key"
            type="password"
            autoComplete="new-password"
            className={INPUT}
            disabled={v.clear_key}
            placeholder={settings.has_proxbox_api_key ? "Leave blank to keep the stored key" : "Not set"}
            value={v.proxbox_api_key}
            onChange={(e) => set("proxbox_api_key", e.target.value)}
          />
          {settings.has_proxbox_api_key && (
            <label className="mt-1 flex items-center gap-2 text-xs text-slate-600">
              <input type="checkbox" checked={v.clear_key} onChange={(e) => set("clear_key", e.target.checked)} /> Clear the stored key
            </label>
          )}
          {err("proxbox_api_key")}
        </div>
      </fieldset>
      <Button type="submit" variant="primary" disabled={pending}>
        {pending ? "Saving…" : "Save settings"}
      </Button>
    </form>
  );
}
