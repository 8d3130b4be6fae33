//! Card numbers: the Luhn check, issuer (IIN) ranges and lengths, the sandbox/test cards, and a
//! scanner that finds full PANs in text, contiguous or grouped by spaces or dashes.
//!
//! A regex alone cannot tell a Luhn-invalid 16-digit id or a 13-digit epoch-millisecond timestamp
//! from a card number, so every candidate is validated here: Luhn, a real IIN range with a length
//! that brand issues, a consistent grouping, and boundaries that rule out decimals, hex, longer
//! digit runs and masked forms (`4111********1111`).

use std::ops::Range;

/// Card brands golive recognises, by IIN range and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Brand {
    /// 4, 13/16/19 digits.
    Visa,
    /// 51–55 and 2221–2720, 16 digits.
    Mastercard,
    /// 34, 37, 15 digits.
    Amex,
    /// 6011, 644–649, 65, 16–19 digits.
    Discover,
    /// 3528–3589, 16–19 digits.
    Jcb,
    /// 62, 16–19 digits.
    UnionPay,
    /// 300–305, 3095, 36, 38, 39, 14–19 digits.
    Diners,
    /// 50, 56–58, 6304, 6759, 6761–6763, 13–19 digits.
    Maestro,
}

/// Sandbox and well-known test card numbers (Exirom's own first; see
/// ../shared/exirom/test-cards.toml), plus the public test cards of the big PSPs that show up in
/// copied sample code.
pub const TEST_CARDS: &[&str] = &[
    // Exirom sandbox (API.md §15.1)
    "4111111111111111",
    "5500000000000004",
    "4000000000003220",
    "4000000000000002",
    // Widely published PSP test cards
    "4242424242424242",
    "4000056655665556",
    "5555555555554444",
    "2223003122003222",
    "5200828282828210",
    "5105105105105100",
    "378282246310005",
    "371449635398431",
    "378734493671000",
    "6011111111111117",
    "6011000990139424",
    "3056930009020004",
    "36227206271667",
    "30569309025904",
    "38520000023237",
    "3566002020360505",
    "3530111333300000",
    "6200000000000005",
    "4012888888881881",
    "4222222222222",
    "4000000000000077",
    "4000000000000069",
    "4000000000000127",
    "4000000000000119",
    "4000000000009995",
    "4000002500003155",
    "4000002760003184",
    "4000000000003063",
    "4000000000000341",
    "4005519200000004",
    "4009348888881881",
    "4012000033330026",
    "4012000077777777",
    "4217651111111119",
    "4500600000000061",
    "5424000000000015",
    "4007000000027",
    "4111111145551142",
    "5555341244441115",
    "4917610000000000",
    "6304000000000000",
];

/// Whether `digits` (ASCII digits only) passes the Luhn check.
pub fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d.wrapping_sub(b'0'));
        if v > 9 {
            return false;
        }
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// The brand whose IIN range and length `digits` fits, if any.
pub fn brand(digits: &str) -> Option<Brand> {
    let n = digits.len();
    if !(13..=19).contains(&n) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let p = |k: usize| digits[..k].parse::<u32>().unwrap_or(0);
    let b = if digits.starts_with('4') && matches!(n, 13 | 16 | 19) {
        Brand::Visa
    } else if ((51..=55).contains(&p(2)) || (2221..=2720).contains(&p(4))) && n == 16 {
        Brand::Mastercard
    } else if matches!(p(2), 34 | 37) && n == 15 {
        Brand::Amex
    } else if (p(4) == 6011 || (644..=649).contains(&p(3)) || p(2) == 65) && n >= 16 {
        Brand::Discover
    } else if (3528..=3589).contains(&p(4)) && n >= 16 {
        Brand::Jcb
    } else if p(2) == 62 && n >= 16 {
        Brand::UnionPay
    } else if ((300..=305).contains(&p(3)) || p(4) == 3095 || matches!(p(2), 36 | 38 | 39)) && n >= 14 {
        Brand::Diners
    } else if p(2) == 50 || (56..=58).contains(&p(2)) || matches!(p(4), 6304 | 6759 | 6761..=6763) {
        Brand::Maestro
    } else {
        return None;
    };
    Some(b)
}

/// Whether `digits` is a known sandbox/test card.
pub fn is_test_card(digits: &str) -> bool {
    TEST_CARDS.contains(&digits)
}

