"""How the points of a plan are evaluated: one interface (:mod:`.interface`), its
implementations (:mod:`.in_place`, :mod:`.batches`, :mod:`.workers`,
:mod:`.elementwise`, :mod:`.replayed`) on the shared loops (:mod:`.loops`,
:mod:`.batching`), and the one place that chooses among them (:mod:`.choose`).

The implementations import only the interface, the options and the loops; only
:mod:`.choose` imports the implementations.
"""
