"use client";

import { useState, type FormEvent } from "react";

import { LEVEL_LABELS, languageLabel } from "@/lib/format";
import type { FilterKey, Filters } from "@/lib/search-params";
import type { FacetCounts, Level, SearchResult } from "@/lib/types";

interface Option {
  value: string;
  label: string;
  count?: number;
}

function FacetGroup({
  name,
  legend,
  options,
  selected,
  onChange,
}: {
  name: FilterKey;
  legend: string;
  options: Option[];
  selected: string;
  onChange: (value: string) => void;
}) {
  return (
    <fieldset className="space-y-1">
      <legend className="mb-1 text-sm font-semibold">{legend}</legend>
      {[{ value: "", label: "Any" }, ...options].map((option) => {
        const id = `facet-${name}-${option.value || "any"}`;
        return (
          <div key={id} className="flex items-center gap-2 text-sm">
            <input
              type="radio"
              id={id}
              name={name}
              value={option.value}
              checked={selected === option.value}
              onChange={() => onChange(option.value)}
              className="accent-brand-600"
            />
            <label htmlFor={id} className="flex flex-1 justify-between gap-2">
              <span>{option.label}</span>
              {option.count !== undefined ? (
                <span className="text-slate-500">{option.count}</span>
              ) : null}
            </label>
          </div>
        );
      })}
    </fieldset>
  );
}

/** Facet values with counts, most frequent first; the selected value stays listed even at zero. */
function PriceInput({
  id,
  label,
  value,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <div className="flex-1">
      <label htmlFor={id} className="block text-xs text-slate-600">
        {label}
      </label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={0}
        max={100000}
        step="0.01"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        className="w-full rounded border border-slate-300 px-2 py-1 text-sm"
      />
    </div>
  );
}

function facetOptions(
  counts: FacetCounts | undefined,
  selected: string,
  label: (value: string) => string,
): Option[] {
  const entries = Object.entries(counts ?? {});
  if (selected && !entries.some(([value]) => value === selected)) entries.push([selected, 0]);
  return entries
    .sort((a, b) => b[1] - a[1] || label(a[0]).localeCompare(label(b[0])))
    .map(([value, count]) => ({ value, label: label(value), count }));
}

const RATINGS = ["4.5", "4", "3.5", "3"];

export function FacetFilters({
  filters,
  facets,
  categoryNames,
  onChange,
}: {
  filters: Filters;
  facets: SearchResult["facets"] | undefined;
  categoryNames: Map<string, string>;
  onChange: (changes: Partial<Filters>) => void;
}) {
  const [priceMin, setPriceMin] = useState(filters.price_min);
  const [priceMax, setPriceMax] = useState(filters.price_max);

  function applyPrice(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onChange({ price_min: priceMin.trim(), price_max: priceMax.trim() });
  }

  return (
    <div className="space-y-5">
      <FacetGroup
        name="category"
        legend="Category"
        selected={filters.category}
        options={facetOptions(
          facets?.category,
          filters.category,
          (id) => categoryNames.get(id) ?? "Other",
        )}
        onChange={(category) => onChange({ category })}
      />
      <FacetGroup
        name="level"
        legend="Level"
        selected={filters.level}
        options={facetOptions(
          facets?.level,
          filters.level,
          (level) => LEVEL_LABELS[level as Level] ?? level,
        )}
        onChange={(level) => onChange({ level })}
      />
      <FacetGroup
        name="language"
        legend="Language"
        selected={filters.language}
        options={facetOptions(facets?.language, filters.language, languageLabel)}
        onChange={(language) => onChange({ language })}
      />
      <FacetGroup
        name="price"
        legend="Price"
        selected={filters.price}
        options={facetOptions(facets?.price, filters.price, (value) =>
          value === "free" ? "Free" : "Paid",
        )}
        onChange={(price) => onChange({ price })}
      />
      <form onSubmit={applyPrice} className="space-y-2" aria-label="Price range">
        <p className="text-sm font-semibold">Price range</p>
        <div className="flex items-end gap-2">
          <PriceInput id="price-min" label="Min" value={priceMin} onChange={setPriceMin} />
          <PriceInput id="price-max" label="Max" value={priceMax} onChange={setPriceMax} />
          <button
            type="submit"
            className="rounded border border-slate-300 bg-white px-3 py-1 text-sm hover:border-brand-600"
          >
            Apply
          </button>
        </div>
      </form>
      <FacetGroup
        name="rating_min"
        legend="Minimum rating"
        selected={filters.rating_min}
        options={RATINGS.map((value) => ({ value, label: `${value} ★ and up` }))}
        onChange={(rating_min) => onChange({ rating_min })}
      />
    </div>
  );
}
