//! `proposals`, `esp_proposals` and `ah_proposals` list items: charon's
//! string handling around [`ike::proposal`], which owns the keyword table,
//! the completion rules and the `default` proposals.

pub use ike::proposal::{Proposal, default_esp_proposals, default_ike_proposals};
pub use ike::wire::iana::ProtocolId;

use super::error::ValueError;
use super::node::tokenize;
use super::value::{STR_BUF, stringify};

/// Parses a proposal list item: `default` (any case) expands to the
/// non-AEAD and then the AEAD default, as 5.9.8 does.
pub fn parse_proposal_item(protocol: ProtocolId, item: &str) -> Result<Vec<Proposal>, ValueError> {
    let item = stringify(item, STR_BUF)?;
    if item.eq_ignore_ascii_case("default") {
        return Ok(ike::proposal::defaults_for(protocol));
    }
    let tokens = tokenize(item, '-', ' ');
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    Proposal::from_keywords(protocol, &tokens)
        .map(|p| vec![p])
        .map_err(|e| ValueError::because(e.reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_case_insensitive_and_expands_to_both_defaults() {
        let v = parse_proposal_item(ProtocolId::IKE, "DEFAULT").unwrap();
        assert_eq!(v, default_ike_proposals());
    }

    #[test]
    fn refusals_carry_charons_reason() {
        let e = parse_proposal_item(ProtocolId::ESP, "aes128-foo").unwrap_err();
        assert_eq!(e.reason.as_deref(), Some("algorithm 'foo' not recognized"));
    }

    #[test]
    fn quoted_tokens_are_tokenized_like_strongswan() {
        let v = parse_proposal_item(ProtocolId::ESP, "aes128gcm16 - 'esn'").unwrap();
        assert_eq!(v[0].to_string(), "ESP:AES_GCM_16_128/EXT_SEQ");
    }
}
