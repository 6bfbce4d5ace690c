"""The tour of the book: section 4.4 stop by stop (:mod:`.section_4_4`), then section
4.5 (:mod:`.section_4_5`), run and written out by :mod:`.run`. ``gradwalk tour`` runs it.
"""
