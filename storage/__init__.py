"""Persistence of casusbot: SQLAlchemy 2 async models, repositories and migrations.

Storage knows nothing of Matrix or of message wording; it stores and returns values.
"""
