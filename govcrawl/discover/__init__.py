"""Discovery: from a portal's homepage to its annual-report column, its list pages and its reports."""
