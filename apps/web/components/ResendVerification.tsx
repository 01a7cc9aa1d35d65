"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";

import { ErrorNotice, Field, Notice, SubmitButton } from "@/components/ui/forms";
import { ApiError, api } from "@/lib/api-client";

/** Asks for a new verification mail (the API answers the same whether the account exists). */
export function ResendVerification() {
  const [email, setEmail] = useState("");
  const resend = useMutation({
    mutationFn: () =>
      api<void>("/api/auth/resend-verification", { method: "POST", body: { email }, auth: false }),
  });
  if (resend.isSuccess) {
    return <Notice>If {email} has an unverified account, a new link is on its way.</Notice>;
  }
  return (
    <form
      aria-label="Send a new verification link"
      className="space-y-3 border-t border-slate-100 pt-4"
      onSubmit={(event) => {
        event.preventDefault();
        resend.mutate();
      }}
    >
      <ErrorNotice error={resend.error} shownFields={["email"]} />
      <Field
        label="Email for a new link"
        name="email"
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        error={resend.error instanceof ApiError ? resend.error : null}
      />
      <SubmitButton busy={resend.isPending}>Send a new link</SubmitButton>
    </form>
  );
}
