"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { ErrorNotice, Notice, SubmitButton } from "@/components/ui/forms";
import { ApiError, api } from "@/lib/api-client";
import { useMe } from "@/lib/auth";
import { formatDate } from "@/lib/format";
import { useProgress } from "@/lib/student";
import type { Page, Review } from "@/lib/types";

function plainText(html: string): string {
  return new DOMParser().parseFromString(html, "text/html").body.textContent ?? "";
}

function ReviewForm({ courseId, own }: { courseId: string; own: Review | undefined }) {
  const client = useQueryClient();
  const [rating, setRating] = useState(own?.rating ?? 5);
  const [comment, setComment] = useState(own ? plainText(own.comment_html) : "");
  const save = useMutation({
    mutationFn: () =>
      own
        ? api<Review>(`/api/reviews/${own.id}`, { method: "PATCH", body: { rating, comment } })
        : api<Review>(`/api/courses/${courseId}/reviews`, {
            method: "POST",
            body: { rating, comment },
          }),
    onSuccess: () => client.invalidateQueries({ queryKey: ["reviews", courseId] }),
  });
  const error = save.error instanceof ApiError ? save.error : null;
  return (
    <form
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      aria-label={own ? "Edit your review" : "Write a review"}
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <h3 className="font-semibold">{own ? "Edit your review" : "Write a review"}</h3>
      {save.isSuccess ? <Notice>Your review is saved.</Notice> : null}
      <ErrorNotice error={save.error} shownFields={["rating", "comment"]} />
      <fieldset>
        <legend className="text-sm font-medium">Rating</legend>
        <div className="flex gap-3">
          {[1, 2, 3, 4, 5].map((value) => (
            <label key={value} className="inline-flex items-center gap-1 text-sm">
              <input
                type="radio"
                name="rating"
                value={value}
                checked={rating === value}
                onChange={() => setRating(value)}
              />
              {value}★
            </label>
          ))}
        </div>
        {error?.fields.rating ? <p className="text-sm text-red-700">{error.fields.rating}</p> : null}
      </fieldset>
      <div className="space-y-1">
        <label htmlFor="review-comment" className="block text-sm font-medium">
          Comment
        </label>
        <textarea
          id="review-comment"
          rows={3}
          value={comment}
          onChange={(event) => setComment(event.target.value)}
          className="w-full rounded border border-slate-300 px-3 py-2"
          aria-invalid={error?.fields.comment ? true : undefined}
        />
        {error?.fields.comment ? <p className="text-sm text-red-700">{error.fields.comment}</p> : null}
      </div>
      <SubmitButton busy={save.isPending}>{own ? "Save changes" : "Post review"}</SubmitButton>
    </form>
  );
}

/** A course's reviews, and the enrolled student's own review to write or edit. */
export function Reviews({ courseId }: { courseId: string }) {
  const { me } = useMe();
  const progress = useProgress(courseId);
  const reviews = useQuery({
    queryKey: ["reviews", courseId],
    queryFn: () => api<Page<Review>>(`/api/courses/${courseId}/reviews?limit=50`, { auth: false }),
  });
  const own = me ? reviews.data?.items.find((review) => review.author_id === me.id) : undefined;
  return (
    <section aria-labelledby="reviews-title" className="max-w-3xl space-y-4">
      <h2 id="reviews-title" className="text-xl font-semibold">
        Reviews {reviews.data ? `(${reviews.data.total})` : ""}
      </h2>
      {progress.data && reviews.isSuccess ? (
        <ReviewForm key={own?.id ?? "new"} courseId={courseId} own={own} />
      ) : null}
      {reviews.isPending ? <p className="text-slate-500">Loading reviews…</p> : null}
      <ErrorNotice error={reviews.error} />
      {reviews.data?.items.length === 0 ? <p className="text-slate-600">No reviews yet.</p> : null}
      <ul className="space-y-3">
        {reviews.data?.items.map((review) => (
          <li key={review.id} className="rounded-lg border border-slate-200 bg-white p-4" data-testid="review">
            <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
              <span className="font-medium">{review.author_name}</span>
              <span className="text-slate-500">{formatDate(review.updated_at)}</span>
            </div>
            <p className="text-amber-500" aria-label={`${review.rating} out of 5`}>
              {"★".repeat(review.rating)}
              <span className="text-slate-300">{"★".repeat(5 - review.rating)}</span>
            </p>
            {/* comment_html is sanitized by the write side's allow-list. */}
            <div className="prose-description text-slate-800" dangerouslySetInnerHTML={{ __html: review.comment_html }} />
          </li>
        ))}
      </ul>
    </section>
  );
}
