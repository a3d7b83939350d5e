"""evconform harness: run conformance tests in isolation, compare them with
expectations, and keep one result record per (implementation, test)."""
