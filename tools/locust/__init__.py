"""Locust scenarios: the original 70/20/10 mix of students, searchers and teachers, and isolated
read-only, write-only and naive-read profiles (docs/load-testing.md). `locustfile.py` is the entry."""
