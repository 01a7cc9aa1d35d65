"use client";

import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { startTransition, useEffect, useMemo, useOptimistic, useRef, useState } from "react";

import { CourseCard, CourseGrid } from "@/components/CourseCard";
import {
  SORTS,
  filtersToQuery,
  hasActiveFilters,
  parseFilters,
  type Filters,
} from "@/lib/search-params";

import { FacetFilters } from "./FacetFilters";
import { fetchSearchPage, retrySearch } from "./fetch-search";

const TYPING_DELAY_MS = 250;

export function SearchView({ categories }: { categories: { id: string; name: string }[] }) {
  const router = useRouter();
  const searchParams = useSearchParams();
  const filters = useMemo(() => parseFilters(searchParams), [searchParams]);
  const query = filtersToQuery(filters);
  const categoryNames = useMemo(
    () => new Map(categories.map((category) => [category.id, category.name])),
    [categories],
  );

  const [text, setText] = useState(filters.q);
  const typedQuery = useRef(filters.q);
  const [filtersOpen, setFiltersOpen] = useState(false);

  // Controls show a choice at once, while the navigation to its URL is still under way.
  const [shownFilters, showFilters] = useOptimistic(filters);

  function navigate(changes: Partial<Filters>, mode: "push" | "replace") {
    const nextFilters = { ...filters, ...changes };
    const next = filtersToQuery(nextFilters);
    startTransition(() => {
      showFilters(nextFilters);
      router[mode](next ? `/search?${next}` : "/search", { scroll: false });
    });
  }

  // A query that did not come from the box (back/forward, a link) is shown in it.
  useEffect(() => {
    if (filters.q !== typedQuery.current) {
      typedQuery.current = filters.q;
      setText(filters.q);
    }
  }, [filters.q]);

  // Search as you type: the URL (and so the query) follows the box once typing pauses.
  useEffect(() => {
    if (text.trim() === filters.q) return;
    const timer = setTimeout(() => {
      typedQuery.current = text.trim();
      navigate({ q: text.trim() }, "replace");
    }, TYPING_DELAY_MS);
    return () => clearTimeout(timer);
    // navigate is recreated every render; the effect only needs to follow the text and the URL.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, filters.q]);

  const results = useInfiniteQuery({
    queryKey: ["search", query],
    queryFn: ({ pageParam, signal }) => fetchSearchPage(query, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    placeholderData: keepPreviousData,
    retry: retrySearch,
  });

  const firstPage = results.data?.pages[0];
  const items = results.data?.pages.flatMap((page) => page.items) ?? [];
  const total = firstPage?.total ?? 0;
  const updating = results.isFetching && !results.isFetchingNextPage;

  return (
    <div className="space-y-6">
      <div className="space-y-3">
        <h1 className="text-2xl font-bold">Search courses</h1>
        <form role="search" onSubmit={(event) => event.preventDefault()} className="max-w-2xl">
          <label htmlFor="search-q" className="mb-1 block text-sm font-medium">
            Search by title, teacher or topic
          </label>
          <input
            id="search-q"
            type="search"
            value={text}
            onChange={(event) => setText(event.target.value)}
            placeholder="e.g. python, design, pandas"
            autoComplete="off"
            maxLength={200}
            className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base"
          />
        </form>
      </div>

      <div className="grid gap-6 md:grid-cols-[15rem_1fr]">
        <div>
          <button
            type="button"
            aria-expanded={filtersOpen}
            aria-controls="search-filters"
            onClick={() => setFiltersOpen((open) => !open)}
            className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium md:hidden"
          >
            {filtersOpen ? "Hide filters" : "Show filters"}
          </button>
          <aside
            id="search-filters"
            aria-label="Filters"
            className={`${filtersOpen ? "block" : "hidden"} mt-3 rounded-lg border border-slate-200 bg-white p-4 md:mt-0 md:block`}
          >
            <FacetFilters
              key={`${filters.price_min}|${filters.price_max}`}
              filters={shownFilters}
              facets={firstPage?.facets}
              categoryNames={categoryNames}
              onChange={(changes) => navigate(changes, "push")}
            />
          </aside>
        </div>

        <section aria-labelledby="results-title" className="space-y-4">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <h2 id="results-title" className="text-lg font-semibold" aria-live="polite">
              {results.isPending
                ? "Searching…"
                : results.isError && !firstPage
                  ? "No results"
                  : `${total} ${total === 1 ? "course" : "courses"} found`}
            </h2>
            <div className="flex items-center gap-2">
              <label htmlFor="search-sort" className="text-sm">
                Sort by
              </label>
              <select
                id="search-sort"
                value={shownFilters.sort || "relevance"}
                onChange={(event) =>
                  navigate(
                    { sort: event.target.value === "relevance" ? "" : event.target.value },
                    "push",
                  )
                }
                className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
              >
                {SORTS.map((sort) => (
                  <option key={sort.value} value={sort.value}>
                    {sort.label}
                  </option>
                ))}
              </select>
            </div>
          </div>

          {hasActiveFilters(filters) ? (
            <Link
              href="/search"
              className="inline-block text-sm text-brand-700 underline"
            >
              Clear search and filters
            </Link>
          ) : null}

          {results.isError ? (
            <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-4 text-sm">
              <p className="text-red-800">{results.error.message}</p>
              <button
                type="button"
                onClick={() => void results.refetch()}
                className="mt-2 rounded border border-red-300 bg-white px-3 py-1"
              >
                Try again
              </button>
            </div>
          ) : null}

          {results.isPending ? (
            <CourseGrid>
              {Array.from({ length: 6 }, (_, index) => (
                <li key={index} aria-hidden="true" className="h-44 animate-pulse rounded-lg bg-slate-200" />
              ))}
            </CourseGrid>
          ) : null}

          {firstPage && items.length === 0 ? (
            <div className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-slate-600">
              <p className="font-medium">No courses match.</p>
              <p className="text-sm">Try fewer words or remove a filter.</p>
            </div>
          ) : null}

          {items.length > 0 ? (
            <div className={updating ? "opacity-60 transition-opacity" : undefined} aria-busy={updating}>
              <CourseGrid>
                {items.map((course) => (
                  <li key={course.id}>
                    <CourseCard course={course} excerpt={course.description_text} />
                  </li>
                ))}
              </CourseGrid>
            </div>
          ) : null}

          {results.hasNextPage ? (
            <div className="text-center">
              <button
                type="button"
                onClick={() => void results.fetchNextPage()}
                disabled={results.isFetchingNextPage}
                className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:border-brand-600 disabled:opacity-60"
              >
                {results.isFetchingNextPage ? "Loading more…" : "More courses"}
              </button>
            </div>
          ) : null}
        </section>
      </div>
    </div>
  );
}
