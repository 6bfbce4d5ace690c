"""The pictures of docs/images: :mod:`.regenerate` redraws every one and keeps their
fingerprints (``python -m gradwalk._pictures``); :mod:`.learning` draws those of
docs/learning.md that no command draws.
"""
