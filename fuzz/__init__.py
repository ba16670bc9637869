"""Fuzz harnesses of zarrlite's decoders (see README.md). ``fuzz.targets`` holds the pure
check functions, importable without atheris; ``fuzz.harness`` runs them under atheris."""
