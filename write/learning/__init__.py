"""The learning context: enrollments and progress (schema `learning`)."""
