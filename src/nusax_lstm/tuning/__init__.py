"""The hyperparameter search (the tune rules): its space, its cross-validated objective,
its shared study and what it reports."""
