import { formatRating } from "@/lib/format";

export function Stars({ rating, count }: { rating: number; count: number }) {
  const label = count === 0 ? "No ratings yet" : `Rated ${rating.toFixed(1)} out of 5`;
  return (
    <p className="flex items-center gap-1 text-sm">
      <span aria-hidden="true" className="tracking-tight text-amber-500">
        {"★★★★★".slice(0, Math.round(count === 0 ? 0 : rating))}
        <span className="text-slate-300">
          {"★★★★★".slice(0, 5 - Math.round(count === 0 ? 0 : rating))}
        </span>
      </span>
      <span className="sr-only">{label}</span>
      <span aria-hidden="true" className="text-slate-600">
        {formatRating(rating, count)}
      </span>
    </p>
  );
}
