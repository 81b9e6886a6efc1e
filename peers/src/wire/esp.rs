//! ESP packet format (RFC 4303) and UDP encapsulation (RFC 3948).
