"""The claim suite as a pytest plugin: its options and how they pick a world (`options.py`)."""
