//! Shunt policies (`mode = pass|drop` children), as charon's
//! `shunt_manager.c` installs them: for each local × remote selector pair
//! of the same family and compatible protocols, out, in and fwd policies
//! that let traffic bypass IPsec (priority class pass) or drop it
//! (fallback), with no IKE involved.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use esp_install::{PolicyAction, PolicyClass, PolicyDirection, PolicySpec, Selector};
use swanctl_parser::config::{self as sw, Mode};

use crate::config::ts;
use crate::driver::Driver;
use crate::install;

/// One installed shunt.
#[derive(Clone, Debug)]
pub(crate) struct Shunt {
    /// The connection (charon's namespace of the shunt).
    pub(crate) conn: String,
    /// The child's configuration.
    pub(crate) child: sw::Child,
    policies: Vec<PolicySpec>,
}

impl Shunt {
    /// What the installer holds for it.
    pub(crate) fn into_policies(self) -> Vec<PolicySpec> {
        self.policies
    }
}

/// Whether a child is a shunt rather than a CHILD_SA to negotiate.
pub(crate) const fn is_shunt(child: &sw::Child) -> bool {
    matches!(child.mode, Mode::Pass | Mode::Drop)
}

impl Driver {
    /// Installs the shunt policies of `child` of `conn` (once; a second
    /// install succeeds without change, as in charon).
    ///
    /// # Errors
    /// If the child is not a loaded shunt.
    pub(crate) fn install_shunt(&mut self, conn: &str, child: &str) -> Result<(), String> {
        let Some(cfg) = self
            .vici
            .conns
            .iter()
            .find(|c| c.name == conn)
            .and_then(|c| c.children.iter().find(|ch| ch.name == child))
            .filter(|ch| is_shunt(ch))
            .cloned()
        else {
            return Err(format!("shunt '{child}' not found"));
        };
        if self
            .traps
            .shunts
            .iter()
            .any(|s| s.conn == conn && s.child.name == child)
        {
            tracing::info!(target: "cfg", "shunt {:?} policy '{child}' already installed", cfg.mode);
            return Ok(());
        }
        let policies = shunt_policies(&cfg);
        install::add_policy_specs(self.installer.as_mut(), &policies);
        self.traps.shunts.push(Shunt {
            conn: conn.to_owned(),
            child: cfg,
            policies,
        });
        Ok(())
    }

    /// Removes the shunt `child` (of connection `conn`, if given); whether
    /// there was one.
    pub(crate) fn uninstall_shunt(&mut self, conn: Option<&str>, child: &str) -> bool {
        let Some(at) = self
            .traps
            .shunts
            .iter()
            .position(|s| s.child.name == child && conn.is_none_or(|c| c == s.conn))
        else {
            return false;
        };
        let shunt = self.traps.shunts.remove(at);
        install::del_policy_specs(self.installer.as_mut(), &shunt.policies);
        true
    }
}

/// The policies of a shunt: `dynamic` stands for any address of either
/// family, as charon resolves it with `%any` and `%any6`.
fn shunt_policies(child: &sw::Child) -> Vec<PolicySpec> {
    let (action, class) = if child.mode == Mode::Pass {
        (PolicyAction::Pass, PolicyClass::Pass)
    } else {
        (PolicyAction::Drop, PolicyClass::Fallback)
    };
    let hosts = [
        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    ];
    let selectors = |list: &[sw::TrafficSelector]| -> Vec<Selector> {
        let specs: Vec<_> = list.iter().map(ts).collect();
        ike::ts::propose(&specs, &hosts)
            .iter()
            .filter_map(install::selector)
            .collect()
    };
    let (local, remote) = (selectors(&child.local_ts), selectors(&child.remote_ts));
    let mut out = Vec::new();
    for l in &local {
        for r in &remote {
            let compatible = l.from.is_ipv4() == r.from.is_ipv4()
                && (l.protocol == 0 || r.protocol == 0 || l.protocol == r.protocol);
            if !compatible {
                continue;
            }
            let policy = |direction, src_ts, dst_ts| PolicySpec {
                direction,
                src_ts,
                dst_ts,
                action,
                class,
                priority: (child.priority != 0).then_some(child.priority),
                mark: None,
                if_id: 0,
                interface: child.interface.clone(),
            };
            out.push(policy(PolicyDirection::Out, *l, *r));
            out.push(policy(PolicyDirection::In, *r, *l));
            out.push(policy(PolicyDirection::Fwd, *r, *l));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(text: &str) -> sw::Child {
        let conf = format!("connections {{ c {{ children {{ x {{ {text} }} }} }} }}\n");
        let tree = swanctl_parser::settings::Settings::parse_str(&conf, "swanctl.conf").unwrap();
        let (config, errors) = sw::SwanctlConfig::from_settings(&tree);
        assert!(errors.is_empty(), "{errors:?}");
        config.connections[0].children[0].clone()
    }

    #[test]
    fn pass_shunts_get_bypass_policies_in_every_direction_for_matching_families() {
        let c = child(
            "mode = pass\n local_ts = 10.1.0.0/24, fd00::/64\n remote_ts = 10.1.0.0/16, 10.9.0.0/16[tcp]",
        );
        let policies = shunt_policies(&c);
        // IPv4 × 2 remote selectors × 3 directions; fd00::/64 pairs with none
        assert_eq!(policies.len(), 6);
        assert!(
            policies
                .iter()
                .all(|p| p.action == PolicyAction::Pass && p.class == PolicyClass::Pass)
        );
        let dirs: Vec<_> = policies.iter().take(3).map(|p| p.direction).collect();
        assert_eq!(
            dirs,
            [
                PolicyDirection::Out,
                PolicyDirection::In,
                PolicyDirection::Fwd
            ]
        );
        assert_eq!(policies[0].src_ts.to_string(), "10.1.0.0..10.1.0.255");
        assert_eq!(policies[1].dst_ts.to_string(), "10.1.0.0..10.1.0.255");
    }

    #[test]
    fn drop_shunts_are_fallback_drops_and_keep_a_fixed_priority() {
        let c = child("mode = drop\n priority = 7\n remote_ts = 10.2.0.0/24");
        let policies = shunt_policies(&c);
        // dynamic local: %any (all of IPv4, as charon resolves it) pairs
        // with the IPv4 remote, %any6 with nothing
        assert_eq!(policies.len(), 3);
        assert!(policies.iter().all(|p| p.action == PolicyAction::Drop
            && p.class == PolicyClass::Fallback
            && p.priority == Some(7)));
        assert_eq!(policies[0].src_ts.to_string(), "0.0.0.0..255.255.255.255");
    }
}
