//! Text that reaches a terminal: paths, run ids and messages echoed back to the user are made inert, so that a
//! hostile name (escape sequences, bidirectional overrides) can neither drive the terminal nor disguise itself.

/// True for characters that reorder or hide text when displayed: bidirectional embeddings, overrides and
/// isolates, directional marks, zero-width characters and the byte-order mark.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// True for a character that must not reach a terminal as it is: a control character (C0, DEL, C1) or an
/// invisible formatting one ([`is_invisible_format`]).
pub fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// `s` with every control character (C0, DEL, C1; newlines and tabs too) and every invisible formatting
/// character written as a visible escape (`\x1b`, `\n`, `\u{202e}`); everything else unchanged.
pub fn term_safe(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x100 && c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `s` made terminal-safe and put between double quotes, for messages that name a value.
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", term_safe(s))
}

/// A path made terminal-safe (lossy for bytes that are not UTF-8).
pub fn path(p: &std::path::Path) -> String {
    term_safe(&p.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_bidi_controls_are_made_visible() {
        assert_eq!(term_safe("plain/path-1.sqlite"), "plain/path-1.sqlite");
        assert_eq!(term_safe("a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
        assert_eq!(term_safe("x\u{202E}gpj.exe"), "x\\u{202e}gpj.exe");
        assert_eq!(term_safe("l1\nl2\u{9b}"), "l1\\nl2\\x9b");
        assert!(!term_safe("\u{200B}\u{FEFF}").chars().any(needs_escape));
    }
}
