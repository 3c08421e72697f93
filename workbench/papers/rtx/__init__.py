"""Open X-Embodiment / RT-X (arXiv 2310.08864) at CPU scale: a multi-robot mixture of simulated arms."""
