"""preprocess stage of esmflow."""
