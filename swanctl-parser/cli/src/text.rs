//! swanctl's string helpers, delegating to `swanctl_parser::config` so the
//! CLI and the typed model split lists and decode `0x`/`0s` values with the
//! same code (libstrongswan's token enumerator and chunk decoders).

/// `enumerator_create_token(value, ",", " ")`: comma-separated tokens,
/// spaces trimmed, empty tokens skipped; a token starting with `"` or `'`
/// runs to the matching quote (quotes removed, nothing trimmed).
pub(crate) fn tokens(value: &str) -> Vec<String> {
    swanctl_parser::config::split_list(value)
}

/// `chunk_from_hex`.
pub(crate) fn from_hex(hex: &[u8]) -> Vec<u8> {
    swanctl_parser::config::decode_hex(&String::from_utf8_lossy(hex))
}

/// `chunk_from_base64`.
pub(crate) fn from_base64(b64: &[u8]) -> Vec<u8> {
    swanctl_parser::config::decode_base64(&String::from_utf8_lossy(b64))
}

/// A secret or inline blob as swanctl decodes it: `0x…` hex, `0s…` base64
/// (prefixes case-insensitive), anything else verbatim.
pub(crate) fn decode_blob(value: &str) -> Vec<u8> {
    swanctl_parser::config::decode_secret(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_like_the_token_enumerator() {
        assert_eq!(tokens("a, b,c"), ["a", "b", "c"]);
        assert_eq!(tokens(" a ,, , b ,"), ["a", "b"]);
        assert_eq!(tokens(""), Vec::<String>::new());
        assert_eq!(tokens("   "), Vec::<String>::new());
        assert_eq!(tokens("10.0.0.0/8 , ::/0"), ["10.0.0.0/8", "::/0"]);
        assert_eq!(tokens("'a, b',c"), ["a, b", "c"]);
        assert_eq!(tokens("'a"), ["'a"]);
        assert_eq!(tokens("a b, c"), ["a b", "c"]);
    }

    #[test]
    fn hex_like_chunk_from_hex() {
        assert_eq!(from_hex(b"0102ab"), [1, 2, 0xab]);
        assert_eq!(from_hex(b"abc"), [0x0a, 0xbc]);
        assert_eq!(from_hex(b"01:02:0A"), [1, 2, 10]);
        assert_eq!(from_hex(b"0x12"), [0x12]);
        assert_eq!(from_hex(b"zz"), [0]);
        assert_eq!(from_hex(b""), Vec::<u8>::new());
    }

    #[test]
    fn base64_like_chunk_from_base64() {
        assert_eq!(from_base64(b"aGVsbG8="), b"hello");
        assert_eq!(from_base64(b"aGVsbG8"), b"hel");
        assert_eq!(from_base64(b"aGk="), b"hi");
        assert_eq!(from_base64(b"YQ=="), b"a");
    }

    #[test]
    fn decodes_secret_prefixes() {
        assert_eq!(decode_blob("0X0102"), [1, 2]);
        assert_eq!(decode_blob("0Sdg=="), b"v");
        assert_eq!(decode_blob("plain"), b"plain");
        assert_eq!(decode_blob("0"), b"0");
    }
}
