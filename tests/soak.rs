//! The 1 GB streaming test.
