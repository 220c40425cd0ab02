"""Planning: pure functions of (graph, catalog state, as_of); never writes."""
