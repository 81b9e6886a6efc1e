//! ISAKMP and ESP wire formats.
