export default function Loading() {
  return (
    <div role="status" className="py-12 text-center text-slate-600">
      Loading…
    </div>
  );
}
