//! The probe's command line.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use ike::proposal::Proposal;
use ike::wire::iana::ProtocolId;
use ike::wire::{IpRange, TrafficSelector};

use super::ProbeError;

/// How to call the probe.
pub const USAGE: &str = "usage: ike_probe LOCAL_ADDR REMOTE_ADDR IKE_PROPOSALS ESP_PROPOSALS PSK \
IDI IDR LOCAL_TS REMOTE_TS [--hold-secs N] [--timeout-ms N]
  proposals: strongSwan syntax, several separated by ',' (aes128-sha256-x25519,aes256gcm16-prfsha384-ecp384)
  IDI/IDR: FQDN identities; LOCAL_TS/REMOTE_TS: CIDR subnets (10.1.0.0/24)
  --hold-secs N: after IKE_AUTH, wait N s (or until a line on stdin) before deleting";

/// What the probe negotiates, with whom.
#[derive(Debug, Clone)]
pub struct Config {
    /// Our address (UDP 500 and 4500 are bound on it).
    pub local: IpAddr,
    /// The responder's address.
    pub remote: IpAddr,
    /// IKE proposals in preference order.
    pub ike_proposals: Vec<Proposal>,
    /// ESP proposals in preference order (KE transforms are stripped for
    /// IKE_AUTH).
    pub esp_proposals: Vec<Proposal>,
    /// The pre-shared key.
    pub psk: Vec<u8>,
    /// Our identity (ID_FQDN).
    pub id_i: String,
    /// The responder's identity (ID_FQDN).
    pub id_r: String,
    /// TSi: our side of the CHILD_SA.
    pub local_ts: TrafficSelector,
    /// TSr: the responder's side.
    pub remote_ts: TrafficSelector,
    /// Time to keep the SAs before deleting them.
    pub hold: Option<Duration>,
    /// Wait for a response this long before retransmitting.
    pub timeout: Duration,
}

impl Config {
    /// Parses the arguments (without the program name).
    ///
    /// # Errors
    /// [`ProbeError::Usage`] saying which argument is wrong.
    pub fn from_args(args: &[String]) -> Result<Self, ProbeError> {
        let mut positional = Vec::new();
        let mut hold = None;
        let mut timeout = Duration::from_millis(2000);
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--hold-secs" => hold = Some(Duration::from_secs(number(it.next(), arg)?)),
                "--timeout-ms" => timeout = Duration::from_millis(number(it.next(), arg)?),
                flag if flag.starts_with("--") => return Err(usage(format!("unknown {flag}"))),
                _ => positional.push(arg.as_str()),
            }
        }
        let [
            local,
            remote,
            ike,
            esp,
            psk,
            id_i,
            id_r,
            local_ts,
            remote_ts,
        ] = positional[..]
        else {
            return Err(usage(format!(
                "expected 9 positional arguments, got {}",
                positional.len()
            )));
        };
        Ok(Self {
            local: address(local)?,
            remote: address(remote)?,
            ike_proposals: proposals(ProtocolId::IKE, ike)?,
            esp_proposals: proposals(ProtocolId::ESP, esp)?,
            psk: psk.as_bytes().to_vec(),
            id_i: id_i.to_owned(),
            id_r: id_r.to_owned(),
            local_ts: subnet(local_ts)?,
            remote_ts: subnet(remote_ts)?,
            hold,
            timeout,
        })
    }
}

fn usage(why: String) -> ProbeError {
    ProbeError::Usage(why)
}

fn number(value: Option<&String>, flag: &str) -> Result<u64, ProbeError> {
    value
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| usage(format!("{flag} needs a number")))
}

fn address(text: &str) -> Result<IpAddr, ProbeError> {
    text.parse()
        .map_err(|_| usage(format!("'{text}' is not an IP address")))
}

fn proposals(protocol: ProtocolId, text: &str) -> Result<Vec<Proposal>, ProbeError> {
    let parsed = text
        .split(',')
        .map(|one| Proposal::parse(protocol, one.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| usage(format!("proposal '{text}': {e}")))?;
    if parsed.is_empty() {
        return Err(usage(format!("no proposal in '{text}'")));
    }
    Ok(parsed)
}

/// `10.1.0.0/24` (or a single address) as an any-protocol, any-port
/// address range.
fn subnet(text: &str) -> Result<TrafficSelector, ProbeError> {
    let bad = || usage(format!("'{text}' is not a subnet"));
    let (addr, prefix) = match text.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix.parse::<u32>().map_err(|_| bad())?)),
        None => (text, None),
    };
    match addr.parse::<IpAddr>().map_err(|_| bad())? {
        IpAddr::V4(a) => {
            let host = 32u32.checked_sub(prefix.unwrap_or(32)).ok_or_else(bad)?;
            let mask = u32::MAX.checked_shl(host).unwrap_or(0);
            let start = u32::from(a) & mask;
            let range = IpRange::any(Ipv4Addr::from(start), Ipv4Addr::from(start | !mask));
            Ok(TrafficSelector::Ipv4(range))
        }
        IpAddr::V6(a) => {
            let host = 128u32.checked_sub(prefix.unwrap_or(128)).ok_or_else(bad)?;
            let mask = u128::MAX.checked_shl(host).unwrap_or(0);
            let start = u128::from(a) & mask;
            let range = IpRange::any(Ipv6Addr::from(start), Ipv6Addr::from(start | !mask));
            Ok(TrafficSelector::Ipv6(range))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_become_address_ranges() {
        let TrafficSelector::Ipv4(r) = subnet("10.1.0.7/24").unwrap() else {
            panic!("not IPv4");
        };
        assert_eq!(
            (r.start, r.end),
            ([10, 1, 0, 0].into(), [10, 1, 0, 255].into())
        );
        let TrafficSelector::Ipv4(r) = subnet("0.0.0.0/0").unwrap() else {
            panic!("not IPv4");
        };
        assert_eq!(r.end, Ipv4Addr::BROADCAST);
        assert!(subnet("10.1.0.0/33").is_err());
        assert!(matches!(subnet("fd00::/64"), Ok(TrafficSelector::Ipv6(_))));
    }

    #[test]
    fn the_command_line_needs_nine_arguments() {
        let args: Vec<String> = [
            "192.0.2.1",
            "192.0.2.2",
            "aes128-sha256-x25519,aes256gcm16-prfsha384-ecp384",
            "aes128gcm16",
            "psk",
            "a",
            "b",
            "10.1.0.0/24",
            "10.2.0.0/24",
            "--hold-secs",
            "3",
        ]
        .map(String::from)
        .to_vec();
        let config = Config::from_args(&args).unwrap();
        assert_eq!(config.ike_proposals.len(), 2);
        assert_eq!(config.hold, Some(Duration::from_secs(3)));
        assert!(Config::from_args(&args[..8]).is_err());
    }
}
