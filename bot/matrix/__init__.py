"""Matrix transport (matrix-nio with E2EE). Knows nothing of casework."""
