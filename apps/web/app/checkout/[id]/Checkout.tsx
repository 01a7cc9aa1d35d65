"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import { ErrorNotice, FormCard, Notice, SubmitButton } from "@/components/ui/forms";
import { api } from "@/lib/api-client";
import { useMe } from "@/lib/auth";
import { formatPrice } from "@/lib/format";
import { newIdempotencyKey } from "@/lib/student";
import type { Payment } from "@/lib/types";

const METHODS = [
  ["test_succeeded", "Test card that is accepted"],
  ["test_declined", "Test card that is declined"],
] as const;

/** The mock checkout: each attempt is a new payment with its own Idempotency-Key. */
export function Checkout({
  courseId,
  title,
  price,
  currency,
}: {
  courseId: string;
  title: string;
  price: string | null;
  currency: string | null;
}) {
  const { status } = useMe();
  const [method, setMethod] = useState<string>(METHODS[0][0]);
  const client = useQueryClient();
  const pay = useMutation({
    mutationFn: () =>
      api<Payment>("/api/payments", {
        method: "POST",
        body: { course_id: courseId, payment_method: method },
        headers: { "Idempotency-Key": newIdempotencyKey() },
      }),
    // A succeeded payment enrolls: cached progress, dashboard and payments are out of date.
    onSuccess: () => client.invalidateQueries(),
  });

  if (status === "anonymous") {
    return (
      <FormCard title="Checkout">
        <Link href={`/login?next=/checkout/${courseId}`} className="underline">
          Log in to buy this course
        </Link>
      </FormCard>
    );
  }
  const payment = pay.data;
  return (
    <FormCard title="Checkout">
      <p>
        <span className="font-medium">{title}</span> ·{" "}
        <span className="font-bold">{formatPrice(price, currency)}</span>
      </p>
      {payment?.status === "succeeded" ? (
        <>
          <Notice>
            Payment accepted: {formatPrice(payment.amount, payment.currency)}. You are enrolled.
          </Notice>
          <Link href={`/learn/${courseId}`} className="inline-block rounded bg-brand-600 px-4 py-2 font-medium text-white">
            Start learning
          </Link>
        </>
      ) : (
        <form
          className="space-y-4"
          onSubmit={(event) => {
            event.preventDefault();
            pay.mutate();
          }}
        >
          {payment?.status === "declined" ? (
            <div role="alert" className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
              The payment was declined. Nothing was charged: choose another card and try again.
            </div>
          ) : null}
          {payment?.status === "pending" ? (
            <p role="status" className="text-sm text-amber-800">
              The payment provider has not answered yet. We will enroll you as soon as it does; see
              your payments.
            </p>
          ) : null}
          <ErrorNotice error={pay.error} />
          <fieldset className="space-y-2">
            <legend className="text-sm font-medium">Payment method (demo)</legend>
            {METHODS.map(([value, label]) => (
              <label key={value} className="flex items-center gap-2 text-sm">
                <input
                  type="radio"
                  name="payment_method"
                  value={value}
                  checked={method === value}
                  onChange={() => setMethod(value)}
                />
                {label}
              </label>
            ))}
          </fieldset>
          <SubmitButton busy={pay.isPending}>
            {payment?.status === "declined" ? "Try again" : `Pay ${formatPrice(price, currency)}`}
          </SubmitButton>
        </form>
      )}
    </FormCard>
  );
}
