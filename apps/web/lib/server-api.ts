import "server-only";

import { cache } from "react";

import type { Category, CoursePage, CourseSummary, ListName, Page } from "./types";

/** Base URL of the read API for server components; the browser goes through /api instead. */
export function readApiUrl(): string {
  return process.env.READ_API_URL ?? "http://127.0.0.1:8002";
}

export function writeApiUrl(): string {
  return process.env.WRITE_API_URL ?? "http://127.0.0.1:8001";
}

export class ReadApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ReadApiError";
  }
}

async function getJson<T>(path: string): Promise<T> {
  // Catalog data changes with every command; the read API keeps it fresh, so no Next cache.
  const response = await fetch(`${readApiUrl()}${path}`, {
    cache: "no-store",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) {
    let code = "http_error";
    let message = `The read API answered ${response.status}`;
    try {
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON: keep the generic message
    }
    throw new ReadApiError(response.status, code, message);
  }
  return (await response.json()) as T;
}

export function getCategories(): Promise<Category[]> {
  return getJson<Category[]>("/api/categories");
}

export function getList(name: ListName, limit = 8): Promise<Page<CourseSummary>> {
  return getJson<Page<CourseSummary>>(`/api/catalog/lists/${name}?limit=${limit}`);
}

/** One course page per request, shared by generateMetadata and the page. */
export const getCourse = cache(async (id: string): Promise<CoursePage | null> => {
  try {
    return await getJson<CoursePage>(`/api/courses/${encodeURIComponent(id)}`);
  } catch (error) {
    // 422: the id is not a UUID, so no course can have it.
    if (error instanceof ReadApiError && (error.status === 404 || error.status === 422)) return null;
    throw error;
  }
});
