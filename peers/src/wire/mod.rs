//! ISAKMP and ESP wire formats.

pub mod esp;
