"use client";

import { useQuery } from "@tanstack/react-query";

import { ApiError, api } from "./api-client";
import { useSession } from "./session";
import type { Progress } from "./types";

/** The caller's progress in a course; null when not enrolled (404) or not signed in. */
export function useProgress(courseId: string) {
  const session = useSession();
  return useQuery({
    queryKey: ["progress", courseId],
    enabled: session.status === "authenticated",
    queryFn: async () => {
      try {
        return await api<Progress>(`/api/me/courses/${courseId}/progress`);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
