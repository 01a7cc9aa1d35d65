import Link from "next/link";

export default function CourseNotFound() {
  return (
    <div className="mx-auto max-w-lg space-y-4 py-12 text-center">
      <h1 className="text-2xl font-bold">Course not found</h1>
      <p className="text-slate-600">
        This course does not exist, or it is not published (any more).
      </p>
      <Link href="/search" className="text-brand-700 underline">
        Browse the catalog
      </Link>
    </div>
  );
}
