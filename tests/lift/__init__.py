"""Lifter tests: random single instructions (and IT blocks / short sequences) against Unicorn."""
