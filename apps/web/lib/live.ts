"use client";

import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";

import { currentAccessToken, refreshSession, useSession } from "./session";
import type { ProjectionStatus } from "./types";

// Live updates: the read API's server-sent events (GET /api/me/events) through the /api proxy.
// Read with fetch rather than EventSource, which cannot send the Authorization header: the
// access token stays in memory and never goes into a URL (ADR 0020). Each event says what to
// refetch; the stream's ids are sent back as Last-Event-ID on every reconnect, so events that
// happened while it was down are replayed.
//
// One stream per tab (LiveUpdates, mounted once in the providers), and never one that outlives
// what it serves: it is closed on unmount, on sign-out (before the logout request), and when the
// page is hidden for good or put in the back/forward cache (`pagehide`), then reopened with its
// Last-Event-ID if the page comes back (`pageshow`). A stream left open by a page the browser
// keeps would hold one of the browser's six connections to this origin (ADR 0020).

export type LiveStatus = "off" | "connecting" | "open";

export interface LiveMessage {
  id: string | null;
  event: string;
  data: string;
}

let status: LiveStatus = "off";
const listeners = new Set<() => void>();

function setStatus(next: LiveStatus): void {
  if (status === next) return;
  status = next;
  listeners.forEach((listener) => listener());
}

/** Whether live updates flow now (pages poll as a fallback while they do not). */
export function useLiveStatus(): LiveStatus {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => status,
    () => "off" as LiveStatus,
  );
}

/** The messages of a text/event-stream body (id, event and data fields; comments skipped). */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<LiveMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let fields: Partial<LiveMessage> = {};
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, "");
      buffer = buffer.slice(end + 1);
      if (line === "") {
        if (fields.event !== undefined || fields.data !== undefined) {
          yield { id: fields.id ?? null, event: fields.event ?? "message", data: fields.data ?? "" };
        }
        fields = {};
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const name = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (name === "data") fields.data = fields.data === undefined ? text : `${fields.data}\n${text}`;
        else if (name === "id" || name === "event") fields[name] = text;
      }
    }
  }
}

/** What each kind of event changes in the query cache. */
function apply(client: QueryClient, message: LiveMessage): void {
  switch (message.event) {
    case "ready":
      // Connected (again): whatever changed before the stream's start is fetched afresh.
      void client.invalidateQueries({ queryKey: ["notifications"] });
      void client.invalidateQueries({ queryKey: ["dashboard"] });
      void client.invalidateQueries({ queryKey: ["admin", "projections"] });
      break;
    case "notifications":
      void client.invalidateQueries({ queryKey: ["notifications"] });
      void client.invalidateQueries({ queryKey: ["dashboard"] });
      break;
    case "dashboard":
      void client.invalidateQueries({ queryKey: ["dashboard"] });
      break;
    case "projection": {
      const progress = JSON.parse(message.data) as { projection: string; rebuild: Record<string, string> };
      client.setQueryData<ProjectionStatus[]>(["admin", "projections"], (old) =>
        old?.map((row) => (row.name === progress.projection ? { ...row, rebuild: progress.rebuild } : row)),
      );
      break;
    }
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

// The tab's one stream, so that signing out can close it before anything else.
let current: AbortController | null = null;

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 15_000;

/** One stream at a time until aborted: reconnects at once after a clean end (the access token
 * expired, the server stopped), with a growing pause after failures. */
async function follow(
  client: QueryClient,
  position: { lastEventId: string | null },
  signal: AbortSignal,
): Promise<void> {
  let pause = FIRST_RETRY_MS;
  while (!signal.aborted) {
    setStatus("connecting");
    let failed = true;
    try {
      const token = currentAccessToken() ?? (await refreshSession());
      if (!token) throw new Error("signed out");
      const headers: Record<string, string> = { Accept: "text/event-stream", Authorization: `Bearer ${token}` };
      if (position.lastEventId) headers["Last-Event-ID"] = position.lastEventId;
      const response = await fetch("/api/me/events", { headers, cache: "no-store", signal });
      if (response.status === 401) await refreshSession();
      if (response.status === 422) position.lastEventId = null; // an id the server no longer accepts
      if (response.ok && response.body) {
        for await (const message of readEvents(response.body)) {
          if (message.id) position.lastEventId = message.id;
          if (message.event === "ready") {
            setStatus("open");
            pause = FIRST_RETRY_MS;
          }
          apply(client, message);
        }
        failed = false;
      }
    } catch {
      // Network errors and aborts: the loop decides below.
    }
    if (signal.aborted) break;
    setStatus("connecting");
    await sleep(failed ? pause : 100, signal);
    if (failed) pause = Math.min(pause * 2, MAX_RETRY_MS);
  }
  // Unless a new stream has taken over (a restart), whose status this is now.
  if (current === null) setStatus("off");
}

/** Closes the tab's live stream now (signing out: the stream must not outlive the session). */
export function stopLiveUpdates(): void {
  current?.abort();
  current = null;
}

/** Follows the signed-in person's live events for as long as they are signed in and the page is
 * shown. */
export function LiveUpdates() {
  const client = useQueryClient();
  const signedIn = useSession().status === "authenticated";
  useEffect(() => {
    if (!signedIn) return;
    // Kept across a pagehide/pageshow pair, so the reopened stream replays what it missed.
    const position = { lastEventId: null as string | null };
    const start = () => {
      stopLiveUpdates();
      const controller = new AbortController();
      current = controller;
      void follow(client, position, controller.signal);
    };
    const resume = (event: PageTransitionEvent) => {
      if (event.persisted) start();
    };
    start();
    window.addEventListener("pagehide", stopLiveUpdates);
    window.addEventListener("pageshow", resume);
    return () => {
      window.removeEventListener("pagehide", stopLiveUpdates);
      window.removeEventListener("pageshow", resume);
      stopLiveUpdates();
    };
  }, [client, signedIn]);
  return null;
}
