"""The researcher REST API (Django REST framework): one small view per operation."""
