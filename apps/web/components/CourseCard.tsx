import Link from "next/link";
import type { ReactNode } from "react";

import { LEVEL_LABELS, formatDuration, formatPrice, languageLabel, plural } from "@/lib/format";
import type { CourseSummary } from "@/lib/types";

import { Stars } from "./Stars";

export function CourseCard({ course, excerpt }: { course: CourseSummary; excerpt?: string }) {
  return (
    <article className="relative flex h-full flex-col rounded-lg border border-slate-200 bg-white p-4 shadow-sm transition hover:shadow-md">
      <h3 className="text-base font-semibold leading-snug">
        <Link
          href={`/courses/${course.id}`}
          className="after:absolute after:inset-0 hover:text-brand-700 focus-visible:text-brand-700"
        >
          {course.title}
        </Link>
      </h3>
      <p className="mt-1 text-sm text-slate-600">{course.teacher_name}</p>
      {excerpt ? <p className="mt-2 line-clamp-2 text-sm text-slate-700">{excerpt}</p> : null}
      <div className="mt-2">
        <Stars rating={course.rating} count={course.rating_count} />
      </div>
      <p className="mt-2 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-500">
        <span>{LEVEL_LABELS[course.level]}</span>
        <span>{languageLabel(course.language)}</span>
        <span>{plural(course.lessons_count, "lesson", "lessons")}</span>
        <span>{formatDuration(course.duration_minutes)}</span>
        <span>{plural(course.students_count, "student", "students")}</span>
      </p>
      <p className="mt-auto pt-3 text-sm font-semibold">
        {formatPrice(course.price, course.currency)}
      </p>
    </article>
  );
}

export function CourseGrid({ children }: { children: ReactNode }) {
  return <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4">{children}</ul>;
}
