"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect } from "react";

import { ProgressBar } from "@/components/ProgressBar";
import { ErrorNotice } from "@/components/ui/forms";
import { api } from "@/lib/api-client";
import { useMe } from "@/lib/auth";
import { formatDuration } from "@/lib/format";
import { useProgress } from "@/lib/student";
import type { Lesson, ModuleOutline } from "@/lib/types";

/** A YouTube or Vimeo page URL as its privacy-friendly embed URL; null for anything else. */
function embedUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname.replace(/^www\./, "");
    if (host === "youtube.com" && parsed.searchParams.get("v")) {
      return `https://www.youtube-nocookie.com/embed/${encodeURIComponent(parsed.searchParams.get("v") ?? "")}`;
    }
    if (host === "youtu.be") return `https://www.youtube-nocookie.com/embed${parsed.pathname}`;
    if (host === "vimeo.com" && /^\/\d+$/.test(parsed.pathname)) {
      return `https://player.vimeo.com/video${parsed.pathname}`;
    }
  } catch {
    // not a URL: no embed
  }
  return null;
}

function Video({ url }: { url: string }) {
  const embed = embedUrl(url);
  return (
    <div className="space-y-2">
      {embed ? (
        <iframe
          src={embed}
          title="Lesson video"
          className="aspect-video w-full rounded"
          allow="encrypted-media; picture-in-picture"
          sandbox="allow-scripts allow-same-origin allow-presentation"
          allowFullScreen
        />
      ) : null}
      <a href={url} target="_blank" rel="noopener noreferrer nofollow" className="text-sm underline">
        Open the video
      </a>
    </div>
  );
}

export function LearnView({
  courseId,
  title,
  modules,
  lessonId,
}: {
  courseId: string;
  title: string;
  modules: ModuleOutline[];
  lessonId?: string;
}) {
  const { status } = useMe();
  const router = useRouter();
  const client = useQueryClient();
  const progress = useProgress(courseId);
  const lessons = modules.flatMap((module) => module.lessons);
  const currentId =
    lessonId ??
    progress.data?.last_lesson_id ??
    progress.data?.next_lesson_id ??
    lessons[0]?.id;
  const index = lessons.findIndex((lesson) => lesson.id === currentId);
  const previous = index > 0 ? lessons[index - 1] : undefined;
  const next = index >= 0 && index < lessons.length - 1 ? lessons[index + 1] : undefined;
  const done = new Set(progress.data?.completed_lesson_ids ?? []);
  const enrolled = Boolean(progress.data);

  const lesson = useQuery({
    queryKey: ["lesson", currentId],
    queryFn: () => api<Lesson>(`/api/lessons/${currentId}`),
    enabled: status === "authenticated" && Boolean(currentId),
  });

  // Remember where the student is, for "continue where you left off".
  const { mutate: markOpened } = useMutation({
    mutationFn: (id: string) => api<void>(`/api/lessons/${id}/open`, { method: "POST" }),
  });
  useEffect(() => {
    if (enrolled && currentId) markOpened(currentId);
  }, [enrolled, currentId, markOpened]);

  const complete = useMutation({
    mutationFn: (id: string) => api(`/api/lessons/${id}/complete`, { method: "POST" }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ["progress", courseId] });
      await client.invalidateQueries({ queryKey: ["dashboard"] });
    },
  });

  if (status === "anonymous") {
    return (
      <p>
        <Link href={`/login?next=/learn/${courseId}`} className="underline">
          Log in
        </Link>{" "}
        to study this course.
      </p>
    );
  }
  if (progress.isSuccess && !progress.data) {
    return (
      <p>
        You are not enrolled in this course.{" "}
        <Link href={`/courses/${courseId}`} className="underline">
          See the course
        </Link>
      </p>
    );
  }

  const go = (id: string) => router.push(`/learn/${courseId}?lesson=${id}`);
  return (
    <div className="grid gap-6 lg:grid-cols-[18rem_1fr]">
      <aside aria-label="Course outline" className="space-y-4">
        <Link href={`/courses/${courseId}`} className="font-semibold underline">
          {title}
        </Link>
        {progress.data ? (
          <ProgressBar percent={progress.data.progress_percent} label="Course progress" />
        ) : null}
        {progress.data?.status === "completed" ? (
          <p role="status" className="rounded bg-green-50 px-2 py-1 text-sm font-medium text-green-800">
            Course completed
          </p>
        ) : null}
        <ol className="space-y-3 text-sm">
          {modules.map((module) => (
            <li key={module.id}>
              <p className="font-medium">{module.title}</p>
              <ol className="mt-1 space-y-1">
                {module.lessons.map((item) => (
                  <li key={item.id}>
                    <Link
                      href={`/learn/${courseId}?lesson=${item.id}`}
                      aria-current={item.id === currentId ? "page" : undefined}
                      className="flex items-center gap-2 rounded px-2 py-1 hover:bg-slate-100 aria-[current=page]:bg-brand-50 aria-[current=page]:font-medium"
                    >
                      <span aria-hidden="true" className={done.has(item.id) ? "text-green-600" : "text-slate-300"}>
                        ✓
                      </span>
                      <span className="sr-only">{done.has(item.id) ? "Done: " : ""}</span>
                      {item.title}
                    </Link>
                  </li>
                ))}
              </ol>
            </li>
          ))}
        </ol>
      </aside>

      <article className="min-w-0 space-y-4 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
        {lesson.isPending ? <p className="text-slate-500">Loading the lesson…</p> : null}
        <ErrorNotice error={lesson.error ?? progress.error} />
        {lesson.data ? (
          <>
            <header className="space-y-1">
              <h1 className="text-2xl font-bold" data-testid="lesson-title">
                {lesson.data.title}
              </h1>
              <p className="text-sm text-slate-500">{formatDuration(lesson.data.duration_minutes)}</p>
            </header>
            {lesson.data.video_url ? <Video url={lesson.data.video_url} /> : null}
            {/* The read API renders the Markdown with raw HTML off and sanitizes it (nh3). */}
            <div
              className="prose-description text-slate-800"
              dangerouslySetInnerHTML={{ __html: lesson.data.content_html ?? "" }}
            />
          </>
        ) : null}
        <ErrorNotice error={complete.error} />
        <div className="flex flex-wrap items-center gap-3 border-t border-slate-100 pt-4">
          <button
            type="button"
            disabled={!previous}
            onClick={() => previous && go(previous.id)}
            className="rounded border border-slate-300 px-3 py-2 disabled:opacity-40"
          >
            ← Previous
          </button>
          {currentId && done.has(currentId) ? (
            <span className="text-sm font-medium text-green-700">Completed ✓</span>
          ) : (
            <button
              type="button"
              disabled={!currentId || complete.isPending || !enrolled}
              onClick={() => currentId && complete.mutate(currentId)}
              className="rounded bg-green-700 px-3 py-2 font-medium text-white disabled:opacity-60"
            >
              {complete.isPending ? "Saving…" : "Mark complete"}
            </button>
          )}
          <button
            type="button"
            disabled={!next}
            onClick={() => next && go(next.id)}
            className="ml-auto rounded border border-slate-300 px-3 py-2 disabled:opacity-40"
          >
            Next →
          </button>
        </div>
      </article>
    </div>
  );
}
