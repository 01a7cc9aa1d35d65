// Shapes of the read API's answers (README "HTTP endpoints", DESIGN §5).

export type Level = "beginner" | "intermediate" | "advanced";

export interface Category {
  id: string;
  name: string;
  slug: string;
  version: number;
  courses_count: number;
}

/** Fields shared by list cards, search hits and the course page. */
export interface CourseSummary {
  id: string;
  title: string;
  teacher_id: string;
  teacher_name: string;
  category_id: string | null;
  level: Level;
  language: string;
  price: string | null;
  currency: string | null;
  cover_url: string | null;
  rating: number;
  rating_count: number;
  students_count: number;
  lessons_count: number;
  duration_minutes: number;
  published_at: string | null;
  updated_at: string;
}

export interface SearchHit extends CourseSummary {
  description_text: string;
  category_slug: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  next_cursor: string | null;
}

export type FacetCounts = Record<string, number>;

export interface SearchResult extends Page<SearchHit> {
  facets: {
    category?: FacetCounts;
    level?: FacetCounts;
    language?: FacetCounts;
    price?: FacetCounts;
  };
}

export interface LessonOutline {
  id: string;
  title: string;
  duration_minutes: number | null;
  preview: boolean;
}

export interface ModuleOutline {
  id: string;
  title: string;
  lessons: LessonOutline[];
}

export interface CoursePage extends CourseSummary {
  category: { id: string; name: string; slug: string } | null;
  status: "draft" | "published" | "archived";
  version: number;
  description_html: string;
  modules: ModuleOutline[];
}

export interface ApiErrorBody {
  error: { code: string; message: string; fields?: Record<string, unknown> };
}

export const LIST_NAMES = ["popular", "newest", "top-rated"] as const;
export type ListName = (typeof LIST_NAMES)[number];
