"""dlsolve: worked, step-by-step solutions of deep-learning exam numericals.

Kept import-light on purpose: `dlsolve --help` must not pull in NumPy or SymPy.
"""

__version__ = "0.1.0"
