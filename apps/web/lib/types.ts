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

// Accounts and the student area (read API documents, write API answers).

export type Role = "student" | "teacher" | "admin";

export interface Me {
  id: string;
  email: string;
  name: string;
  role: Role;
  teacher_verified: boolean;
  email_verified: boolean;
  blocked: boolean;
}

export interface LessonRef {
  id: string;
  title: string;
}

export type EnrollmentStatus = "enrolled" | "in_progress" | "completed";

export interface DashboardCourse {
  course_id: string;
  title: string;
  cover_url: string | null;
  teacher_name: string;
  status: EnrollmentStatus;
  progress_percent: number;
  completed_lessons: number;
  total_lessons: number;
  next_lesson: LessonRef | null;
  last_lesson: LessonRef | null;
  last_activity_at: string;
  enrolled_at: string;
}

export interface Dashboard {
  in_progress: { items: DashboardCourse[]; total: number };
  completed: { items: DashboardCourse[]; total: number };
  unread_notifications: number;
}

export interface Progress {
  course_id: string;
  status: EnrollmentStatus;
  last_lesson_id: string | null;
  next_lesson_id: string | null;
  completed_lesson_ids: string[];
  completed_lessons: number;
  total_lessons: number;
  progress_percent: number;
}

export interface Lesson {
  id: string;
  course_id: string;
  module_id: string;
  title: string;
  duration_minutes: number;
  preview: boolean;
  video_url?: string;
  content_html?: string;
}

export interface NotificationItem {
  id: string;
  kind: string;
  message: string;
  course_id: string;
  course_title: string | null;
  created_at: string;
  read: boolean;
}

export interface Inbox {
  items: NotificationItem[];
  total: number;
  unread: number;
  next_cursor: string | null;
}

export type PaymentStatus = "pending" | "succeeded" | "declined" | "refunded";

export interface Payment {
  id: string;
  course_id: string;
  status: PaymentStatus;
  amount: string;
  currency: string;
  created_at?: string;
  paid_at?: string | null;
  refunded_at?: string | null;
}

export interface Review {
  id: string;
  course_id: string;
  author_id: string;
  author_name: string;
  rating: number;
  comment_html: string;
  created_at: string;
  updated_at: string;
  version: number;
}

// The teacher studio (GET /api/teacher/courses).

export interface CourseStats {
  students: number;
  completions: number;
  rating: number;
  rating_count: number;
  revenue: Record<string, string>;
}

export interface TeacherCourse extends CourseSummary {
  status: "draft" | "published" | "archived";
  stats: CourseStats;
}

export interface TeacherCoursesPage {
  items: TeacherCourse[];
  total: number;
  totals: CourseStats;
  next_cursor: string | null;
}

// The admin area (GET /api/admin/users, GET /api/ops/projections).

export interface AdminUser extends Me {
  created_at: string;
  updated_at: string;
  version: number;
}

export interface UserList {
  items: AdminUser[];
  total: number;
  next_cursor: string | null;
}

export interface ProjectionStatus {
  name: string;
  last_seq: number | null;
  last_type: string | null;
  last_applied_at: number | null;
  last_lag_seconds: number | null;
  applied_total: number;
  outbox_backlog: number;
  queued_jobs: number;
  dead_letters: number;
  /** The last rebuild, as the worker reports it: state, done, total, rate_per_second, … */
  rebuild: Record<string, string>;
}
