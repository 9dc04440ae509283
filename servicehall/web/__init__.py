"""HTTP surface: the GraphQL pipeline, middleware and health probes."""
