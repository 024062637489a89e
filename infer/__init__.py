"""reportag inference side: reading reports, segmenting them, tagging sentences.

Nothing here imports training code or its dependencies (datasets, evaluate,
scikit-learn, label-studio-sdk); `train` builds on this package, never the reverse.
"""

__version__ = "0.2.0"  # pyproject.toml's version (tests/test_imports.py checks)
