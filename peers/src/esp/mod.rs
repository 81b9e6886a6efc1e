//! ESP security associations.
