//! Shared pieces of the fedkit benches (the benches themselves are in `benches/`).
