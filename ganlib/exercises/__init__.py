"""Exercise checkers for the GAN book, one module per chapter (``ganlib.exercises.ch01``, ...).

Each ``check_xxx(answer)`` prints a success message for a right answer and raises an
``AssertionError`` whose message says *what* is wrong for a typical wrong one. Import the
chapter's module explicitly, e.g. ``from ganlib.exercises import ch03``.
"""
