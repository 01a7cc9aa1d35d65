"use client";

import { useRouter } from "next/navigation";
import { startTransition, useEffect } from "react";

export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  const router = useRouter();
  useEffect(() => {
    console.error(error);
  }, [error]);

  return (
    <div role="alert" className="mx-auto max-w-lg space-y-4 py-12 text-center">
      <h1 className="text-2xl font-bold">Something went wrong</h1>
      <p className="text-slate-600">
        The catalog could not be loaded. The platform may be starting or briefly unavailable.
      </p>
      <button
        type="button"
        onClick={() =>
          // The failure was in a server component: render it again on the server, then here.
          startTransition(() => {
            router.refresh();
            reset();
          })
        }
        className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700"
      >
        Try again
      </button>
    </div>
  );
}
