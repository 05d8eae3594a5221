"""Persistence of casusbot: SQLAlchemy 2 async models, one repository per aggregate, the
unit of work that holds them, and migrations.

Storage knows nothing of Matrix or of message wording; it stores and returns values. Of
the domain it knows only its words (``handlers.vocabulary``): the statuses it stores.
"""
