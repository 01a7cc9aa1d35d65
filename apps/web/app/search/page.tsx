import type { Metadata } from "next";
import { Suspense } from "react";

import { getCategories } from "@/lib/server-api";

import { SearchView } from "./SearchView";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Search courses",
  description: "Search the course catalog by topic, teacher, level, language, price and rating.",
};

export default async function SearchPage() {
  const categories = await getCategories();
  return (
    <Suspense fallback={<p role="status">Loading search…</p>}>
      <SearchView categories={categories.map(({ id, name }) => ({ id, name }))} />
    </Suspense>
  );
}
