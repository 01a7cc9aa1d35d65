"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";

import { RequireLogin } from "@/components/student/RequireLogin";
import { ErrorNotice } from "@/components/ui/forms";
import { api } from "@/lib/api-client";
import { formatDate } from "@/lib/format";
import { useLiveStatus } from "@/lib/live";
import type { Inbox } from "@/lib/types";

// Live events refresh the inbox; only while they cannot flow does it ask every few seconds.
const FALLBACK_POLL_MS = 5_000;

function List() {
  const client = useQueryClient();
  const live = useLiveStatus();
  const inbox = useQuery({
    queryKey: ["notifications", "list"],
    queryFn: () => api<Inbox>("/api/me/notifications?limit=50"),
    refetchInterval: live === "open" ? false : FALLBACK_POLL_MS,
    staleTime: 0,
  });
  const refresh = () => client.invalidateQueries({ queryKey: ["notifications"] });
  const readOne = useMutation({
    mutationFn: (id: string) => api(`/api/notifications/${id}/read`, { method: "POST" }),
    onSuccess: refresh,
  });
  const readAll = useMutation({
    mutationFn: () => api("/api/notifications/read-all", { method: "POST" }),
    onSuccess: refresh,
  });

  if (inbox.isPending) return <p className="text-slate-500">Loading…</p>;
  if (inbox.isError) return <ErrorNotice error={inbox.error} />;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-slate-600">
          {inbox.data.unread} unread of {inbox.data.total}
        </p>
        <button
          type="button"
          disabled={inbox.data.unread === 0 || readAll.isPending}
          onClick={() => readAll.mutate()}
          className="rounded border border-slate-300 px-3 py-1.5 text-sm disabled:opacity-50"
        >
          Mark all read
        </button>
      </div>
      <ErrorNotice error={readOne.error ?? readAll.error} />
      {inbox.data.items.length === 0 ? <p className="text-slate-600">No notifications yet.</p> : null}
      <ul className="space-y-2">
        {inbox.data.items.map((item) => (
          <li
            key={item.id}
            data-testid="notification"
            data-kind={item.kind}
            className={`flex flex-wrap items-start justify-between gap-3 rounded-lg border p-3 ${
              item.read ? "border-slate-200 bg-white" : "border-brand-100 bg-brand-50"
            }`}
          >
            <div className="space-y-1">
              <p className={item.read ? "" : "font-medium"}>
                {item.read ? null : <span className="sr-only">Unread: </span>}
                {item.message}
              </p>
              <p className="text-xs text-slate-500">
                {formatDate(item.created_at)} ·{" "}
                <Link href={`/courses/${item.course_id}`} className="underline">
                  {item.course_title ?? "the course"}
                </Link>
              </p>
            </div>
            {item.read ? null : (
              <button
                type="button"
                onClick={() => readOne.mutate(item.id)}
                className="rounded border border-slate-300 bg-white px-2 py-1 text-xs"
              >
                Mark read
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function NotificationsView() {
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Notifications</h1>
      <RequireLogin next="/notifications">
        <List />
      </RequireLogin>
    </div>
  );
}
