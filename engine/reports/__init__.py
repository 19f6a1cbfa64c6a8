"""Statistics and reports (R7): the facts each case contributes, the monthly statistics of a unit,
their Excel and PDF forms and their delivery by the policy's deadline.

* ``facts``: ``record_facts(tx, transition)`` keeps a case's row of ``case_stats`` in each transition.
* ``monthly``: ``monthly_statistics(store, policies, unit, month, now)`` → the figures (SQL only).
* ``export``: ``report_xlsx(figures, names)`` and ``report_pdf(figures, names)``.
* ``delivery``: the worker's ``monthly_report`` job and the stored versions of a unit's month.
"""
