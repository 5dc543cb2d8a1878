"""hpverify: a model checker for kernel concurrency fixes (see ARCHITECTURE.md)."""

__version__ = "0.1.0"
