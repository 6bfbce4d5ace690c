"""Learning by the gradient method (section 4.5): the book's networks (:mod:`.nets`),
mini-batch training (:mod:`.training`), and data to train on (:mod:`.datasets`, with the
IDX reader of MNIST in :mod:`.idx`).

Their public paths are :mod:`gradwalk.nets`, :mod:`gradwalk.training` and
:mod:`gradwalk.datasets`.
"""
