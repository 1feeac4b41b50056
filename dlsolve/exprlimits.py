"""The limits of the expression language, in one place.

Each keeps one formula (a graph definition, an optimizer objective) from running without end or
crashing: SymPy computes 9**9**9 exactly, turns e^(2^60·log 8) into an exact integer, multiplies
out X @ X @ X on a 30×30 matrix of symbols, and reduces sin(10^(10^77)) modulo 2π digit by digit.
The input limits of a problem file (its size, nesting, aliases) are the loader's (dlsolve/load.py).
"""

# What a formula may say: refused with the column where it happens (an error, exit 2).
MAX_LENGTH = 500             # characters of one formula
MAX_DEPTH = 40               # nesting of one formula
MAX_INTEGER = 10 ** 15       # an integer constant written in a formula (write 1e20 for a float)
MAX_EXPONENT = 100           # |constant exponent| of **; a part without names must be finite in float64
MAX_SYMBOLIC_WORK = 200_000  # SymPy terms one graph formula may build
MAX_SYMBOL_ENTRIES = 400     # entries of a `symbol RxC` in graph
MAX_NAME_ENTRIES = 100       # entries of one given name in graph (each a SymPy symbol: softmax of 400 took 60 s)
MAX_PATHS = 12               # paths of one chain-rule sum in graph

# Where exact (SymPy) arithmetic stops and says what float64 says (∞, 0, NaN) instead.
EXP_LIMIT = 1e4              # |Re x| past which e^x is 0 or ∞ (and softplus x is x or 0)
PERIODIC_LIMIT = 1e100       # |x| past which sin x and cos x are NaN
POWER_BITS = 2 ** 20         # binary digits of the exponent of a power's result, past which it is ∞ or 0

# --exact: which exact values are kept for later steps.
EXACT_KEEP_BITS = 512        # a kept rational's numerator and denominator
EXACT_MAX_EXPONENT = 100     # exact powers only to whole exponents up to this
