"""Signals the steering sends to the domains built on top of it, which this app may not import.

`decision_recorded` is sent inside the transaction that records a decision of a meeting (`outcome_create`), once
the decision is carried out, with the arguments `outcome`, `meeting` and `by`: a receiver's writes (the evaluation's
snapshot of the diagnostic at a steering committee's decision) commit or roll back with it.
"""

from django.dispatch import Signal

decision_recorded = Signal()
