"""``gradwalk explore``: a local page to play with gradient descent and watch a network learn.

The page has two views. In the descent view a learner picks a test function or types a
formula, clicks a start point, drags the learning rate past the stable bound 2/λmax and
compares optimizers; in the learning view a TwoLayerNet trains on a generated 2-D dataset
while its decision boundary, loss and accuracy update. The server (Starlette on uvicorn,
the ``explore`` extra) listens on 127.0.0.1 only, and the page loads nothing from
elsewhere.

Start it with ``gradwalk explore`` (the subcommand lives with the others, in
:mod:`gradwalk.cli`, and imports the server only when it runs, so the command line works
without the extra). :mod:`._server` holds the app, :mod:`._requests` the limits on what
the page may ask, :mod:`._descent_view` and :mod:`._learning_view` each view's work.

>>> from gradwalk.explore._requests import LIMITS
>>> LIMITS.steps
10000
"""

from __future__ import annotations

__all__: list[str] = []
