"""Catalog context: categories, courses, modules and lessons (teacher authoring)."""