/// A validated full card number found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pan {
    /// Byte range in the scanned text, separators included.
    pub range: Range<usize>,
    /// The digits only.
    pub digits: String,
    /// Its brand.
    pub brand: Brand,
}

/// Validates the candidate at `range` of `text` (digits, possibly grouped by one kind of separator):
/// boundaries, grouping, length, IIN and Luhn. When the whole run fails, its leading groups are
/// tried (a card number followed by ` 123` or ` 12/26` in a log line).
pub fn validate(text: &str, range: Range<usize>) -> Option<Pan> {
    if let Some(p) = validate_exact(text, range.clone()) {
        return Some(p);
    }
    let cand = &text[range.clone()];
    // Ends at either separator: `4111-1111-1111-1111 12/26` is a dashed number, then an expiry.
    let mut ends: Vec<usize> = cand.bytes().enumerate().filter(|(_, b)| !b.is_ascii_digit()).map(|(i, _)| i).collect();
    ends.reverse();
    if let Some(p) = ends.iter().find_map(|e| validate_exact(text, range.start..range.start + *e)) {
        return Some(p);
    }
    // A contiguous card number after other digits of the same run (`qty 10 4539…`, a log line's
    // `12:00:00 4539…`): tried from each later group, up to 19 digits on, past the candidate's end
    // when the run was cut there.
    let b = text.as_bytes();
    cand.bytes().enumerate().filter(|(_, c)| !c.is_ascii_digit()).find_map(|(i, _)| {
        let start = range.start + i + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() && end - start < 19 {
            end += 1;
        }
        (end - start >= 13).then(|| validate_exact(text, start..end)).flatten()
    })
}

