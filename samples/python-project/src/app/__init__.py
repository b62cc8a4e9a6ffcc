"""A small package: greetings."""

from app.greet import greet

__all__ = ["greet"]
