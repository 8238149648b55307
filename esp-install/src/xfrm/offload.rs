//! Which offload modes to try for an SA (strongswan.md §4; strongSwan
//! 6.x's `add_hw_offload`, with `crypto` and `packet` told apart).
//!
//! Crypto offload is learned by trying, not by probing ethtool features:
//! the kernel falls back to software without an error when the device has
//! no `xfrmdev_ops` (net/xfrm/xfrm_device.c `xfrm_dev_state_add`), so an
//! SA installed with crypto offload is read back, and offload counts only
//! if the kernel kept `XFRMA_OFFLOAD_DEV`.

use crate::{HwOffload, InstallError, OffloadMode};

use super::link::Interface;

/// The modes to try in order, for an SA wanting `wanted` on `dev` (the
/// interface owning its local address, `None` if none does).
///
/// # Errors
/// [`InstallError::Offload`] if offload is required and there is no
/// interface.
pub(crate) fn attempts(
    wanted: HwOffload,
    byte_limits: bool,
    dev: Option<&Interface>,
) -> Result<Vec<OffloadMode>, InstallError> {
    let required = |mode: OffloadMode| match dev {
        Some(_) => Ok(vec![mode]),
        None => Err(InstallError::Offload {
            interface: None,
            reason: "no interface owns the SA's local address".into(),
        }),
    };
    match wanted {
        HwOffload::No => Ok(vec![OffloadMode::None]),
        HwOffload::Crypto => required(OffloadMode::Crypto),
        HwOffload::Packet => required(OffloadMode::Packet),
        HwOffload::Auto if dev.is_none() => Ok(vec![OffloadMode::None]),
        // the NIC cannot count bytes: crypto offload lets the kernel count
        HwOffload::Auto if byte_limits => Ok(vec![OffloadMode::Crypto, OffloadMode::None]),
        HwOffload::Auto => Ok(vec![
            OffloadMode::Packet,
            OffloadMode::Crypto,
            OffloadMode::None,
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn veth() -> Interface {
        Interface {
            index: 4,
            name: "veth0".into(),
        }
    }

    #[test]
    fn auto_tries_packet_then_crypto_then_software() {
        let modes = attempts(HwOffload::Auto, false, Some(&veth())).unwrap();
        assert_eq!(
            modes,
            [OffloadMode::Packet, OffloadMode::Crypto, OffloadMode::None]
        );
    }

    #[test]
    fn auto_skips_packet_offload_when_bytes_must_be_counted() {
        let modes = attempts(HwOffload::Auto, true, Some(&veth())).unwrap();
        assert_eq!(modes, [OffloadMode::Crypto, OffloadMode::None]);
    }

    #[test]
    fn auto_without_an_interface_installs_in_software() {
        let modes = attempts(HwOffload::Auto, false, None).unwrap();
        assert_eq!(modes, [OffloadMode::None]);
    }

    #[test]
    fn required_offload_without_an_interface_is_an_offload_error() {
        for wanted in [HwOffload::Crypto, HwOffload::Packet] {
            let err = attempts(wanted, false, None).unwrap_err();
            assert!(
                matches!(
                    err,
                    InstallError::Offload {
                        interface: None,
                        ..
                    }
                ),
                "{err}"
            );
        }
    }
}
