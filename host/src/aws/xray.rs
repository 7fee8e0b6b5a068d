//! X-Ray (placeholder, filled in by the tracing change).
