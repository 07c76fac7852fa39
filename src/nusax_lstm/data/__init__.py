"""NusaX-Senti: the splits, their checksums, vectorizing, cross-validation folds."""
