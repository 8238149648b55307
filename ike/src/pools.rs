//! Virtual IP pools seen from the IKE core (RFC 7296 §2.19): a responder
//! whose connection names `pools` asks an [`AddressPools`] for the
//! addresses an initiator requests with CP(CFG_REQUEST); the daemon keeps
//! the pools and their leases (charon's attribute providers).

use core::fmt::Debug;
use core::net::IpAddr;

use crate::wire::Identification;

/// Hands out and takes back virtual IPs.
pub trait AddressPools: Send + Sync + Debug {
    /// An address from the first of `pools` that has one for `peer`;
    /// `requested` is the address asked for (unspecified: any address of
    /// its family). `None` if no pool has one.
    fn acquire(&self, pools: &[String], peer: &Identification, requested: IpAddr)
    -> Option<IpAddr>;

    /// Further attributes (type, value) of the pools that `vips` came from
    /// (DNS servers, subnets, ...), for the CFG_REPLY.
    fn attributes(&self, pools: &[String], vips: &[IpAddr]) -> Vec<(u16, Vec<u8>)> {
        let _ = (pools, vips);
        Vec::new()
    }

    /// `address` is no longer used by `peer` (its IKE SA is gone).
    fn release(&self, pools: &[String], peer: &Identification, address: IpAddr);
}
