"""What a study shows: figures, the summary, the NusaX table beside the paper."""
