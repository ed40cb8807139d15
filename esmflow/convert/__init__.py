"""convert stage of esmflow."""
