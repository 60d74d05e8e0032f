"""What commands print and write: terminal tables, the status board, export files."""
