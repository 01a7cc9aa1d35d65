"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { RequireLogin } from "@/components/student/RequireLogin";
import { ErrorNotice, Field, SubmitButton } from "@/components/ui/forms";
import { ApiError, api } from "@/lib/api-client";
import { useMe } from "@/lib/auth";
import { LEVEL_LABELS, formatPrice, plural } from "@/lib/format";
import type { Category, Level, TeacherCoursesPage } from "@/lib/types";

const STATUS_STYLE = {
  draft: "bg-amber-100 text-amber-800",
  published: "bg-green-100 text-green-800",
  archived: "bg-slate-200 text-slate-700",
} as const;

function revenueText(revenue: Record<string, string>): string {
  const parts = Object.entries(revenue).map(([currency, amount]) => formatPrice(amount, currency));
  return parts.length > 0 ? parts.join(" + ") : "—";
}

function NewCourseForm() {
  const router = useRouter();
  const categories = useQuery({
    queryKey: ["categories"],
    queryFn: () => api<Category[]>("/api/categories", { auth: false }),
  });
  const [form, setForm] = useState({
    title: "",
    description: "",
    category_id: "",
    level: "beginner" as Level,
    language: "en",
    price: "",
  });
  const create = useMutation({
    mutationFn: () =>
      api<{ id: string }>("/api/courses", {
        method: "POST",
        body: {
          title: form.title,
          description: form.description,
          category_id: form.category_id || null,
          level: form.level,
          language: form.language,
          ...(form.price ? { price: form.price, currency: "USD" } : {}),
        },
      }),
    onSuccess: (created) => router.push(`/studio/courses/${created.id}`),
  });
  const error = create.error instanceof ApiError ? create.error : null;
  const set =
    (name: keyof typeof form) =>
    (event: { target: { value: string } }) =>
      setForm({ ...form, [name]: event.target.value });
  return (
    <form
      aria-label="New course"
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate();
      }}
    >
      <h2 className="text-lg font-semibold">New course</h2>
      <ErrorNotice error={create.error} shownFields={["title", "description", "price", "language"]} />
      <Field label="Title" name="title" required value={form.title} onChange={set("title")} error={error} />
      <div className="space-y-1">
        <label htmlFor="field-description" className="block text-sm font-medium">
          Description (HTML is sanitized)
        </label>
        <textarea
          id="field-description"
          rows={3}
          value={form.description}
          onChange={set("description")}
          className="w-full rounded border border-slate-300 px-3 py-2"
        />
        {error?.fields.description ? <p className="text-sm text-red-700">{error.fields.description}</p> : null}
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <div className="space-y-1">
          <label htmlFor="field-category" className="block text-sm font-medium">
            Category
          </label>
          <select id="field-category" value={form.category_id} onChange={set("category_id")} className="w-full rounded border border-slate-300 bg-white px-3 py-2">
            <option value="">None</option>
            {categories.data?.map((category) => (
              <option key={category.id} value={category.id}>
                {category.name}
              </option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor="field-level" className="block text-sm font-medium">
            Level
          </label>
          <select id="field-level" value={form.level} onChange={set("level")} className="w-full rounded border border-slate-300 bg-white px-3 py-2">
            {Object.entries(LEVEL_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <Field label="Language (two letters)" name="language" required value={form.language} onChange={set("language")} error={error} />
        <Field label="Price in USD (empty: free)" name="price" inputMode="decimal" placeholder="49.90" value={form.price} onChange={set("price")} error={error} />
      </div>
      <SubmitButton busy={create.isPending}>Create draft</SubmitButton>
    </form>
  );
}

function Courses() {
  const { me } = useMe();
  const courses = useQuery({
    queryKey: ["teacher-courses"],
    queryFn: () => api<TeacherCoursesPage>("/api/teacher/courses?limit=50"),
    enabled: me?.role === "teacher",
  });
  if (!me) return <p className="text-slate-500">Loading…</p>;
  if (me.role !== "teacher") return <p>The studio is for teachers.</p>;
  return (
    <div className="space-y-6">
      {!me.teacher_verified ? (
        <p role="status" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Your teacher account is waiting for an admin&apos;s verification: you can prepare drafts,
          but not publish yet.
        </p>
      ) : null}
      <section aria-labelledby="my-courses" className="space-y-3">
        <h2 id="my-courses" className="text-xl font-semibold">
          My courses {courses.data ? `(${courses.data.total})` : ""}
        </h2>
        {courses.isPending ? <p className="text-slate-500">Loading…</p> : null}
        <ErrorNotice error={courses.error} />
        {courses.data ? (
          <p className="text-sm text-slate-600">
            {plural(courses.data.totals.students, "student", "students")} ·{" "}
            {plural(courses.data.totals.completions, "completion", "completions")} ·
            revenue {revenueText(courses.data.totals.revenue)}
          </p>
        ) : null}
        {courses.data?.items.length === 0 ? <p className="text-slate-600">No course yet: create your first below.</p> : null}
        <ul className="space-y-2">
          {courses.data?.items.map((course) => (
            <li key={course.id} data-testid="studio-course" className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-200 bg-white p-3">
              <div className="space-y-1">
                <Link href={`/studio/courses/${course.id}`} className="font-medium underline">
                  {course.title}
                </Link>
                <p className="text-xs text-slate-500">
                  {plural(course.lessons_count, "lesson", "lessons")} ·{" "}
                  {plural(course.stats.students, "student", "students")} ·{" "}
                  {course.stats.rating_count > 0 ? `${course.stats.rating.toFixed(1)}★` : "no ratings"} ·{" "}
                  {revenueText(course.stats.revenue)}
                </p>
              </div>
              <span className={`rounded px-2 py-0.5 text-xs font-semibold ${STATUS_STYLE[course.status]}`}>
                {course.status}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <NewCourseForm />
    </div>
  );
}

export function StudioView() {
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Teacher studio</h1>
      <RequireLogin next="/studio">
        <Courses />
      </RequireLogin>
    </div>
  );
}
