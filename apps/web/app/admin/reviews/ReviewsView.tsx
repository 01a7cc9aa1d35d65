"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { ErrorNotice } from "@/components/ui/forms";
import { api } from "@/lib/api-client";
import { formatDate } from "@/lib/format";
import type { Page, Review, SearchResult } from "@/lib/types";

/** A published course to moderate, found by title (the catalog search). */
function CoursePicker({ chosen, choose }: { chosen: string | null; choose: (id: string) => void }) {
  const [q, setQ] = useState("");
  const found = useQuery({
    queryKey: ["admin", "review-courses", q],
    queryFn: () => api<SearchResult>(`/api/courses?${new URLSearchParams({ q, limit: "10" })}`, { auth: false }),
    enabled: q.trim().length > 0,
  });
  return (
    <section className="space-y-2">
      <label className="block space-y-1 text-sm">
        <span className="block font-medium">Find a course by title</span>
        <input
          value={q}
          onChange={(event) => setQ(event.target.value)}
          className="w-full max-w-md rounded border border-slate-300 bg-white px-3 py-1.5"
        />
      </label>
      <ErrorNotice error={found.error} />
      <ul className="flex flex-wrap gap-2">
        {found.data?.items.map((course) => (
          <li key={course.id}>
            <button
              type="button"
              aria-pressed={chosen === course.id}
              onClick={() => choose(course.id)}
              className="rounded border border-slate-300 px-3 py-1 text-sm aria-[pressed=true]:bg-brand-600 aria-[pressed=true]:text-white"
            >
              {course.title} ({course.rating_count} reviews)
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function CourseReviews({ courseId }: { courseId: string }) {
  const client = useQueryClient();
  const reviews = useQuery({
    queryKey: ["reviews", courseId],
    queryFn: () => api<Page<Review>>(`/api/courses/${courseId}/reviews?limit=50`),
  });
  const hide = useMutation({
    mutationFn: (id: string) => api(`/api/reviews/${id}/hide`, { method: "POST" }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["reviews", courseId] }),
  });
  if (reviews.isPending) return <p className="text-slate-500">Loading reviews…</p>;
  if (reviews.isError) return <ErrorNotice error={reviews.error} />;
  return (
    <section className="space-y-2">
      <ErrorNotice error={hide.error} />
      {reviews.data.items.length === 0 ? <p className="text-slate-600">No visible reviews.</p> : null}
      <ul className="space-y-2">
        {reviews.data.items.map((review) => (
          <li key={review.id} className="flex flex-wrap items-start justify-between gap-3 rounded-lg border border-slate-200 bg-white p-3" data-testid="admin-review">
            <div className="space-y-1">
              <p className="text-sm">
                <strong>{review.author_name}</strong> · {review.rating}★ · {formatDate(review.created_at)}
              </p>
              {/* comment_html is sanitized by the write side's allow-list. */}
              <div className="prose-description text-slate-800" dangerouslySetInnerHTML={{ __html: review.comment_html }} />
            </div>
            <button
              type="button"
              onClick={() => hide.mutate(review.id)}
              disabled={hide.isPending}
              className="rounded border border-red-300 px-3 py-1 text-sm text-red-700 disabled:opacity-50"
            >
              Hide
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ReviewsView() {
  const [courseId, setCourseId] = useState<string | null>(null);
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Reviews</h1>
      <p className="text-sm text-slate-600">
        A hidden review leaves the course&apos;s page and rating; it stays stored, and its author cannot post another.
      </p>
      <CoursePicker chosen={courseId} choose={setCourseId} />
      {courseId ? <CourseReviews courseId={courseId} /> : null}
    </div>
  );
}
