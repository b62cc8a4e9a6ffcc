"""Tests of the real agent CLIs (aider) inside the executor, against a fake model."""
