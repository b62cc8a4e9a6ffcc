"""Tests that drive real editors (other than VS Code and Neovim) against the language server."""
