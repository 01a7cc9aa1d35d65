import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-lg space-y-4 py-12 text-center">
      <h1 className="text-2xl font-bold">Page not found</h1>
      <p className="text-slate-600">There is nothing at this address.</p>
      <Link href="/search" className="text-brand-700 underline">
        Browse the catalog
      </Link>
    </div>
  );
}
