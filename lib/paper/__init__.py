"""The paper as data: its result sentences verbatim and every number it prints, with where it is printed."""
