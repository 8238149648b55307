//! VICI protocol codec (in progress).
