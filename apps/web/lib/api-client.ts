"use client";

import { currentAccessToken, refreshSession } from "./session";

/** An error answer of the platform: `{"error": {"code", "message", "fields"?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

// Read-your-writes: the last command's consistency token goes with the reads that follow it,
// so the read API waits until the person's own change is projected.
const CONSISTENCY_HEADER = "X-Consistency-Token";
const CONSISTENCY_WINDOW_MS = 30_000;
let lastToken: { value: string; at: number } | null = null;

function consistencyToken(): string | null {
  if (lastToken && Date.now() - lastToken.at < CONSISTENCY_WINDOW_MS) return lastToken.value;
  lastToken = null;
  return null;
}

/** The header that makes a read wait for the person's last command (for fetches outside `api`). */
export function consistencyHeaders(): Record<string, string> {
  const token = consistencyToken();
  return token ? { [CONSISTENCY_HEADER]: token } : {};
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  /** Sends the access token (and refreshes it once on a 401). Default: true. */
  auth?: boolean;
  signal?: AbortSignal;
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as {
      error?: { code?: string; message?: string; fields?: Record<string, unknown> };
    };
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(body.error?.fields ?? {})) {
      fields[name] = String(value);
    }
    return new ApiError(
      response.status,
      body.error?.code ?? "http_error",
      body.error?.message ?? `The server answered ${response.status}.`,
      fields,
    );
  } catch {
    return new ApiError(response.status, "http_error", `The server answered ${response.status}.`);
  }
}

function send(path: string, options: RequestOptions, token: string | null): Promise<Response> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "GET") {
    const consistency = consistencyToken();
    if (consistency) headers[CONSISTENCY_HEADER] = consistency;
  }
  return fetch(path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: "no-store",
    signal: options.signal,
  });
}

/** Calls the platform through the app's /api proxy; throws ApiError on an error answer. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const auth = options.auth ?? true;
  let token = auth ? currentAccessToken() : null;
  let response = await send(path, options, token);
  if (response.status === 401 && auth && token) {
    const error = await errorOf(response.clone());
    // An account not projected yet is not a token problem; anything else gets one refresh.
    if (error.code !== "unknown_account") {
      token = await refreshSession();
      if (token) response = await send(path, options, token);
    }
  }
  const consistency = response.headers.get(CONSISTENCY_HEADER);
  if (consistency && options.method && options.method !== "GET") {
    lastToken = { value: consistency, at: Date.now() };
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** The message to show for any error thrown by `api`. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
