"""The Keras side and the training job: Keras models, their training, the export format's
producers and the export folder."""
