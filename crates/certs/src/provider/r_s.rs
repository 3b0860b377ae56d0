//! `r || s` signature values (XML-DSig's form for DSA and ECDSA: RFC 3275 section 6.4.1,
//! RFC 4050) as the DER `SEQUENCE { r INTEGER, s INTEGER }` (`Dss-Sig-Value`,
//! `ECDSA-Sig-Value`) that the backends read.

/// The DER form of an `r || s` value: two equal halves of at most 64 bytes each (every DSA `q`
/// of FIPS 186 and both curves fit), integers in minimal encoding. `None` for anything that
/// cannot be one (empty, odd length, too long, a half that is zero).
pub(super) fn der_from_r_s(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) || raw.len() > 128 {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let mut body = Vec::with_capacity(raw.len() + 6);
    for half in [r, s] {
        let digits: &[u8] = match half.iter().position(|&b| b != 0) {
            Some(first) => half.get(first..)?,
            None => return None,
        };
        let pad = digits.first().is_some_and(|&b| b & 0x80 != 0);
        body.push(0x02);
        body.push(u8::try_from(digits.len() + usize::from(pad)).ok()?);
        if pad {
            body.push(0);
        }
        body.extend_from_slice(digits);
    }
    let mut der = Vec::with_capacity(body.len() + 3);
    der.push(0x30);
    let len = u8::try_from(body.len()).ok()?;
    if len >= 0x80 {
        der.push(0x81);
    }
    der.push(len);
    der.extend_from_slice(&body);
    Some(der)
}
