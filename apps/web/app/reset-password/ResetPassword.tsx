"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import { ErrorNotice, Field, FormCard, Notice, SubmitButton } from "@/components/ui/forms";
import { ApiError, api } from "@/lib/api-client";

export function ResetPassword({ token }: { token?: string }) {
  const [password, setPassword] = useState("");
  const mutation = useMutation({
    mutationFn: () =>
      api<void>("/api/auth/reset-password", {
        method: "POST",
        body: { token, password },
        auth: false,
      }),
  });
  if (!token) {
    return (
      <FormCard title="Choose a new password">
        <ErrorNotice error={new Error("This link has no token. Open the link from the email again.")} />
      </FormCard>
    );
  }
  return (
    <FormCard title="Choose a new password">
      {mutation.isSuccess ? (
        <>
          <Notice>Your password is changed. Every session was logged out.</Notice>
          <Link href="/login" className="underline">
            Log in
          </Link>
        </>
      ) : (
        <form
          className="space-y-4"
          onSubmit={(event) => {
            event.preventDefault();
            mutation.mutate();
          }}
        >
          <ErrorNotice error={mutation.error} shownFields={["password"]} />
          <Field
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            hint="At least 8 characters, with a letter and a digit."
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            error={mutation.error instanceof ApiError ? mutation.error : null}
          />
          <SubmitButton busy={mutation.isPending}>Set the password</SubmitButton>
        </form>
      )}
    </FormCard>
  );
}
