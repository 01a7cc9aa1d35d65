"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";

import { SessionRestorer } from "@/lib/auth";
import { LiveUpdates } from "@/lib/live";

export function Providers({ children }: { children: ReactNode }) {
  // One client per browser session, created on first render (never shared between requests).
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: { queries: { staleTime: 30_000, refetchOnWindowFocus: false, retry: 1 } },
      }),
  );
  return (
    <QueryClientProvider client={client}>
      <SessionRestorer />
      <LiveUpdates />
      {children}
    </QueryClientProvider>
  );
}
