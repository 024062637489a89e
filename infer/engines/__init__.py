"""The engines that run `reportag tag`: local (this process) and Ray, with what one run shares and resuming."""
