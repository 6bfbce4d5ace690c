"""What every layer shares: the warning classes, the argument checks, the random
generator from a ``seed`` argument, and docstring paragraphs used by several functions.

This package imports nothing else of gradwalk.
"""
