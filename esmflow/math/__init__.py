"""math stage of esmflow."""
