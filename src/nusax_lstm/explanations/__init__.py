"""Why a model said what it said: attributions and gate traces per text, and their figure."""
