//! Command-line interface (under construction).
