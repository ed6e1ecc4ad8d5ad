"""The Django project: settings read from the environment, the URL map, the WSGI entry point.

It ties the rooms together and is imported by nothing of theirs (docs/ARCHITECTURE.md).
"""
