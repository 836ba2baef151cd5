"""What varies by country or integration."""
