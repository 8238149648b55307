//! String helpers with libstrongswan's exact semantics: the token
//! enumerator swanctl splits comma lists with, and the `0x`/`0s` decoders
//! for secrets and inline blobs.

/// `enumerator_create_token(value, ",", " ")`: comma-separated tokens,
/// spaces trimmed, empty tokens skipped; a token starting with `"` or `'`
/// runs to the matching quote (quotes removed, nothing trimmed).
pub(crate) fn tokens(value: &str) -> Vec<String> {
    split_tokens(value.as_bytes(), b",", b" ")
        .into_iter()
        .map(|t| String::from_utf8_lossy(&t).into_owned())
        .collect()
}

/// The general token enumerator on bytes.
pub(crate) fn split_tokens(s: &[u8], sep: &[u8], trim: &[u8]) -> Vec<Vec<u8>> {
    // strongSwan works on a NUL-terminated copy
    let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
    let s = &s[..end];
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        // trim leading characters/separators: per round at most one trim
        // character and then one separator
        while pos < s.len() {
            let mut advanced = false;
            if trim.contains(&s[pos]) {
                pos += 1;
                advanced = true;
            }
            if pos < s.len() && sep.contains(&s[pos]) {
                pos += 1;
                advanced = true;
            }
            if !advanced {
                break;
            }
        }
        if pos < s.len() && (s[pos] == b'"' || s[pos] == b'\'') {
            let q = s[pos];
            if let Some(close) = s[pos + 1..].iter().position(|&b| b == q) {
                out.push(s[pos + 1..pos + 1 + close].to_vec());
                pos = pos + 1 + close + 1;
                continue;
            }
        }
        let next_sep = s[pos..]
            .iter()
            .position(|b| sep.contains(b))
            .map(|i| pos + i);
        let (token_end, last) = match next_sep {
            Some(i) => (i, false),
            None => (s.len(), true),
        };
        let mut t_end = token_end;
        while t_end > pos && trim.contains(&s[t_end - 1]) {
            t_end -= 1;
        }
        if last {
            if t_end > pos {
                out.push(s[pos..t_end].to_vec());
            }
            return out;
        }
        out.push(s[pos..t_end].to_vec());
        pos = token_end + 1;
    }
}

fn hex2bin(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        b'a'..=b'f' => c - b'a' + 10,
        _ => 0,
    }
}

/// `chunk_from_hex()`: an optional further `0x`, `:` separators, odd
/// lengths padded on the left, invalid digits read as 0.
pub(crate) fn from_hex(hex: &[u8]) -> Vec<u8> {
    let hex = if hex.len() > 1 && hex[0] == b'0' && hex[1] == b'x' {
        &hex[2..]
    } else {
        hex
    };
    let colons = hex.iter().filter(|&&b| b == b':').count();
    let mut len = hex.len() - colons;
    let odd = len % 2 == 1;
    if odd {
        len += 1;
    }
    len /= 2;
    let mut buf = vec![0u8; len];
    // read backwards from the end, as strongSwan does
    let mut p = hex.len();
    let prev = |p: &mut usize| -> u8 {
        if *p == 0 {
            return 0;
        }
        *p -= 1;
        hex[*p]
    };
    for i in (0..len).rev() {
        let mut c = prev(&mut p);
        if c == b':' {
            c = prev(&mut p);
        }
        buf[i] = hex2bin(c);
        if i > 0 || !odd {
            buf[i] |= hex2bin(prev(&mut p)) << 4;
        }
    }
    buf
}

fn b642bin(c: u8) -> u8 {
    match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => 26 + c - b'a',
        b'0'..=b'9' => 52 + c - b'0',
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        b'=' => 0,
        _ => 0xff,
    }
}

/// `chunk_from_base64()`: groups of four characters (a trailing partial
/// group is ignored), each `=` shortening the output by one, invalid
/// characters decoded as all-ones bits.
pub(crate) fn from_base64(b64: &[u8]) -> Vec<u8> {
    let groups = b64.len() / 4;
    let mut out = Vec::with_capacity(groups * 3);
    let mut outlen = 0usize;
    for g in b64.chunks_exact(4).take(groups) {
        outlen += 3;
        let mut byte = [0u8; 4];
        for (j, &c) in g.iter().enumerate() {
            if c == b'=' && outlen > 0 {
                outlen -= 1;
            }
            byte[j] = b642bin(c);
        }
        out.push((byte[0] << 2) | (byte[1] >> 4));
        out.push((byte[1] << 4) | (byte[2] >> 2));
        out.push((byte[2] << 6) | byte[3]);
    }
    out.truncate(outlen);
    out
}

/// A secret or inline blob as swanctl decodes it: `0x…` hex, `0s…` base64
/// (prefixes case-insensitive), anything else verbatim.
pub(crate) fn decode_blob(value: &str) -> Vec<u8> {
    let b = value.as_bytes();
    if b.len() >= 2 && b[0] == b'0' && b[1].eq_ignore_ascii_case(&b'x') {
        from_hex(&b[2..])
    } else if b.len() >= 2 && b[0] == b'0' && b[1].eq_ignore_ascii_case(&b's') {
        from_base64(&b[2..])
    } else {
        b.to_vec()
    }
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
