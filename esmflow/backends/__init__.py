"""backends stage of esmflow."""
