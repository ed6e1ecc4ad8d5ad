"""The project's HTTP plumbing, around every request and knowing nothing of stories: HEAD
answered with a GET's headers (:mod:`.head`), requests refused before any view
(:mod:`.guards`), a time limit on each database statement of a request (:mod:`.statement_limit`),
a refused request logged in one line (:mod:`.logs`), and ``/healthz`` (:mod:`.health`).

May import: Django only.
"""
