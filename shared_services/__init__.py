"""What the consortium pools."""
