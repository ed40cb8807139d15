"""postprocess stage of esmflow."""
