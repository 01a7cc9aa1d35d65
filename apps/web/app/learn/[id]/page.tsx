import type { Metadata } from "next";
import { notFound } from "next/navigation";

import { getCourse } from "@/lib/server-api";

import { LearnView } from "./LearnView";

export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;
type SearchParams = Promise<{ lesson?: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const course = await getCourse((await params).id);
  if (!course) notFound();
  return { title: `Learn: ${course.title}`, robots: { index: false } };
}

export default async function LearnPage({
  params,
  searchParams,
}: {
  params: Params;
  searchParams: SearchParams;
}) {
  const course = await getCourse((await params).id);
  if (!course) notFound();
  const { lesson } = await searchParams;
  return (
    <LearnView courseId={course.id} title={course.title} modules={course.modules} lessonId={lesson} />
  );
}