fn validate_exact(text: &str, range: Range<usize>) -> Option<Pan> {
    let bytes = text.as_bytes();
    let cand = &text[range.clone()];
    // What `brand` would reject, decided before any allocation: every issuer range starts with 2–6
    // and has 13–19 digits. Most candidates in code are epoch-ms timestamps (`17…`) and ids.
    let mut n_digits = 0;
    let mut first = None;
    for c in cand.bytes().filter(u8::is_ascii_digit) {
        first.get_or_insert(c);
        n_digits += 1;
    }
    if !matches!(first, Some(b'2'..=b'6')) || !(13..=19).contains(&n_digits) {
        return None;
    }
    // Only a grouped candidate can be the tail of a longer grouped run; a contiguous one is judged
    // the same wherever the search started (the masking net searches from every group start).
    if !boundaries_ok(bytes, range.clone(), !cand.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let sep = cand.bytes().find(|b| !b.is_ascii_digit());
    let digits: String = cand.chars().filter(char::is_ascii_digit).collect();
    if let Some(sep) = sep {
        if !matches!(sep, b' ' | b'-') || cand.bytes().any(|b| !b.is_ascii_digit() && b != sep) {
            return None;
        }
        let groups: Vec<usize> = cand.split(char::from(sep)).map(str::len).collect();
        if !grouping_ok(&groups) {
            return None;
        }
    }
    let brand = brand(&digits)?;
    if !luhn(digits.as_bytes()) {
        return None;
    }
    // A run of one repeated digit (0000000000000000) passes Luhn but is a placeholder.
    if digits.bytes().all(|b| b == digits.as_bytes()[0]) {
        return None;
    }
    Some(Pan { range, digits, brand })
}

/// Card groupings: 4-4-4-4, 4-4-4-4-3, 4-6-5 (Amex), 4-6-4 (Diners), 4-4-4-1..4, 4-3-3-3 …
fn grouping_ok(groups: &[usize]) -> bool {
    if !(3..=5).contains(&groups.len()) || groups[0] != 4 {
        return false;
    }
    let last = groups.len() - 1;
    groups.iter().enumerate().all(|(i, g)| if i == last { (1..=6).contains(g) } else { (3..=6).contains(g) })
}

/// `grouped`: the candidate uses separators, so a separator-and-digit before it makes it the tail of
/// a longer grouped run; before a contiguous number it does not.
fn boundaries_ok(bytes: &[u8], range: Range<usize>, grouped: bool) -> bool {
    let before = range.start.checked_sub(1).map(|i| bytes[i]);
    let before2 = range.start.checked_sub(2).map(|i| bytes[i]);
    let after = bytes.get(range.end).copied();
    let after2 = bytes.get(range.end + 1).copied();
    let word = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    if word(before) || word(after) {
        return false;
    }
    // Decimals (0.4111…), signs and paths/base64 (+ /), masked neighbours (****).
    if matches!(before, Some(b'.' | b'+' | b'/' | b'*' | b'\\' | b'$')) || matches!(after, Some(b'*')) {
        return false;
    }
    if after == Some(b'.') && after2.is_some_and(|b| b.is_ascii_digit()) {
        return false;
    }
    // Part of a longer grouped run (1234 5678 …): a separator followed/preceded by a digit.
    if grouped && matches!(before, Some(b' ' | b'-')) && before2.is_some_and(|b| b.is_ascii_digit()) {
        return false;
    }
    true
}

/// Whether a validated PAN is believable where it stands: 13-digit numbers (Visa and Maestro
/// issued them long ago; EAN-13 product barcodes look the same) count only where the line or the
/// three above it talk about cards (`// blocked cards` over a map of numbers).
pub fn plausible_in_context(text: &str, pan: &Pan) -> bool {
    if pan.digits.len() > 13 {
        return true;
    }
    let mut start = text[..pan.range.start].rfind('\n').map_or(0, |i| i + 1);
    for _ in 0..3 {
        start = text[..start.saturating_sub(1)].rfind('\n').map_or(0, |i| i + 1);
    }
    let end = text[pan.range.end..].find('\n').map_or(text.len(), |i| pan.range.end + i);
    let line = text[start..end].to_ascii_lowercase();
    ["card", "pan", "cc_", "ccnum", "visa", "maestro", "credit"].iter().any(|w| line.contains(w))
}

/// Whether byte `i` belongs to a run of digits with single space or dash separators.
fn in_digit_run(b: &[u8], i: usize) -> bool {
    b[i].is_ascii_digit()
        || matches!(b[i], b' ' | b'-')
            && i > 0
            && b[i - 1].is_ascii_digit()
            && b.get(i + 1).is_some_and(u8::is_ascii_digit)
}

/// Every full PAN in `text` (the masking safety net and the log-file scan use this).
///
/// A run of digits and separators may hold several card numbers (`4111…-5500…`), and
/// [`candidates`] cuts a long run into chunks of 19 digits that can split one: so the whole run of
/// each candidate is searched, from every group start, and a card number found is skipped past.
pub fn find_pans(text: &str) -> Vec<Pan> {
    let b = text.as_bytes();
    let in_run = |i: usize| in_digit_run(b, i);
    let mut out: Vec<Pan> = Vec::new();
    let mut searched_to = 0;
    for c in candidates(text) {
        if c.start < searched_to {
            continue;
        }
        let mut run_end = c.end;
        while run_end < b.len() && in_run(run_end) {
            run_end += 1;
        }
        let mut at = c.start;
        while at < run_end {
            // Up to 19 digits from `at`, within the run.
            let (mut end, mut digits) = (at, 0);
            while end < run_end && digits < 19 {
                digits += usize::from(b[end].is_ascii_digit());
                end += 1;
            }
            let found = if digits >= 13 { validate(text, at..end).filter(|p| p.range.start >= at) } else { None };
            at = match found {
                Some(p) => {
                    let next = p.range.end;
                    out.push(p);
                    next
                }
                None => at + 1,
            };
            // The next group start: a digit after a non-digit.
            while at < run_end && (!b[at].is_ascii_digit() || b[at - 1].is_ascii_digit()) {
                at += 1;
            }
        }
        searched_to = run_end;
    }
    out
}

/// Card-number candidates: runs of 13–19 digits, contiguous or with single space/dash separators
/// (the same spans the regex `[0-9](?:[ -]?[0-9]){12,18}` finds), unvalidated.
///
/// Skip-scanning: a candidate is at least 13 bytes long, so only every 13th byte needs a look
/// until one is part of a digit run; on ordinary text this reads a small fraction of the bytes.
#[allow(clippy::many_single_char_names)] // a byte scanner: b(ytes), i/j (cursors), s/e (start/end)
pub fn candidates(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let n = b.len();
    let in_run = |i: usize| in_digit_run(b, i);
    let mut out = Vec::new();
    let mut i = 12;
    while i < n {
        if !in_run(i) {
            i += 13;
            continue;
        }
        let mut s = i;
        while s > 0 && in_run(s - 1) {
            s -= 1;
        }
        let mut e = i + 1;
        while e < n && in_run(e) {
            e += 1;
        }
        chunk_run(b, s, e, &mut out);
        i = e + 13;
    }
    out
}

/// Splits the digit run `b[s..e]` into candidates of at most 19 digits, each starting at a digit
/// that follows a non-digit.
#[allow(clippy::many_single_char_names)] // a byte scanner: b(ytes), i/j (cursors), s/e (start/end)
fn chunk_run(b: &[u8], s: usize, e: usize, out: &mut Vec<Range<usize>>) {
    let mut i = s;
    while i < e {
        if !b[i].is_ascii_digit() || (i > s && b[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i;
        let mut j = i;
        let mut count = 0;
        while j < e {
            if b[j].is_ascii_digit() {
                count += 1;
                j += 1;
                end = j;
                if count == 19 {
                    break;
                }
            } else {
                j += 1;
            }
        }
        if count >= 13 {
            out.push(start..end);
        }
        i = end.max(i + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_card_is_a_valid_pan() {
        for c in TEST_CARDS {
            assert!(luhn(c.as_bytes()), "{c} fails Luhn");
            assert!(brand(c).is_some(), "{c} has no brand");
        }
    }

    #[test]
    fn finds_grouped_and_contiguous() {
        let t = "a 4111 1111 1111 1111 b 5500-0000-0000-0004 c 378282246310005 d";
        let found: Vec<String> = find_pans(t).into_iter().map(|p| p.digits).collect();
        assert_eq!(found, ["4111111111111111", "5500000000000004", "378282246310005"]);
        let log = "card=4539578763621486 123 exp 4539578763621486 12/26";
        assert_eq!(find_pans(log).len(), 2);
        let two = "4000020000000000-4000020000000000 and 00-4539578763621486-5500000000000004";
        assert_eq!(find_pans(two).len(), 4, "{two}: every card number of a run (found by fuzzing)");
        // After other digits of the same run (found by the property tests in tests/cli/bad_input.rs).
        for t in [
            "4111-1111-1111-1111 12/26",
            "qty 10 4539578763621486",
            "12:00:00 4539578763621486 charged",
            "2024 05 01 4539578763621486",
            "0 4000000000000002 ",
        ] {
            let found: Vec<String> = find_pans(t).into_iter().map(|p| p.digits).collect();
            assert_eq!(found.len(), 1, "{t}: {found:?}");
        }
    }

    #[test]
    fn near_misses_are_not_pans() {
        for t in [
            "4111********1111",
            "411111******1111",
            "4111111111111112",        // Luhn fails
            "1700000000000",           // epoch ms
            "1712345678901234",        // epoch µs
            "+1 415 555 2671",         // phone
            "9f8e4111111111111111ab",  // inside a hash
            "0.4111111111111111",      // a decimal
            "41111111111111111111111", // longer run
            "0000000000000000",        // placeholder
            "order 12345678901234567", // no IIN
            "4111-1111 1111-1111",     // mixed separators
        ] {
            assert!(find_pans(t).is_empty(), "{t}");
        }
    }

    #[test]
    fn candidates_match_the_regex() {
        let re = regex::Regex::new(r"[0-9](?:[ -]?[0-9]){12,18}").unwrap();
        let mut text = String::new();
        let mut x: u64 = 7;
        for _ in 0..4000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let c = match x % 7 {
                0 => ' ',
                1 => '-',
                2 => 'a',
                _ => char::from(b'0' + (x % 10) as u8),
            };
            text.push(c);
        }
        text.push_str(" 4111 1111 1111 1111 x 4539578763621486 y 1234567890123456789012345");
        let want: Vec<_> =
            re.find_iter(&text).map(|m| m.range()).filter(|r| text.as_bytes()[r.start].is_ascii_digit()).collect();
        let valid = |rs: &[std::ops::Range<usize>]| {
            rs.iter().filter_map(|r| validate(&text, r.clone())).map(|p| p.range).collect::<Vec<_>>()
        };
        assert_eq!(valid(&candidates(&text)), valid(&want));
    }

    #[test]
    fn brands() {
        assert_eq!(brand("4539578763621486"), Some(Brand::Visa));
        assert_eq!(brand("2221000000000009"), Some(Brand::Mastercard));
        assert_eq!(brand("6200000000000005"), Some(Brand::UnionPay));
        assert_eq!(brand("3530111333300000"), Some(Brand::Jcb));
        assert_eq!(brand("1234567890123"), None);
    }
}
