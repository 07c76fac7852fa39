"""Scores and statistics: metrics, bootstrap intervals and paired tests, selection, seed
ensembles, the Keras-vs-scratch comparison, the classical baselines."""
