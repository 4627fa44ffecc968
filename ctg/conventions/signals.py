"""Signals the conventions send to the domains built on top of them, which this app may not import.

`convention_signed` is sent inside the transaction that records the signature (`convention_sign`), with the
arguments `convention` and `by`: a receiver's writes (the evaluation's snapshot of the diagnostic) commit or roll
back with it. A convention recorded as already signed when it is created sends nothing: it was signed before the
platform knew it, and what depends on the signature is rebuilt after the fact by whoever needs it.
"""

from django.dispatch import Signal

convention_signed = Signal()
