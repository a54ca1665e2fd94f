"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { saveObjectAction } from "@/actions/objects";
import { Button, buttonClass } from "@/components/ui/button";
import type { FieldErrors } from "@/lib/errors";
import type { Kind } from "@/lib/ui/kinds";

// One form for every kind: fields from a spec, values converted to what the service expects,
// field errors from the service shown inline next to their inputs.

export type FieldSpec =
  | { name: string; label: string; kind: "text" | "textarea"; required?: boolean; help?: string; placeholder?: string; nullIfBlank?: boolean }
  | { name: string; label: string; kind: "password"; required?: boolean; help?: string }
  | { name: string; label: string; kind: "number"; required?: boolean; help?: string; min?: number; max?: number; placeholder?: string }
  | { name: string; label: string; kind: "checkbox"; help?: string }
  | { name: string; label: string; kind: "select"; options: { value: string; label: string }[]; numeric?: boolean; nullable?: boolean; required?: boolean; help?: string }
  | { name: string; label: string; kind: "multiselect"; options: { value: string; label: string }[]; help?: string };

export type FormValues = Record<string, string | boolean | string[]>;

const INPUT = "mt-1 block w-full rounded-md border border-slate-300 px-2.5 py-1.5 text-sm shadow-sm focus:border-brand-500 focus:outline-none aria-[invalid=true]:border-red-500";

/** Form state → the service's input (blank password = keep; blank number = default). */
export function toInput(fields: FieldSpec[], values: FormValues, isEdit: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    switch (f.kind) {
      case "checkbox":
        out[f.name] = v === true;
        break;
      case "password":
        if (typeof v === "string" && v !== "") out[f.name] = v;
        break;
      case "number":
        if (typeof v === "string" && v.trim() !== "") out[f.name] = Number(v);
        else if (isEdit && !f.required) out[f.name] = null;
        break;
      case "select":
        if (v === "" || v === undefined) {
          if (f.nullable) out[f.name] = null;
          else if (f.required) out[f.name] = undefined;
        } else out[f.name] = f.numeric ? Number(v) : v;
        break;
      case "multiselect":
        out[f.name] = (Array.isArray(v) ? v : []).map(Number);
        break;
      default:
        out[f.name] = typeof v === "string" && v.trim() === "" && f.nullIfBlank ? null : (v ?? "");
    }
  }
  return out;
}

export function ObjectForm({
  kind,
  id,
  fields,
  initial,
  cancelHref,
  submitLabel,
}: {
  kind: Kind;
  id: number | null;
  fields: FieldSpec[];
  initial: FormValues;
  cancelHref: string;
  submitLabel?: string;
}) {
  const router = useRouter();
  const [values, setValues] = useState<FormValues>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, start] = useTransition();

  function set(name: string, v: string | boolean | string[]) {
    setValues((prev) => ({ ...prev, [name]: v }));
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    start(async () => {
      const res = await saveObjectAction(kind, id, toInput(fields, values, id !== null));
      if (res.ok) {
        router.push(res.data.url);
        router.refresh();
      } else {
        setErrors(res.fields ?? {});
        setMessage(res.fields?.non_field_errors?.join(" ") ?? res.error);
      }
    });
  }

  return (
    <form onSubmit={submit} noValidate className="max-w-2xl space-y-4 rounded-lg border border-slate-200 bg-white p-5">
      {message && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
          {message}
        </p>
      )}
      {fields.map((f) => {
        const err = errors[f.name] ?? Object.entries(errors).find(([k]) => k.startsWith(`${f.name}.`))?.[1];
        const errId = `${f.name}-error`;
        const common = { id: `field-${f.name}`, name: f.name, "aria-invalid": err ? true : undefined, "aria-describedby": err ? errId : f.help ? `${f.name}-help` : undefined };
        return (
          <div key={f.name}>
            {f.kind === "checkbox" ? (
              <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
                <input type="checkbox" {...common} checked={values[f.name] === true} onChange={(e) => set(f.name, e.target.checked)} />
                {f.label}
              </label>
            ) : (
              <>
                <label htmlFor={common.id} className="block text-sm font-medium text-slate-700">
                  {f.label}
                  {"required" in f && f.required && <span className="text-red-600"> *</span>}
                </label>
                {f.kind === "textarea" ? (
                  <textarea {...common} rows={3} className={INPUT} value={String(values[f.name] ?? "")} onChange={(e) => set(f.name, e.target.value)} />
                ) : f.kind === "select" ? (
                  <select {...common} className={INPUT} value={String(values[f.name] ?? "")} onChange={(e) => set(f.name, e.target.value)}>
                    {(f.nullable || !f.required) && <option value="">—</option>}
                    {f.options.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                ) : f.kind === "multiselect" ? (
                  <select
                    {...common}
                    multiple
                    size={Math.min(6, Math.max(3, f.options.length))}
                    className={INPUT}
                    value={(values[f.name] as string[] | undefined) ?? []}
                    onChange={(e) => set(f.name, [...e.target.selectedOptions].map((o) => o.value))}
                  >
                    {f.options.map((o) => (
                      <option key={o.value} value={o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...common}
                    type={f.kind === "password" ? "password" : f.kind === "number" ? "number" : "text"}
                    autoComplete={f.kind === "password" ? "new-password" : "off"}
                    className={INPUT}
                    placeholder={"placeholder" in f ? f.placeholder : f.kind === "password" && id !== null ? "Leave blank to keep the stored value" : undefined}
                    min={f.kind === "number" ? f.min : undefined}
                    max={f.kind === "number" ? f.max : undefined}
                    value={String(values[f.name] ?? "")}
                    onChange={(e) => set(f.name, e.target.value)}
                  />
                )}
              </>
            )}
            {f.help && !err && (
              <p id={`${f.name}-help`} className="mt-1 text-xs text-slate-500">
                {f.help}
              </p>
            )}
            {err && (
              <p id={errId} className="mt-1 text-xs text-red-700" data-testid={`error-${f.name}`}>
                {err.join(" ")}
              </p>
            )}
          </div>
        );
      })}
      <div className="flex gap-2 pt-2">
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Saving…" : (submitLabel ?? (id === null ? "Create" : "Save"))}
        </Button>
        <Link href={cancelHref} className={buttonClass("secondary")}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
