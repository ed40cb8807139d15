"""Reading model definitions (YAML + CSV) and writing result files atomically."""
