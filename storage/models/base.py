"""The declarative base of every model. Portable SQL only (SQLite and PostgreSQL); schema
changes go through migrations."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
