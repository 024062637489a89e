"""reportag training side: labelled data, fine-tuning, evaluation, Label Studio."""
