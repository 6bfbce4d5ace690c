"""The book's networks: ``simpleNet`` of section 4.4.2 and ``TwoLayerNet`` of section 4.5.

This is their public path; the code lives in :mod:`gradwalk._learning.nets`.

>>> from gradwalk.nets import simpleNet
>>> simpleNet(seed=0).W.shape
(2, 3)
"""

from __future__ import annotations

from ._learning.nets import SimpleNet, TwoLayerNet, simpleNet

__all__ = ["SimpleNet", "TwoLayerNet", "simpleNet"]
