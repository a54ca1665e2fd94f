import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/auth/login-form";
import { safeCallbackPath } from "@/lib/auth/redirect";
import { getSessionActor } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  // Only this app's own paths: never an open redirect (issue 17).
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  if (await getSessionActor()) redirect(callbackUrl);
  return (
    <main className="flex min-h-screen items-center justify-center bg-brand-900 px-4">
      <div className="w-full max-w-sm rounded-xl bg-white p-8 shadow-xl">
        <h1 className="text-center text-2xl font-bold tracking-tight text-slate-900">
          netbox<span className="text-brand-600">-pdm</span>
        </h1>
        <p className="mt-1 mb-6 text-center text-sm text-slate-500">Proxmox Datacenter Manager inventory</p>
        <LoginForm callbackUrl={callbackUrl} />
      </div>
    </main>
  );
}
