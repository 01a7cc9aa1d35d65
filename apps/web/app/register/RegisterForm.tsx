"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import { ErrorNotice, Field, FormCard, Notice, SubmitButton } from "@/components/ui/forms";
import { ApiError, api } from "@/lib/api-client";

export function RegisterForm() {
  const [form, setForm] = useState({ name: "", email: "", password: "", role: "student" });
  const mutation = useMutation({
    mutationFn: () =>
      api<{ id: string; email: string }>("/api/auth/register", {
        method: "POST",
        body: form,
        auth: false,
      }),
  });
  const error = mutation.error instanceof ApiError ? mutation.error : null;
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) =>
    setForm({ ...form, [name]: event.target.value });

  if (mutation.isSuccess) {
    return (
      <FormCard title="Check your email">
        <Notice>
          We sent a verification link to <strong>{mutation.data.email}</strong>. Open it to confirm
          your address, then log in.
        </Notice>
        <Link href="/login" className="inline-block underline">
          Go to log in
        </Link>
      </FormCard>
    );
  }
  return (
    <FormCard title="Create an account">
      <form
        className="space-y-4"
        onSubmit={(event) => {
          event.preventDefault();
          mutation.mutate();
        }}
      >
        <ErrorNotice error={mutation.error} shownFields={["name", "email", "password", "role"]} />
        <Field label="Name" name="name" autoComplete="name" required value={form.name} onChange={set("name")} error={error} />
        <Field label="Email" name="email" type="email" autoComplete="email" required value={form.email} onChange={set("email")} error={error} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 8 characters, with a letter and a digit."
          value={form.password}
          onChange={set("password")}
          error={error}
        />
        <fieldset className="space-y-1">
          <legend className="text-sm font-medium">I want to</legend>
          {[
            ["student", "Learn (student)"],
            ["teacher", "Teach (teacher)"],
          ].map(([value, label]) => (
            <label key={value} className="mr-4 inline-flex items-center gap-2 text-sm">
              <input type="radio" name="role" value={value} checked={form.role === value} onChange={set("role")} />
              {label}
            </label>
          ))}
          {error?.fields.role ? <p className="text-sm text-red-700">{error.fields.role}</p> : null}
        </fieldset>
        <SubmitButton busy={mutation.isPending}>Create account</SubmitButton>
      </form>
      <p className="text-sm">
        Already registered?{" "}
        <Link href="/login" className="underline">
          Log in
        </Link>
      </p>
    </FormCard>
  );
}
