//! eval (under construction).
