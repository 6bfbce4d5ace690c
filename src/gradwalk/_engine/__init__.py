"""The difference engine: from f and x to a gradient (or Jacobian rows) with an error
estimate and a status per element.

Inputs (:mod:`.inputs`), the step rules (:mod:`.steps`), the methods (:mod:`.methods`:
one record per method) and their plans (:mod:`.single_difference`, :mod:`.stencil`,
:mod:`.richardson`, :mod:`.bounded_richardson`, :mod:`.complex_step`, with the ladder
of :mod:`.ladder` and :mod:`.first_step`), the evaluators (:mod:`.evaluators`), the
driver (:mod:`.driver`) and what f's values say of each element (:mod:`.status_codes`,
:mod:`.rounding`, :mod:`.status`, :mod:`.singular`, :mod:`.status_warnings`,
:mod:`.ignored_input`). The public functions built on it are in
:mod:`gradwalk._derivatives`; nothing here imports from above.
"""
