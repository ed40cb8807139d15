"""math engine stage of esmflow."""
