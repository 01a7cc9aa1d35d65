"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";

import { ApiError, api } from "./api-client";
import { stopLiveUpdates } from "./live";
import { acceptTokens, endSession, refreshSession, useSession } from "./session";
import type { Me } from "./types";

/** Restores the session from the httpOnly cookie once, when the app starts in the browser. */
export function SessionRestorer() {
  useEffect(() => {
    void refreshSession();
  }, []);
  return null;
}

/** The signed-in person (GET /api/me), or null when nobody is. */
export function useMe() {
  const session = useSession();
  const signedIn = session.status === "authenticated";
  const query = useQuery({
    queryKey: ["me"],
    queryFn: () => api<Me>("/api/me"),
    enabled: signedIn,
    staleTime: 60_000,
    // A brand-new account may not be projected yet (401 unknown_account): try again shortly.
    retry: (failures, error) =>
      failures < 5 && error instanceof ApiError && error.code === "unknown_account",
    retryDelay: 500,
  });
  return {
    status: session.status,
    me: signedIn ? (query.data ?? null) : null,
    error: query.error,
  };
}

export function useAuthActions() {
  const client = useQueryClient();
  return {
    async login(email: string, password: string): Promise<void> {
      const answer = await api<{ access_token: string; expires_in: number }>("/api/auth/login", {
        method: "POST",
        body: { email, password },
        auth: false,
      });
      client.clear();
      acceptTokens(answer);
    },
    async logout(): Promise<void> {
      // The live stream goes first: it must not outlive the session, nor hold a connection the
      // logout request waits for.
      stopLiveUpdates();
      try {
        await api<void>("/api/auth/logout", { method: "POST", auth: false });
      } finally {
        endSession();
        client.clear();
      }
    },
  };
}
