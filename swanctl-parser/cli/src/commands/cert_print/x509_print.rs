//! How the certificate printer shows an X.509 certificate
//! (`print_x509()`).

use std::fmt::Write as _;

use super::Spki;
use super::ext::print_cdps;
use super::fmt::{hex, oid_string, skip_zero};
use super::x509::{FLAG_NAMES, X509};

impl X509 {
    /// `print_x509()`.
    pub(crate) fn print(&self, out: &mut String, detailed: bool) {
        let _ = writeln!(out, "  serial:    {}", hex(skip_zero(&self.serial)));
        if !self.sans.is_empty() {
            let _ = writeln!(out, "  altNames:  {}", self.sans.join(", "));
        }
        if detailed {
            self.print_details(out);
        }
        if let Some(aki) = &self.auth_key_id {
            let _ = writeln!(out, "  authkeyId: {}", hex(aki));
        }
        let ski = self
            .subject_key_id
            .clone()
            .or_else(|| Spki::parse(&self.spki).map(|k| k.subject_key_id()));
        if let Some(ski) = ski {
            let _ = writeln!(out, "  subjkeyId: {}", hex(&ski));
        }
    }

    fn print_details(&self, out: &mut String) {
        if self.flags != 0 {
            out.push_str("  flags:     ");
            for (flag, name) in FLAG_NAMES {
                if self.flags & flag != 0 {
                    out.push_str(name);
                }
            }
            out.push('\n');
        }
        print_cdps(out, &self.crl_uris, "  CRL URIs:  ", "           ");
        for (i, uri) in self.ocsp_uris.iter().enumerate() {
            let head = if i == 0 {
                "  OCSP URIs: "
            } else {
                "           "
            };
            let _ = writeln!(out, "{head}{uri}");
        }
        if let Some(len) = self.pathlen {
            let _ = writeln!(out, "  pathlen:   {len}");
        }
        for (names, what) in [(&self.permitted, "permitted"), (&self.excluded, "excluded")] {
            if !names.is_empty() {
                let _ = writeln!(out, "  {what} nameConstraints:");
                for name in names {
                    let _ = writeln!(out, "           {name}");
                }
            }
        }
        if !self.policies.is_empty() {
            out.push_str("  certificatePolicies:\n");
        }
        for policy in &self.policies {
            let oid = oid_string(&policy.oid).unwrap_or_else(|| hex(&policy.oid));
            let _ = writeln!(out, "             {oid}");
            if let Some(cps) = &policy.cps {
                let _ = writeln!(out, "             CPS: {cps}");
            }
            if let Some(notice) = &policy.notice {
                let _ = writeln!(out, "             Notice: {notice}");
            }
        }
        if !self.mappings.is_empty() {
            out.push_str("  policyMappings:\n");
        }
        for (issuer, subject) in &self.mappings {
            let s = |o: &[u8]| oid_string(o).unwrap_or_else(|| "(null)".into());
            let _ = writeln!(out, "           {} => {}", s(issuer), s(subject));
        }
        let constraints = [
            (self.require_explicit, "requireExplicitPolicy"),
            (self.inhibit_mapping, "inhibitPolicyMapping"),
            (self.inhibit_any, "inhibitAnyPolicy"),
        ];
        if constraints.iter().any(|(c, _)| c.is_some()) {
            out.push_str("  policyConstraints:\n");
            for (c, name) in constraints {
                if let Some(c) = c {
                    let _ = writeln!(out, "           {name}: {c}");
                }
            }
        }
        if let Some(blocks) = &self.addr_blocks {
            let _ = writeln!(out, "  addresses: {}", blocks.join(", "));
        }
    }
}
