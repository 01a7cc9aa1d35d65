"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import { RequireLogin } from "@/components/student/RequireLogin";
import { ErrorNotice, Field, Notice, SubmitButton } from "@/components/ui/forms";
import { ApiError, api } from "@/lib/api-client";
import { formatDuration, formatPrice, plural } from "@/lib/format";
import type { CoursePage, ModuleOutline } from "@/lib/types";

function useInvalidateCourse(courseId: string) {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ["studio-course", courseId] });
}

function AddModule({ courseId }: { courseId: string }) {
  const [title, setTitle] = useState("");
  const invalidate = useInvalidateCourse(courseId);
  const add = useMutation({
    mutationFn: () => api(`/api/courses/${courseId}/modules`, { method: "POST", body: { title } }),
    onSuccess: async () => {
      setTitle("");
      await invalidate();
    },
  });
  return (
    <form
      aria-label="Add a module"
      className="flex flex-wrap items-end gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        add.mutate();
      }}
    >
      <div className="min-w-56 flex-1">
        <Field label="New module title" name="title" required value={title} onChange={(event) => setTitle(event.target.value)} error={add.error instanceof ApiError ? add.error : null} />
      </div>
      <SubmitButton busy={add.isPending}>Add module</SubmitButton>
      <div className="basis-full">
        <ErrorNotice error={add.error} shownFields={["title"]} />
      </div>
    </form>
  );
}

function AddLesson({ courseId, module }: { courseId: string; module: ModuleOutline }) {
  const empty = { title: "", content: "", video_url: "", duration_minutes: "10", preview: false };
  const [form, setForm] = useState(empty);
  const invalidate = useInvalidateCourse(courseId);
  const add = useMutation({
    mutationFn: () =>
      api(`/api/modules/${module.id}/lessons`, {
        method: "POST",
        body: {
          title: form.title,
          content: form.content,
          video_url: form.video_url || null,
          duration_minutes: Number(form.duration_minutes) || 0,
          preview: form.preview,
        },
      }),
    onSuccess: async () => {
      setForm(empty);
      await invalidate();
    },
  });
  const error = add.error instanceof ApiError ? add.error : null;
  const prefix = `lesson-${module.id}`;
  return (
    <form
      aria-label={`Add a lesson to ${module.title}`}
      className="space-y-2 border-t border-slate-100 p-4"
      onSubmit={(event) => {
        event.preventDefault();
        add.mutate();
      }}
    >
      <ErrorNotice error={add.error} shownFields={["title", "video_url", "duration_minutes"]} />
      <div className="grid gap-3 sm:grid-cols-[1fr_8rem]">
        <Field label="Lesson title" name={`${prefix}-title`} required value={form.title} onChange={(event) => setForm({ ...form, title: event.target.value })} />
        <Field label="Minutes" name={`${prefix}-minutes`} type="number" min={0} value={form.duration_minutes} onChange={(event) => setForm({ ...form, duration_minutes: event.target.value })} />
      </div>
      {error?.fields.title ? <p className="text-sm text-red-700">{error.fields.title}</p> : null}
      <div className="space-y-1">
        <label htmlFor={`${prefix}-content`} className="block text-sm font-medium">
          Content (Markdown)
        </label>
        <textarea id={`${prefix}-content`} rows={4} value={form.content} onChange={(event) => setForm({ ...form, content: event.target.value })} className="w-full rounded border border-slate-300 px-3 py-2 font-mono text-sm" />
        {error?.fields.content ? <p className="text-sm text-red-700">{error.fields.content}</p> : null}
      </div>
      <Field label="Video URL (optional)" name={`${prefix}-video`} type="url" value={form.video_url} onChange={(event) => setForm({ ...form, video_url: event.target.value })} />
      {error?.fields.video_url ? <p className="text-sm text-red-700">{error.fields.video_url}</p> : null}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={form.preview} onChange={(event) => setForm({ ...form, preview: event.target.checked })} />
        Free preview
      </label>
      <SubmitButton busy={add.isPending}>Add lesson</SubmitButton>
    </form>
  );
}

function Editor({ courseId }: { courseId: string }) {
  const invalidate = useInvalidateCourse(courseId);
  const course = useQuery({
    queryKey: ["studio-course", courseId],
    queryFn: () => api<CoursePage>(`/api/courses/${courseId}`),
  });
  const transition = useMutation({
    mutationFn: (action: "publish" | "archive") =>
      api(`/api/courses/${courseId}/${action}`, { method: "POST" }),
    onSuccess: invalidate,
  });
  if (course.isPending) return <p className="text-slate-500">Loading…</p>;
  if (course.isError) return <ErrorNotice error={course.error} />;
  const data = course.data;
  return (
    <div className="space-y-6">
      <header className="space-y-2">
        <p className="text-sm">
          <Link href="/studio" className="underline">
            Studio
          </Link>
        </p>
        <h1 className="text-2xl font-bold">{data.title}</h1>
        <p className="text-sm text-slate-600">
          <span data-testid="course-status" className="font-semibold">
            {data.status}
          </span>{" "}
          · {formatPrice(data.price, data.currency)} · {plural(data.lessons_count, "lesson", "lessons")} ·{" "}
          {formatDuration(data.duration_minutes)}
        </p>
        <div className="flex flex-wrap gap-2">
          {data.status !== "published" ? (
            <button type="button" disabled={transition.isPending} onClick={() => transition.mutate("publish")} className="rounded bg-green-700 px-3 py-1.5 font-medium text-white disabled:opacity-60">
              Publish
            </button>
          ) : (
            <>
              <Link href={`/courses/${data.id}`} className="rounded border border-slate-300 px-3 py-1.5">
                View the public page
              </Link>
              <button type="button" disabled={transition.isPending} onClick={() => transition.mutate("archive")} className="rounded border border-slate-300 px-3 py-1.5 disabled:opacity-60">
                Archive
              </button>
            </>
          )}
        </div>
        {transition.isSuccess ? <Notice>The course is {data.status}.</Notice> : null}
        <ErrorNotice error={transition.error} />
      </header>
      <section aria-labelledby="outline" className="space-y-4">
        <h2 id="outline" className="text-xl font-semibold">
          Modules and lessons
        </h2>
        {data.modules.length === 0 ? <p className="text-slate-600">Add a module, then its lessons.</p> : null}
        <ol className="space-y-4">
          {data.modules.map((module, index) => (
            <li key={module.id} className="rounded-lg border border-slate-200 bg-white">
              <h3 className="border-b border-slate-200 px-4 py-3 font-semibold">
                {index + 1}. {module.title}
              </h3>
              <ol className="divide-y divide-slate-100">
                {module.lessons.map((lesson) => (
                  <li key={lesson.id} className="flex justify-between px-4 py-2 text-sm" data-testid="studio-lesson">
                    <span>{lesson.title}</span>
                    <span className="text-slate-500">
                      {lesson.preview ? "preview · " : ""}
                      {formatDuration(lesson.duration_minutes)}
                    </span>
                  </li>
                ))}
              </ol>
              <AddLesson courseId={courseId} module={module} />
            </li>
          ))}
        </ol>
        <AddModule courseId={courseId} />
      </section>
    </div>
  );
}

export function CourseEditor({ courseId }: { courseId: string }) {
  return (
    <RequireLogin next={`/studio/courses/${courseId}`}>
      <Editor courseId={courseId} />
    </RequireLogin>
  );
}
