"use client";

import Link from "next/link";
import type { ReactNode } from "react";

import { useSession } from "@/lib/session";

/** Renders its children for a signed-in person, a login link otherwise. */
export function RequireLogin({ next, children }: { next: string; children: ReactNode }) {
  const session = useSession();
  if (session.status === "loading") return <p className="text-slate-500">Loading…</p>;
  if (session.status === "anonymous") {
    return (
      <p>
        <Link href={`/login?next=${encodeURIComponent(next)}`} className="underline">
          Log in
        </Link>{" "}
        to see this page.
      </p>
    );
  }
  return <>{children}</>;
}
