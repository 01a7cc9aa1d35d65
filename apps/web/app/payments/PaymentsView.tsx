"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";

import { RequireLogin } from "@/components/student/RequireLogin";
import { ErrorNotice } from "@/components/ui/forms";
import { api } from "@/lib/api-client";
import { formatDate, formatPrice } from "@/lib/format";
import type { Page, Payment } from "@/lib/types";

const STATUS_STYLE: Record<Payment["status"], string> = {
  succeeded: "bg-green-100 text-green-800",
  declined: "bg-red-100 text-red-800",
  pending: "bg-amber-100 text-amber-800",
  refunded: "bg-slate-200 text-slate-700",
};

function List() {
  const client = useQueryClient();
  const payments = useQuery({
    queryKey: ["payments"],
    queryFn: () => api<Page<Payment>>("/api/me/payments?limit=50"),
  });
  const refund = useMutation({
    mutationFn: (id: string) => api<Payment>(`/api/payments/${id}/refund`, { method: "POST" }),
    onSuccess: () => client.invalidateQueries(),
  });
  if (payments.isPending) return <p className="text-slate-500">Loading…</p>;
  if (payments.isError) return <ErrorNotice error={payments.error} />;
  return (
    <div className="space-y-3">
      <ErrorNotice error={refund.error} />
      {payments.data.items.length === 0 ? <p className="text-slate-600">No payments yet.</p> : null}
      <ul className="space-y-2">
        {payments.data.items.map((payment) => (
          <li
            key={payment.id}
            data-testid="payment"
            className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-slate-200 bg-white p-3"
          >
            <div className="space-y-1">
              <p className="font-medium">{formatPrice(payment.amount, payment.currency)}</p>
              <p className="text-xs text-slate-500">
                {formatDate(payment.created_at)} ·{" "}
                <Link href={`/courses/${payment.course_id}`} className="underline">
                  the course
                </Link>
              </p>
            </div>
            <div className="flex items-center gap-2">
              <span className={`rounded px-2 py-0.5 text-xs font-semibold ${STATUS_STYLE[payment.status]}`}>
                {payment.status}
              </span>
              {payment.status === "succeeded" ? (
                <button
                  type="button"
                  disabled={refund.isPending}
                  onClick={() => {
                    if (window.confirm("Refund this payment? You lose access to the course.")) {
                      refund.mutate(payment.id);
                    }
                  }}
                  className="rounded border border-slate-300 px-2 py-1 text-xs"
                >
                  Refund
                </button>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function PaymentsView() {
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Payments</h1>
      <RequireLogin next="/payments">
        <List />
      </RequireLogin>
    </div>
  );
}
