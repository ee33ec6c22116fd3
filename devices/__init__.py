"""Serial transport and one adapter per vendor protocol for the queue hardware. No Qt."""
