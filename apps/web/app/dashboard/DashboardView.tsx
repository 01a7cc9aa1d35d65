"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { ProgressBar } from "@/components/ProgressBar";
import { RequireLogin } from "@/components/student/RequireLogin";
import { ErrorNotice } from "@/components/ui/forms";
import { api } from "@/lib/api-client";
import { formatDate } from "@/lib/format";
import type { Dashboard, DashboardCourse } from "@/lib/types";

function CourseRow({ course }: { course: DashboardCourse }) {
  const resume = course.last_lesson ?? course.next_lesson;
  return (
    <li className="space-y-2 rounded-lg border border-slate-200 bg-white p-4" data-testid="dashboard-course">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <Link href={`/courses/${course.course_id}`} className="font-semibold underline">
          {course.title}
        </Link>
        <span className="text-xs text-slate-500">Last activity {formatDate(course.last_activity_at)}</span>
      </div>
      <p className="text-sm text-slate-600">by {course.teacher_name}</p>
      <ProgressBar
        percent={course.progress_percent}
        label={`${course.completed_lessons} of ${course.total_lessons} lessons`}
      />
      <Link
        href={resume ? `/learn/${course.course_id}?lesson=${resume.id}` : `/learn/${course.course_id}`}
        className="inline-block rounded bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700"
      >
        {course.status === "completed"
          ? "Open the course"
          : resume
            ? `Continue: ${resume.title}`
            : "Start"}
      </Link>
    </li>
  );
}

function Board() {
  const board = useQuery({ queryKey: ["dashboard"], queryFn: () => api<Dashboard>("/api/me/dashboard") });
  if (board.isPending) return <p className="text-slate-500">Loading your courses…</p>;
  if (board.isError) return <ErrorNotice error={board.error} />;
  const { in_progress, completed } = board.data;
  return (
    <div className="space-y-8">
      <section aria-labelledby="in-progress" className="space-y-3">
        <h2 id="in-progress" className="text-xl font-semibold">
          In progress ({in_progress.total})
        </h2>
        {in_progress.items.length === 0 ? (
          <p className="text-slate-600">
            No course in progress.{" "}
            <Link href="/search" className="underline">
              Find one in the catalog
            </Link>
          </p>
        ) : (
          <ul className="grid gap-3 md:grid-cols-2">
            {in_progress.items.map((course) => (
              <CourseRow key={course.course_id} course={course} />
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="completed" className="space-y-3">
        <h2 id="completed" className="text-xl font-semibold">
          Completed ({completed.total})
        </h2>
        {completed.items.length === 0 ? (
          <p className="text-slate-600">Nothing completed yet.</p>
        ) : (
          <ul className="grid gap-3 md:grid-cols-2">
            {completed.items.map((course) => (
              <CourseRow key={course.course_id} course={course} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

export function DashboardView() {
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">My learning</h1>
      <RequireLogin next="/dashboard">
        <Board />
      </RequireLogin>
    </div>
  );
}
