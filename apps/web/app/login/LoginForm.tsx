"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

import { ErrorNotice, Field, FormCard, SubmitButton } from "@/components/ui/forms";
import { ApiError } from "@/lib/api-client";
import { useAuthActions } from "@/lib/auth";
import { safeNext } from "@/lib/format";

export function LoginForm({ next }: { next?: string }) {
  const router = useRouter();
  const { login } = useAuthActions();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const mutation = useMutation({
    mutationFn: () => login(email, password),
    onSuccess: () => router.push(safeNext(next) ?? "/dashboard"),
  });
  const error = mutation.error instanceof ApiError ? mutation.error : null;
  return (
    <FormCard title="Log in">
      <form
        className="space-y-4"
        onSubmit={(event) => {
          event.preventDefault();
          mutation.mutate();
        }}
      >
        <ErrorNotice error={mutation.error} shownFields={["email", "password"]} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={error}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={error}
        />
        <SubmitButton busy={mutation.isPending}>Log in</SubmitButton>
      </form>
      <p className="text-sm">
        <Link href="/forgot-password" className="underline">
          Forgot your password?
        </Link>{" "}
        · New here?{" "}
        <Link href="/register" className="underline">
          Create an account
        </Link>
      </p>
    </FormCard>
  );
}
