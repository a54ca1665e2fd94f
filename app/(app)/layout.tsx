import Link from "next/link";
import { Sidebar } from "@/components/layout/sidebar";
import { SignOutButton } from "@/components/layout/sign-out-button";
import { requirePageActor } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

// The signed-in shell: NetBox-style left navigation, a top bar with the user, the page.
export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const actor = await requirePageActor();
  return (
    <div className="flex min-h-screen flex-col lg:flex-row">
      <aside className="bg-brand-900 text-white lg:fixed lg:inset-y-0 lg:w-60 lg:overflow-y-auto">
        <div className="flex items-center justify-between px-5 py-4">
          <Link href="/" className="text-lg font-bold tracking-tight">
            netbox<span className="text-brand-500">-pdm</span>
          </Link>
        </div>
        <details className="group lg:hidden" >
          <summary className="cursor-pointer list-none px-5 pb-3 text-sm text-brand-100">☰ Menu</summary>
          <Sidebar actor={actor} />
        </details>
        <div className="hidden lg:block">
          <Sidebar actor={actor} />
        </div>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col lg:pl-60">
        <header className="flex items-center justify-end gap-3 border-b border-slate-200 bg-white px-6 py-2.5">
          <span className="text-sm text-slate-600">
            <span className="font-medium text-slate-900">{actor.username}</span>{" "}
            <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600" data-testid="user-role">
              {actor.role}
            </span>
          </span>
          <SignOutButton />
        </header>
        <main className="flex-1 px-4 py-6 sm:px-6">{children}</main>
      </div>
    </div>
  );
}
