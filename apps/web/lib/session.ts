"use client";

import { useSyncExternalStore } from "react";

// The access token lives only in this module's memory: gone on reload, restored by a silent
// refresh through the httpOnly cookie (app/api/auth/refresh). The refresh token never reaches
// page scripts.

export type SessionState =
  | { status: "loading" }
  | { status: "anonymous" }
  | { status: "authenticated"; accessToken: string; expiresAt: number };

let state: SessionState = { status: "loading" };
const listeners = new Set<() => void>();
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<string | null> | null = null;

// Refresh a minute before expiry (tokens live 15 minutes by default), or a quarter of the
// lifetime before it for short-lived tokens; never sooner than 5 s from now.
const REFRESH_MARGIN_MS = 60_000;
const MIN_DELAY_MS = 5_000;

function setState(next: SessionState): void {
  state = next;
  listeners.forEach((listener) => listener());
}

function schedule(expiresInSeconds: number): void {
  clearTimeout(refreshTimer);
  const lifetime = expiresInSeconds * 1000;
  const delay = Math.max(lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 4), MIN_DELAY_MS);
  refreshTimer = setTimeout(() => void refreshSession(), delay);
}

interface AccessAnswer {
  access_token: string;
  expires_in: number;
}

/** Stores a fresh access token (after login or refresh) and plans its silent renewal. */
export function acceptTokens(answer: AccessAnswer): void {
  setState({
    status: "authenticated",
    accessToken: answer.access_token,
    expiresAt: Date.now() + answer.expires_in * 1000,
  });
  schedule(answer.expires_in);
}

export function endSession(): void {
  clearTimeout(refreshTimer);
  setState({ status: "anonymous" });
}

/**
 * Trades the cookie for a new access token. One call at a time: the API rotates refresh tokens
 * and treats a second use of the old one as theft, so concurrent callers share one request.
 */
export function refreshSession(): Promise<string | null> {
  inFlight ??= (async () => {
    try {
      const response = await fetch("/api/auth/refresh", { method: "POST", cache: "no-store" });
      if (!response.ok) {
        // A 5xx or an unreachable API keeps the current state; a refusal ends the session.
        if (response.status === 401 || response.status === 403) endSession();
        else if (state.status === "loading") setState({ status: "anonymous" });
        return null;
      }
      const answer = (await response.json()) as AccessAnswer;
      acceptTokens(answer);
      return answer.access_token;
    } catch {
      if (state.status === "loading") setState({ status: "anonymous" });
      return null;
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

export function currentAccessToken(): string | null {
  return state.status === "authenticated" ? state.accessToken : null;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const serverState: SessionState = { status: "loading" };

export function useSession(): SessionState {
  return useSyncExternalStore(
    subscribe,
    () => state,
    () => serverState,
  );
}
