"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { ErrorNotice, Field, SubmitButton } from "@/components/ui/forms";
import { ApiError, api } from "@/lib/api-client";
import type { Category } from "@/lib/types";

function useCategoryCommand(command: () => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => command(),
    onSuccess: () => client.invalidateQueries({ queryKey: ["categories"] }),
  });
}

function NewCategory() {
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const create = useCategoryCommand(() =>
    api("/api/categories", { method: "POST", body: slug ? { name, slug } : { name } }),
  );
  const error = create.error instanceof ApiError ? create.error : null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, {
      onSuccess: () => {
        setName("");
        setSlug("");
      },
    });
  };
  return (
    <form aria-label="New category" onSubmit={submit} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <h2 className="font-semibold">New category</h2>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={error} required />
        <Field
          label="Slug (optional)"
          name="slug"
          value={slug}
          onChange={(e) => setSlug(e.target.value)}
          error={error}
          hint="Made from the name when left empty."
        />
      </div>
      <ErrorNotice error={create.error} shownFields={["name", "slug"]} />
      <SubmitButton busy={create.isPending}>Create category</SubmitButton>
    </form>
  );
}

function CategoryRow({ category }: { category: Category }) {
  const [name, setName] = useState(category.name);
  const [confirming, setConfirming] = useState(false);
  const rename = useCategoryCommand(() =>
    api(`/api/categories/${category.id}`, { method: "PATCH", body: { name } }),
  );
  const remove = useCategoryCommand(() => api(`/api/categories/${category.id}`, { method: "DELETE" }));
  return (
    <li className="space-y-2 rounded-lg border border-slate-200 bg-white p-3" data-testid="admin-category">
      <div className="flex flex-wrap items-center gap-2">
        <label className="flex-1">
          <span className="sr-only">Name of {category.name}</span>
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            className="w-full rounded border border-slate-300 px-2 py-1"
          />
        </label>
        <span className="text-xs text-slate-500">
          /{category.slug} · {category.courses_count} courses
        </span>
        <button
          type="button"
          disabled={name === category.name || rename.isPending}
          onClick={() => rename.mutate()}
          className="rounded border border-slate-300 px-3 py-1 text-sm disabled:opacity-50"
        >
          Rename
        </button>
        {confirming ? (
          <button
            type="button"
            onClick={() => remove.mutate()}
            disabled={remove.isPending}
            className="rounded bg-red-600 px-3 py-1 text-sm text-white"
          >
            Really delete
          </button>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} className="rounded border border-red-300 px-3 py-1 text-sm text-red-700">
            Delete
          </button>
        )}
      </div>
      <ErrorNotice error={rename.error ?? remove.error} />
    </li>
  );
}

export function CategoriesView() {
  const categories = useQuery({
    queryKey: ["categories"],
    queryFn: () => api<Category[]>("/api/categories", { auth: false }),
  });
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Categories</h1>
      <NewCategory />
      <ErrorNotice error={categories.error} />
      {categories.isPending ? <p className="text-slate-500">Loading…</p> : null}
      {categories.data?.length === 0 ? <p className="text-slate-600">No categories yet.</p> : null}
      <ul className="space-y-2">
        {categories.data?.map((category) => (
          <CategoryRow key={`${category.id}:${category.version}`} category={category} />
        ))}
      </ul>
    </div>
  );
}
