//! Typed swanctl.conf / strongswan.conf model (in progress).
