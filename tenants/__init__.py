"""What each member co-op keeps privately."""
