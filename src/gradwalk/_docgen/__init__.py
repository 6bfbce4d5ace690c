"""The parts of the documentation that code generates: the pictures of docs/images
(:mod:`.regenerate`, which also keeps their fingerprints; :mod:`.learning` draws those of
docs/learning.md that no command draws) and the tables the registries write
(:mod:`.tables`). ``python -m gradwalk._docgen`` regenerates both.
"""
