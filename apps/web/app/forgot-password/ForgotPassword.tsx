"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";

import { ErrorNotice, Field, FormCard, Notice, SubmitButton } from "@/components/ui/forms";
import { ApiError, api } from "@/lib/api-client";

export function ForgotPassword() {
  const [email, setEmail] = useState("");
  const mutation = useMutation({
    mutationFn: () =>
      api<void>("/api/auth/forgot-password", { method: "POST", body: { email }, auth: false }),
  });
  return (
    <FormCard title="Forgot your password?">
      {mutation.isSuccess ? (
        <Notice>
          If an account uses {email}, a link to choose a new password is on its way.
        </Notice>
      ) : (
        <form
          className="space-y-4"
          onSubmit={(event) => {
            event.preventDefault();
            mutation.mutate();
          }}
        >
          <ErrorNotice error={mutation.error} shownFields={["email"]} />
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            error={mutation.error instanceof ApiError ? mutation.error : null}
          />
          <SubmitButton busy={mutation.isPending}>Send the link</SubmitButton>
        </form>
      )}
    </FormCard>
  );
}
