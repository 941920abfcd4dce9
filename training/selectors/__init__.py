"""Reads with the rules in them, by area, as the services are: catalogue, bookings,
costs, my_training, no_shows, charges, registers."""
