"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { ErrorNotice } from "@/components/ui/forms";
import { api } from "@/lib/api-client";
import { formatDate } from "@/lib/format";
import type { AdminUser, Role, UserList } from "@/lib/types";

interface Filters {
  q: string;
  role: "" | Role;
  blocked: "" | "true" | "false";
  pending: boolean;
}

function query(filters: Filters, cursor: string | null): string {
  const params = new URLSearchParams({ limit: "25" });
  if (filters.q.trim()) params.set("q", filters.q.trim());
  if (filters.role) params.set("role", filters.role);
  if (filters.blocked) params.set("blocked", filters.blocked);
  if (filters.pending) params.set("pending_verification", "true");
  if (cursor) params.set("cursor", cursor);
  return `/api/admin/users?${params}`;
}

type Change = Partial<Pick<AdminUser, "role" | "teacher_verified" | "blocked">>;

function Badge({ children, tone }: { children: string; tone: string }) {
  return <span className={`rounded px-1.5 py-0.5 text-xs ${tone}`}>{children}</span>;
}

function UserRow({ user, change, busy }: { user: AdminUser; change: (c: Change) => void; busy: boolean }) {
  const pending = user.role === "teacher" && !user.teacher_verified;
  return (
    <li
      className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-200 bg-white p-3"
      data-testid="admin-user"
      data-email={user.email}
    >
      <div className="min-w-0 space-y-1">
        <p className="font-medium">
          {user.name} <span className="text-sm text-slate-500">{user.email}</span>
        </p>
        <p className="flex flex-wrap gap-1">
          {pending ? <Badge tone="bg-amber-100 text-amber-800">awaiting verification</Badge> : null}
          {user.role === "teacher" && user.teacher_verified ? (
            <Badge tone="bg-green-100 text-green-800">verified teacher</Badge>
          ) : null}
          {user.blocked ? <Badge tone="bg-red-100 text-red-800">blocked</Badge> : null}
          {user.email_verified ? null : <Badge tone="bg-slate-200 text-slate-700">email not confirmed</Badge>}
          <span className="text-xs text-slate-500">joined {formatDate(user.created_at)}</span>
        </p>
      </div>
      <div className="flex flex-wrap items-center gap-2 text-sm">
        {pending ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => change({ teacher_verified: true })}
            className="rounded bg-brand-600 px-3 py-1.5 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
          >
            Verify teacher
          </button>
        ) : null}
        <label className="flex items-center gap-1">
          <span className="sr-only">Role of {user.name}</span>
          <select
            value={user.role}
            disabled={busy}
            onChange={(event) => change({ role: event.target.value as Role })}
            className="rounded border border-slate-300 bg-white px-2 py-1"
          >
            <option value="student">student</option>
            <option value="teacher">teacher</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button
          type="button"
          disabled={busy}
          onClick={() => change({ blocked: !user.blocked })}
          className="rounded border border-slate-300 px-3 py-1.5 hover:bg-slate-100 disabled:opacity-60"
        >
          {user.blocked ? "Unblock" : "Block"}
        </button>
      </div>
    </li>
  );
}

export function UsersView() {
  const client = useQueryClient();
  const [filters, setFilters] = useState<Filters>({ q: "", role: "", blocked: "", pending: false });
  const users = useInfiniteQuery({
    queryKey: ["admin", "users", filters],
    queryFn: ({ pageParam }) => api<UserList>(query(filters, pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const patch = useMutation({
    mutationFn: ({ id, change }: { id: string; change: Change }) =>
      api<AdminUser>(`/api/admin/users/${id}`, { method: "PATCH", body: change }),
    // The next read carries the command's consistency token, so the list shows the change.
    onSuccess: () => client.invalidateQueries({ queryKey: ["admin", "users"] }),
  });
  const set = (change: Partial<Filters>) => setFilters({ ...filters, ...change });
  const items = users.data?.pages.flatMap((page) => page.items) ?? [];
  const total = users.data?.pages[0]?.total;
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Users</h1>
      <form role="search" aria-label="Filter users" className="flex flex-wrap items-end gap-3" onSubmit={(e) => e.preventDefault()}>
        <label className="space-y-1 text-sm">
          <span className="block font-medium">Name or email starts with</span>
          <input
            value={filters.q}
            onChange={(event) => set({ q: event.target.value })}
            className="rounded border border-slate-300 bg-white px-3 py-1.5"
          />
        </label>
        <label className="space-y-1 text-sm">
          <span className="block font-medium">Role</span>
          <select
            value={filters.role}
            onChange={(event) => set({ role: event.target.value as Filters["role"] })}
            className="rounded border border-slate-300 bg-white px-2 py-1.5"
          >
            <option value="">any</option>
            <option value="student">student</option>
            <option value="teacher">teacher</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label className="space-y-1 text-sm">
          <span className="block font-medium">Status</span>
          <select
            value={filters.blocked}
            onChange={(event) => set({ blocked: event.target.value as Filters["blocked"] })}
            className="rounded border border-slate-300 bg-white px-2 py-1.5"
          >
            <option value="">any</option>
            <option value="false">active</option>
            <option value="true">blocked</option>
          </select>
        </label>
        <label className="flex items-center gap-2 pb-2 text-sm">
          <input type="checkbox" checked={filters.pending} onChange={(event) => set({ pending: event.target.checked })} />
          Teachers awaiting verification
        </label>
      </form>
      <ErrorNotice error={users.error ?? patch.error} />
      {users.isPending ? <p className="text-slate-500">Loading…</p> : null}
      {total !== undefined ? (
        <p className="text-sm text-slate-600" data-testid="users-total">
          {total} {total === 1 ? "user" : "users"}
        </p>
      ) : null}
      <ul className="space-y-2">
        {items.map((user) => (
          <UserRow
            key={user.id}
            user={user}
            busy={patch.isPending}
            change={(change) => patch.mutate({ id: user.id, change })}
          />
        ))}
      </ul>
      {users.hasNextPage ? (
        <button
          type="button"
          onClick={() => void users.fetchNextPage()}
          disabled={users.isFetchingNextPage}
          className="rounded border border-slate-300 px-3 py-1.5 text-sm"
        >
          More users
        </button>
      ) : null}
    </div>
  );
}
