import type { Level } from "./types";

export function formatPrice(price: string | null, currency: string | null): string {
  if (price === null) return "Free";
  const amount = Number(price);
  if (!currency || Number.isNaN(amount)) return price;
  return new Intl.NumberFormat("en", { style: "currency", currency }).format(amount);
}

export function formatDuration(minutes: number | null | undefined): string {
  if (!minutes) return "—";
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export function formatRating(rating: number, count: number): string {
  if (count === 0) return "No ratings yet";
  return `${rating.toFixed(1)} (${count} ${count === 1 ? "rating" : "ratings"})`;
}

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

export const LEVEL_LABELS: Record<Level, string> = {
  beginner: "Beginner",
  intermediate: "Intermediate",
  advanced: "Advanced",
};

const languageNames = new Intl.DisplayNames(["en"], { type: "language" });

export function languageLabel(code: string): string {
  try {
    return languageNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/** A same-site path to go to after logging in, or undefined (never another origin). */
export function safeNext(next: string | undefined): string | undefined {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : undefined;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}
