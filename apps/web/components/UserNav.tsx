"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";

import { api } from "@/lib/api-client";
import { useAuthActions, useMe } from "@/lib/auth";
import { useLiveStatus } from "@/lib/live";
import type { Inbox } from "@/lib/types";

// Live events refresh the bell; only while they cannot flow does it ask every few seconds.
const FALLBACK_POLL_MS = 5_000;

function Bell() {
  const live = useLiveStatus();
  const { data } = useQuery({
    queryKey: ["notifications", "unread-count"],
    queryFn: () => api<Inbox>("/api/me/notifications?unread=true&limit=1"),
    refetchInterval: live === "open" ? false : FALLBACK_POLL_MS,
    staleTime: 0,
  });
  const unread = data?.unread ?? 0;
  return (
    <Link
      href="/notifications"
      className="relative inline-flex items-center rounded px-2 py-1 hover:text-brand-700"
      aria-label={unread > 0 ? `Notifications, ${unread} unread` : "Notifications"}
      data-testid="bell"
      data-live={live}
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0" />
      </svg>
      {unread > 0 ? (
        <span className="absolute -right-1 -top-1 min-w-5 rounded-full bg-red-600 px-1 text-center text-xs text-white" data-testid="unread-count">
          {unread}
        </span>
      ) : null}
    </Link>
  );
}

export function UserNav() {
  const { status, me } = useMe();
  const { logout } = useAuthActions();
  const router = useRouter();

  if (status === "loading") return <li className="text-slate-400">…</li>;
  if (status === "anonymous") {
    return (
      <>
        <li>
          <Link href="/login" className="hover:text-brand-700">
            Log in
          </Link>
        </li>
        <li>
          <Link href="/register" className="rounded bg-brand-600 px-3 py-1.5 text-white hover:bg-brand-700">
            Sign up
          </Link>
        </li>
      </>
    );
  }
  return (
    <>
      {me?.role === "admin" ? (
        <li>
          <Link href="/admin" className="hover:text-brand-700">
            Admin
          </Link>
        </li>
      ) : null}
      {me?.role === "teacher" ? (
        <li>
          <Link href="/studio" className="hover:text-brand-700">
            Studio
          </Link>
        </li>
      ) : null}
      <li>
        <Link href="/dashboard" className="hover:text-brand-700">
          My learning
        </Link>
      </li>
      <li className="hidden sm:block">
        <Link href="/payments" className="hover:text-brand-700">
          Payments
        </Link>
      </li>
      <li>
        <Bell />
      </li>
      <li className="flex items-center gap-2">
        <span className="hidden max-w-56 truncate text-slate-600 md:inline" data-testid="who">
          {me ? me.name : ""}
          {me ? <span className="ml-1 text-xs text-slate-400">{me.role}</span> : null}
        </span>
        <button
          type="button"
          className="rounded border border-slate-300 px-2 py-1 hover:bg-slate-100"
          onClick={async () => {
            await logout();
            router.push("/");
          }}
        >
          Log out
        </button>
      </li>
    </>
  );
}
