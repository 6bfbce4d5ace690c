"""The tour of the book: section 4.4 stop by stop (:mod:`.section_4_4`), then section
4.5 (:mod:`.section_4_5`), run and written out by :mod:`.run`. ``gradwalk tour`` runs it,
and ``gradwalk.tour()`` in Python (:mod:`.notebook`), its figures shown in a notebook.
"""

from .notebook import tour

__all__ = ["DEFAULT_OUT", "tour"]
