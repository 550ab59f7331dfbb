"""Domain events: outbox relay to Kafka, consumers and versioned event schemas."""
