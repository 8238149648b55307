//! The `Installer` interface for CHILD_SAs and its backends (XFRM, userspace
//! ESP, recording).
