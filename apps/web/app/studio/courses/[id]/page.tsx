import type { Metadata } from "next";

import { CourseEditor } from "./CourseEditor";

export const metadata: Metadata = { title: "Edit course", robots: { index: false } };

type Params = Promise<{ id: string }>;

export default async function StudioCoursePage({ params }: { params: Params }) {
  const { id } = await params;
  return <CourseEditor courseId={id} />;
}
