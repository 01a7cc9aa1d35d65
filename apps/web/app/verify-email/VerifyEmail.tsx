"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef } from "react";

import { ResendVerification } from "@/components/ResendVerification";
import { ErrorNotice, FormCard, Notice } from "@/components/ui/forms";
import { api } from "@/lib/api-client";

export function VerifyEmail({ token }: { token?: string }) {
  const mutation = useMutation({
    mutationFn: (value: string) =>
      api<void>("/api/auth/verify-email", { method: "POST", body: { token: value }, auth: false }),
  });
  const sent = useRef(false);
  const { mutate } = mutation;
  useEffect(() => {
    // Tokens are single-use: send it once even if the effect runs twice.
    if (token && !sent.current) {
      sent.current = true;
      mutate(token);
    }
  }, [token, mutate]);

  return (
    <FormCard title="Email verification">
      {!token ? (
        <>
          <ErrorNotice error={new Error("This link has no token. Open the link from the email again.")} />
          <ResendVerification />
        </>
      ) : mutation.isSuccess ? (
        <Notice>Your email address is confirmed.</Notice>
      ) : mutation.isError ? (
        <>
          <ErrorNotice error={mutation.error} />
          <ResendVerification />
        </>
      ) : (
        <p role="status">Confirming your email address…</p>
      )}
      <p className="text-sm">
        <Link href="/login" className="underline">
          Log in
        </Link>
      </p>
    </FormCard>
  );
}
