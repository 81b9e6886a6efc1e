//! The virtual network (see issue "In-process virtual network"); not built yet.
