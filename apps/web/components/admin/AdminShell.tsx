"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

import { RequireLogin } from "@/components/student/RequireLogin";
import { useMe } from "@/lib/auth";

const SECTIONS = [
  ["/admin", "Users"],
  ["/admin/categories", "Categories"],
  ["/admin/reviews", "Reviews"],
  ["/admin/projections", "Projections"],
] as const;

/** Shown to a signed-in person who is not an admin. The read and write APIs refuse them too
 * (403 admin_required); this only spares them a page of errors. */
function Forbidden({ role }: { role: string }) {
  return (
    <div className="mx-auto max-w-lg space-y-4 py-12 text-center" data-testid="forbidden">
      <p className="text-5xl font-bold text-slate-300">403</p>
      <h1 className="text-2xl font-bold">Admins only</h1>
      <p className="text-slate-600">
        Your account is a <strong>{role}</strong> account; the admin area needs an admin account.
      </p>
      <Link href="/" className="text-brand-700 underline">
        Back to the home page
      </Link>
    </div>
  );
}

function AdminOnly({ children }: { children: ReactNode }) {
  const { me, error } = useMe();
  const path = usePathname();
  if (!me) return <p className="text-slate-500">{error ? "Your account could not be loaded." : "Loading…"}</p>;
  if (me.role !== "admin") return <Forbidden role={me.role} />;
  return (
    <div className="space-y-6">
      <nav aria-label="Admin" className="flex flex-wrap gap-2 border-b border-slate-200 pb-3 text-sm font-medium">
        {SECTIONS.map(([href, label]) => (
          <Link
            key={href}
            href={href}
            aria-current={path === href ? "page" : undefined}
            className="rounded px-3 py-1.5 hover:bg-slate-100 aria-[current=page]:bg-brand-600 aria-[current=page]:text-white"
          >
            {label}
          </Link>
        ))}
      </nav>
      {children}
    </div>
  );
}

export function AdminShell({ children }: { children: ReactNode }) {
  const path = usePathname();
  return (
    <RequireLogin next={path}>
      <AdminOnly>{children}</AdminOnly>
    </RequireLogin>
  );
}
