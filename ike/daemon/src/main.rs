//! cygnetd, the Cygnet IKEv2 keying daemon.

fn main() {
    println!("cygnetd {}", env!("CARGO_PKG_VERSION"));
}
