"use client";

import { useMutation, useQuery } from "@tanstack/react-query";

import { ProgressBar } from "@/components/ProgressBar";
import { ErrorNotice } from "@/components/ui/forms";
import { api } from "@/lib/api-client";
import { useLiveStatus } from "@/lib/live";
import type { ProjectionStatus } from "@/lib/types";

// Rebuild progress arrives as live events; the other figures (lag, backlog) are asked for
// every half minute, and every few seconds while live events cannot flow.
const LIVE_POLL_MS = 30_000;
const FALLBACK_POLL_MS = 3_000;

function ago(epochSeconds: number | null): string {
  if (epochSeconds === null) return "never";
  const seconds = Math.max(0, Math.round(Date.now() / 1000 - epochSeconds));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

function Rebuild({ rebuild }: { rebuild: Record<string, string> }) {
  if (!rebuild.state) return <span className="text-sm text-slate-500">never rebuilt</span>;
  const done = Number(rebuild.done ?? 0);
  const total = Math.max(Number(rebuild.total ?? 0), done);
  const percent = total > 0 ? Math.floor((done * 100) / total) : rebuild.state === "done" ? 100 : 0;
  return (
    <div className="min-w-48 space-y-1">
      <ProgressBar percent={percent} label={`${done} of ${total} documents`} />
      <p className="text-xs text-slate-600">
        <span data-testid="rebuild-state">{rebuild.state}</span>
        {rebuild.rate_per_second ? ` · ${Math.round(Number(rebuild.rate_per_second))}/s` : null}
        {rebuild.updated_at ? ` · ${ago(Number(rebuild.updated_at))}` : null}
      </p>
    </div>
  );
}

function Row({ projection }: { projection: ProjectionStatus }) {
  const start = useMutation({
    mutationFn: () => api(`/api/ops/projections/${projection.name}/rebuild`, { method: "POST" }),
  });
  const running = projection.rebuild.state === "running";
  return (
    <tr className="border-t border-slate-200 align-top" data-testid="projection-row" data-name={projection.name}>
      <th scope="row" className="py-2 pe-3 text-left font-medium">
        {projection.name}
      </th>
      <td className="py-2 pe-3 text-sm">
        {projection.applied_total} events
        <br />
        <span className="text-xs text-slate-500">
          last {ago(projection.last_applied_at)}
          {projection.last_lag_seconds !== null ? `, lag ${projection.last_lag_seconds.toFixed(2)} s` : ""}
        </span>
      </td>
      <td className="py-2 pe-3">
        <Rebuild rebuild={projection.rebuild} />
      </td>
      <td className="py-2">
        <button
          type="button"
          onClick={() => start.mutate()}
          disabled={running || start.isPending}
          aria-label={`Rebuild ${projection.name}`}
          className="rounded bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-50"
        >
          {running ? "Rebuilding…" : "Rebuild"}
        </button>
        <ErrorNotice error={start.error} />
      </td>
    </tr>
  );
}

export function ProjectionsView() {
  const live = useLiveStatus();
  const statuses = useQuery({
    queryKey: ["admin", "projections"],
    queryFn: () => api<ProjectionStatus[]>("/api/ops/projections"),
    refetchInterval: live === "open" ? LIVE_POLL_MS : FALLBACK_POLL_MS,
  });
  const first = statuses.data?.[0];
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">Projections</h1>
        <p className="text-sm" data-testid="live-status">
          {live === "open" ? "● live" : "○ reconnecting…"}
        </p>
      </div>
      {first ? (
        <p className="text-sm text-slate-600">
          Outbox backlog {first.outbox_backlog} · queued jobs {first.queued_jobs} · dead letters {first.dead_letters}
        </p>
      ) : null}
      <p className="text-sm text-slate-600">
        A rebuild fills a new generation while the current one serves, then switches at once.
      </p>
      <ErrorNotice error={statuses.error} />
      {statuses.isPending ? <p className="text-slate-500">Loading…</p> : null}
      <div className="overflow-x-auto">
        <table className="w-full min-w-[36rem] text-sm">
          <thead>
            <tr className="text-left text-xs uppercase text-slate-500">
              <th className="pb-2">Projection</th>
              <th className="pb-2">Applied</th>
              <th className="pb-2">Last rebuild</th>
              <th className="pb-2">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {statuses.data?.map((projection) => (
              <Row key={projection.name} projection={projection} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
