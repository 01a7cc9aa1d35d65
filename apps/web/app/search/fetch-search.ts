import { consistencyHeaders } from "@/lib/api-client";
import { PAGE_SIZE } from "@/lib/search-params";
import type { ApiErrorBody, SearchResult } from "@/lib/types";

export class SearchError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "SearchError";
  }
}

function explain(status: number, body: Partial<ApiErrorBody> | null): string {
  if (status === 503) return "Search is briefly unavailable. Please try again in a moment.";
  if (status === 429) return "Too many searches at once. Please wait a moment.";
  if (status === 422) {
    const fields = Object.keys(body?.error?.fields ?? {});
    return fields.length > 0
      ? `Some filter values are not valid: ${fields.join(", ")}.`
      : "Some filter values are not valid.";
  }
  return body?.error?.message ?? `The search failed (HTTP ${status}).`;
}

/** One page of results through this app's /api proxy (the read API answers GETs). */
export async function fetchSearchPage(
  query: string,
  cursor: string | null,
  signal: AbortSignal,
): Promise<SearchResult> {
  const params = new URLSearchParams(query);
  params.set("limit", String(PAGE_SIZE));
  if (cursor) params.set("cursor", cursor);
  const response = await fetch(`/api/courses?${params.toString()}`, {
    signal,
    // After a command (a teacher publishing), the search waits for it to be indexed.
    headers: { Accept: "application/json", ...consistencyHeaders() },
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as Partial<ApiErrorBody> | null;
    throw new SearchError(response.status, explain(response.status, body));
  }
  return (await response.json()) as SearchResult;
}

/** Only failures that may pass on their own are retried: network errors and 5xx answers. */
export function retrySearch(failures: number, error: Error): boolean {
  if (error instanceof SearchError && error.status < 500) return false;
  return failures < 2;
}
