"""The outbox relay: moves each service's outbox onto its Kafka topic, in order, one relay at a time."""
