"use client";

import type { InputHTMLAttributes, ReactNode } from "react";

import { ApiError } from "@/lib/api-client";

/** A labelled input with the API's message for this field (error.fields[name]) under it. */
export function Field({
  label,
  name,
  error,
  hint,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  name: string;
  error?: ApiError | null;
  hint?: string;
}) {
  const message = error?.fields[name];
  const id = `field-${name}`;
  const described = [hint ? `${id}-hint` : null, message ? `${id}-error` : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        name={name}
        aria-invalid={message ? true : undefined}
        aria-describedby={described || undefined}
        className="w-full rounded border border-slate-300 bg-white px-3 py-2 aria-[invalid]:border-red-600"
        {...input}
      />
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {message ? (
        <p id={`${id}-error`} className="text-sm text-red-700" data-field-error={name}>
          {message}
        </p>
      ) : null}
    </div>
  );
}

/** The API's error (code and message), plus any field errors no input shows. */
export function ErrorNotice({ error, shownFields = [] }: { error: unknown; shownFields?: string[] }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const others = api
    ? Object.entries(api.fields).filter(([name]) => !shownFields.includes(name))
    : [];
  return (
    <div role="alert" className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
      <p>
        {error instanceof Error ? error.message : "Something went wrong."}
        {api ? <span className="ml-1 text-xs text-red-600">({api.code})</span> : null}
      </p>
      {others.length > 0 ? (
        <ul className="mt-1 list-disc ps-5">
          {others.map(([name, message]) => (
            <li key={name}>
              {name}: {message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div role="status" className="rounded border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900">
      {children}
    </div>
  );
}

export function SubmitButton({ busy, children }: { busy: boolean; children: ReactNode }) {
  return (
    <button
      type="submit"
      disabled={busy}
      className="rounded bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 disabled:opacity-60"
    >
      {busy ? "Please wait…" : children}
    </button>
  );
}

export function FormCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mx-auto max-w-md space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
      <h1 className="text-2xl font-bold">{title}</h1>
      {children}
    </section>
  );
}
