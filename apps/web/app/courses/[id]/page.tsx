import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";

import { Stars } from "@/components/Stars";
import { CourseActions } from "@/components/student/CourseActions";
import { Reviews } from "@/components/student/Reviews";
import {
  LEVEL_LABELS,
  formatDuration,
  formatPrice,
  languageLabel,
  plural,
} from "@/lib/format";
import { getCourse } from "@/lib/server-api";
import type { CoursePage } from "@/lib/types";

export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;

function summary(course: CoursePage): string {
  const text = course.description_html
    .replace(/<[^>]*>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, " ")
    .trim();
  const base = text || `${course.title} by ${course.teacher_name}`;
  return base.length > 160 ? `${base.slice(0, 157)}…` : base;
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const course = await getCourse((await params).id);
  if (!course) notFound();
  const description = summary(course);
  return {
    title: course.title,
    description,
    openGraph: {
      type: "website",
      title: course.title,
      description,
      ...(course.cover_url ? { images: [{ url: course.cover_url }] } : {}),
    },
  };
}

export default async function CoursePageView({ params }: { params: Params }) {
  const course = await getCourse((await params).id);
  if (!course) notFound();

  const lessonCount = course.modules.reduce((total, module) => total + module.lessons.length, 0);

  return (
    <article className="space-y-8">
      <nav aria-label="Breadcrumb" className="text-sm text-slate-600">
        <ol className="flex flex-wrap gap-1">
          <li>
            <Link href="/search" className="underline">
              Catalog
            </Link>
          </li>
          {course.category ? (
            <li>
              <span aria-hidden="true">/ </span>
              <Link href={`/search?category=${course.category.id}`} className="underline">
                {course.category.name}
              </Link>
            </li>
          ) : null}
        </ol>
      </nav>

      <header className="grid gap-6 lg:grid-cols-[1fr_18rem]">
        <div className="space-y-3">
          {course.status !== "published" ? (
            <p className="inline-block rounded bg-amber-100 px-2 py-1 text-xs font-semibold uppercase text-amber-800">
              {course.status}
            </p>
          ) : null}
          <h1 className="text-2xl font-bold sm:text-3xl">{course.title}</h1>
          <p className="text-slate-700">
            Taught by <span className="font-medium">{course.teacher_name}</span>
          </p>
          <Stars rating={course.rating} count={course.rating_count} />
          <dl className="flex flex-wrap gap-x-6 gap-y-2 text-sm text-slate-600">
            <div>
              <dt className="sr-only">Students</dt>
              <dd>{plural(course.students_count, "student", "students")}</dd>
            </div>
            <div>
              <dt className="sr-only">Level</dt>
              <dd>{LEVEL_LABELS[course.level]}</dd>
            </div>
            <div>
              <dt className="sr-only">Language</dt>
              <dd>{languageLabel(course.language)}</dd>
            </div>
            <div>
              <dt className="sr-only">Length</dt>
              <dd>
                {plural(lessonCount, "lesson", "lessons")} · {formatDuration(course.duration_minutes)}
              </dd>
            </div>
          </dl>
        </div>
        <aside
          aria-label="Price"
          className="h-fit space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm"
        >
          <p className="text-2xl font-bold">{formatPrice(course.price, course.currency)}</p>
          <CourseActions courseId={course.id} free={course.price === null} teacherId={course.teacher_id} />
        </aside>
      </header>

      <section aria-labelledby="about-title" className="max-w-3xl">
        <h2 id="about-title" className="text-xl font-semibold">
          About this course
        </h2>
        {/* The read API serves description_html already sanitized by the write side's allow-list. */}
        <div
          className="prose-description text-slate-800"
          dangerouslySetInnerHTML={{ __html: course.description_html }}
        />
      </section>

      <section aria-labelledby="outline-title" className="max-w-3xl">
        <h2 id="outline-title" className="mb-3 text-xl font-semibold">
          Course outline
        </h2>
        {course.modules.length === 0 ? (
          <p className="text-slate-600">The outline is not ready yet.</p>
        ) : (
          <ol className="space-y-4">
            {course.modules.map((module, moduleIndex) => (
              <li key={module.id} className="rounded-lg border border-slate-200 bg-white">
                <h3 className="border-b border-slate-200 px-4 py-3 font-semibold">
                  {moduleIndex + 1}. {module.title}
                </h3>
                <ol className="divide-y divide-slate-100">
                  {module.lessons.map((lesson) => (
                    <li
                      key={lesson.id}
                      className="flex flex-wrap items-center justify-between gap-2 px-4 py-2 text-sm"
                    >
                      <span>{lesson.title}</span>
                      <span className="flex items-center gap-3 text-slate-500">
                        {lesson.preview ? (
                          <span className="rounded bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-700">
                            Preview
                          </span>
                        ) : null}
                        <span>{formatDuration(lesson.duration_minutes)}</span>
                      </span>
                    </li>
                  ))}
                </ol>
              </li>
            ))}
          </ol>
        )}
      </section>

      <Reviews courseId={course.id} />
    </article>
  );
}
