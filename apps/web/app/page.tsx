import Link from "next/link";

import { CourseCard, CourseGrid } from "@/components/CourseCard";
import { getCategories, getList } from "@/lib/server-api";
import type { ListName } from "@/lib/types";
import { plural } from "@/lib/format";

export const dynamic = "force-dynamic";

const LISTS: { name: ListName; title: string; sort: string }[] = [
  { name: "popular", title: "Popular", sort: "popular" },
  { name: "newest", title: "Newest", sort: "newest" },
  { name: "top-rated", title: "Top rated", sort: "rating" },
];

export default async function HomePage() {
  const [categories, ...lists] = await Promise.all([
    getCategories(),
    ...LISTS.map((list) => getList(list.name)),
  ]);

  return (
    <div className="space-y-10">
      <section aria-labelledby="hero-title" className="space-y-4">
        <h1 id="hero-title" className="text-2xl font-bold sm:text-3xl">
          Learn something new today
        </h1>
        <form action="/search" role="search" className="flex max-w-xl gap-2">
          <label htmlFor="home-q" className="sr-only">
            Search courses
          </label>
          <input
            id="home-q"
            name="q"
            type="search"
            placeholder="Search courses, teachers…"
            className="w-full rounded-md border border-slate-300 bg-white px-3 py-2"
          />
          <button
            type="submit"
            className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700"
          >
            Search
          </button>
        </form>
      </section>

      <section aria-labelledby="categories-title">
        <h2 id="categories-title" className="mb-3 text-xl font-semibold">
          Categories
        </h2>
        {categories.length === 0 ? (
          <p className="text-slate-600">No categories yet.</p>
        ) : (
          <ul className="flex flex-wrap gap-2">
            {categories.map((category) => (
              <li key={category.id}>
                <Link
                  href={`/search?category=${category.id}`}
                  className="inline-flex items-center gap-2 rounded-full border border-slate-300 bg-white px-4 py-2 text-sm hover:border-brand-600"
                >
                  <span className="font-medium">{category.name}</span>
                  <span className="text-slate-500">
                    {plural(category.courses_count, "course", "courses")}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>

      {LISTS.map((list, index) => {
        const page = lists[index];
        const headingId = `list-${list.name}`;
        return (
          <section key={list.name} aria-labelledby={headingId}>
            <div className="mb-3 flex items-baseline justify-between gap-4">
              <h2 id={headingId} className="text-xl font-semibold">
                {list.title}
              </h2>
              <Link href={`/search?sort=${list.sort}`} className="text-sm text-brand-700 underline">
                See all
              </Link>
            </div>
            {!page || page.items.length === 0 ? (
              <p className="text-slate-600">No published courses yet.</p>
            ) : (
              <CourseGrid>
                {page.items.map((course) => (
                  <li key={course.id}>
                    <CourseCard course={course} />
                  </li>
                ))}
              </CourseGrid>
            )}
          </section>
        );
      })}
    </div>
  );
}
