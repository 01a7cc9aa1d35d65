// The search page keeps its whole state in the URL, so a result list can be shared and reloaded.

export const FILTER_KEYS = [
  "q",
  "category",
  "level",
  "language",
  "price",
  "price_min",
  "price_max",
  "rating_min",
  "sort",
] as const;

export type FilterKey = (typeof FILTER_KEYS)[number];
export type Filters = Record<FilterKey, string>;

export const SORTS = [
  { value: "relevance", label: "Relevance" },
  { value: "popular", label: "Most popular" },
  { value: "rating", label: "Highest rated" },
  { value: "newest", label: "Newest" },
  { value: "price_asc", label: "Price: low to high" },
  { value: "price_desc", label: "Price: high to low" },
] as const;

export const PAGE_SIZE = 12;

interface ParamsLike {
  get(name: string): string | null;
}

export function parseFilters(params: ParamsLike): Filters {
  const filters = {} as Filters;
  for (const key of FILTER_KEYS) filters[key] = params.get(key)?.trim() ?? "";
  return filters;
}

/** The query string for both the page URL and the read API: empty values are left out. */
export function filtersToQuery(filters: Partial<Filters>): string {
  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value) query.set(key, value);
  }
  return query.toString();
}

export function hasActiveFilters(filters: Filters): boolean {
  return FILTER_KEYS.some((key) => key !== "sort" && filters[key] !== "");
}
