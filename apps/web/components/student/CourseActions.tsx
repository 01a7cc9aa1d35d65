"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";

import { ErrorNotice } from "@/components/ui/forms";
import { api } from "@/lib/api-client";
import { useMe } from "@/lib/auth";
import { useProgress } from "@/lib/student";

const BUTTON =
  "inline-block w-full rounded bg-brand-600 px-4 py-2 text-center font-medium text-white hover:bg-brand-700 disabled:opacity-60";

/** Enroll (free), buy (paid), or continue: what the signed-in person can do on a course page. */
export function CourseActions({
  courseId,
  free,
  teacherId,
}: {
  courseId: string;
  free: boolean;
  teacherId: string;
}) {
  const { status, me } = useMe();
  const progress = useProgress(courseId);
  const router = useRouter();
  const client = useQueryClient();
  const enroll = useMutation({
    mutationFn: () => api("/api/enrollments", { method: "POST", body: { course_id: courseId } }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ["progress", courseId] });
      router.push(`/learn/${courseId}`);
    },
  });

  if (status === "loading" || (status === "authenticated" && progress.isPending)) {
    return <p className="text-sm text-slate-500">Loading…</p>;
  }
  if (status === "anonymous") {
    return (
      <Link href={`/login?next=/courses/${courseId}`} className={BUTTON}>
        Log in to {free ? "enroll" : "buy"}
      </Link>
    );
  }
  if (me?.id === teacherId) {
    return <p className="text-sm text-slate-600">You teach this course.</p>;
  }
  if (progress.data) {
    return (
      <div className="space-y-2">
        <p className="text-sm text-slate-700">
          You are enrolled · {progress.data.progress_percent}% done
        </p>
        <Link href={`/learn/${courseId}`} className={BUTTON}>
          {progress.data.status === "completed" ? "Review the lessons" : "Continue learning"}
        </Link>
      </div>
    );
  }
  if (!free) {
    return (
      <Link href={`/checkout/${courseId}`} className={BUTTON}>
        Buy this course
      </Link>
    );
  }
  return (
    <div className="space-y-2">
      <ErrorNotice error={enroll.error ?? progress.error} />
      <button type="button" className={BUTTON} disabled={enroll.isPending} onClick={() => enroll.mutate()}>
        {enroll.isPending ? "Enrolling…" : "Enroll for free"}
      </button>
    </div>
  );
}
