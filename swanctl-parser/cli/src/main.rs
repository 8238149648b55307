//! swanctl: Cygnet's drop-in replacement for strongSwan's swanctl.

fn main() {}
