//! Splitting the bytes of a Chrome trace into its top-level values and the events of its `traceEvents` array as
//! they arrive, without building a DOM: a resumable scanner that knows JSON's strings and brackets, and nothing
//! else. Each event's bytes are then parsed on their own ([`super::event`]); a trace cut mid-write keeps every
//! event before the cut.
//!
//! Both forms of the Chrome trace format are taken: the JSON Object Format (`{"traceEvents": [...], ...}`, what
//! Kineto writes) and the JSON Array Format (a bare `[...]` of events).

/// What the scanner found, in input order.
pub(crate) enum Item<'a> {
    /// A top-level key other than `traceEvents`, with the bytes of its value.
    Meta(&'a [u8], &'a [u8]),
    /// One element of `traceEvents` that is an object: its bytes, `{` to `}`.
    Event(&'a [u8]),
    /// An element of `traceEvents` that is not an object.
    NotAnObject,
}

/// Why the bytes are not a Chrome trace.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// The first byte is neither `{` nor `[`.
    NotJson(u8),
    /// A top-level key is not followed by `:`, or an object member does not start with a key.
    Malformed(&'static str),
}

/// Where the scanner is in the top-level structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Top {
    /// Before the first byte.
    Start,
    /// In the top-level object, before a key (or its end).
    Key,
    /// After a key, before `:`.
    Colon,
    /// After `:`, before the value.
    Value,
    /// Inside a top-level value other than the events.
    InValue,
    /// In the events array, between elements.
    Events,
    /// Inside an element of the events array.
    InEvent,
    /// After the top-level value.
    Done,
}

/// A JSON value being skipped: its bracket depth and string state.
#[derive(Debug, Default, Clone, Copy)]
struct Skip {
    depth: u32,
    in_string: bool,
    escape: bool,
    /// A primitive value (number, literal): ends at the next delimiter.
    primitive: bool,
    /// An object: only braces and quotes matter for finding its end (brackets balance inside it), so the scan
    /// jumps from one of `"{}` to the next.
    object: bool,
}

/// The resumable scanner: feed it bytes with [`Scanner::feed`], then call [`Scanner::finish`].
pub(crate) struct Scanner {
    buf: Vec<u8>,
    /// Next byte to look at in `buf`.
    pos: usize,
    /// Start of the value (or key) being read.
    mark: usize,
    top: Top,
    /// The top level is a bare array of events (JSON Array Format).
    bare_array: bool,
    skip: Skip,
    /// Key bytes of the value being read (`Top::InValue`), or of the last key.
    key: Vec<u8>,
    /// Bytes dropped from the front of `buf` so far (to tell offsets).
    consumed: u64,
    /// Whether a `traceEvents` array was seen.
    pub(crate) saw_events: bool,
    /// Top-level keys seen, and whether the object closed.
    closed: bool,
}

/// How the input ended, from [`Scanner::finish`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct End {
    /// The top-level value closed.
    pub(crate) complete: bool,
    /// Bytes of a value or event cut by the end of the input (dropped), 0 when none.
    pub(crate) cut_bytes: u64,
    /// The cut happened inside an event (else between events, or in a top-level value).
    pub(crate) cut_in_event: bool,
    /// Offset of the end of the input.
    pub(crate) total_bytes: u64,
}

impl Scanner {
    pub(crate) fn new() -> Scanner {
        Scanner { buf: Vec::new(), pos: 0, mark: 0, top: Top::Start, bare_array: false, skip: Skip::default(), key: Vec::new(), consumed: 0, saw_events: false, closed: false }
    }

    /// Scans `chunk` (the next bytes of the input), handing every complete item to `sink`.
    pub(crate) fn feed(&mut self, chunk: &[u8], sink: &mut dyn FnMut(Item<'_>)) -> Result<(), ScanError> {
        // Keep only the bytes of the value in progress.
        let keep_from = if matches!(self.top, Top::InValue | Top::InEvent | Top::Key) { self.mark } else { self.pos };
        if keep_from > 0 {
            self.buf.drain(..keep_from);
            self.consumed += keep_from as u64;
            self.pos -= keep_from;
            self.mark -= keep_from.min(self.mark);
        }
        self.buf.extend_from_slice(chunk);
        self.run(sink)
    }

    fn run(&mut self, sink: &mut dyn FnMut(Item<'_>)) -> Result<(), ScanError> {
        let n = self.buf.len();
        while self.pos < n {
            let b = self.buf[self.pos];
            match self.top {
                Top::Done => return Ok(()),
                Top::Start => {
                    if b.is_ascii_whitespace() || (self.pos == 0 && b == 0xEF) || (self.pos <= 2 && matches!(b, 0xBB | 0xBF)) {
                        // Whitespace, or a UTF-8 byte-order mark.
                        self.pos += 1;
                    } else if b == b'{' {
                        self.top = Top::Key;
                        self.pos += 1;
                        self.mark = self.pos;
                    } else if b == b'[' {
                        self.top = Top::Events;
                        self.bare_array = true;
                        self.saw_events = true;
                        self.pos += 1;
                    } else {
                        return Err(ScanError::NotJson(b));
                    }
                }
                Top::Key => {
                    if b.is_ascii_whitespace() || b == b',' {
                        self.pos += 1;
                        self.mark = self.pos;
                    } else if b == b'}' {
                        self.top = Top::Done;
                        self.closed = true;
                        self.pos += 1;
                    } else if b == b'"' {
                        // The key: up to the next unescaped quote (keys of a trace hold no escapes that matter).
                        let start = self.pos + 1;
                        let mut i = start;
                        let mut esc = false;
                        let mut end = None;
                        while i < n {
                            let c = self.buf[i];
                            if esc {
                                esc = false;
                            } else if c == b'\\' {
                                esc = true;
                            } else if c == b'"' {
                                end = Some(i);
                                break;
                            }
                            i += 1;
                        }
                        let Some(end) = end else { return Ok(()) }; // the key continues in the next chunk
                        self.key = self.buf[start..end].to_vec();
                        self.pos = end + 1;
                        self.top = Top::Colon;
                    } else {
                        return Err(ScanError::Malformed("an object member that does not start with a key"));
                    }
                }
                Top::Colon => {
                    if b.is_ascii_whitespace() {
                        self.pos += 1;
                    } else if b == b':' {
                        self.pos += 1;
                        self.top = Top::Value;
                    } else {
                        return Err(ScanError::Malformed("a key without ':'"));
                    }
                }
                Top::Value => {
                    if b.is_ascii_whitespace() {
                        self.pos += 1;
                    } else if b == b'[' && self.key == b"traceEvents" {
                        self.saw_events = true;
                        self.top = Top::Events;
                        self.pos += 1;
                    } else {
                        self.mark = self.pos;
                        self.top = Top::InValue;
                        self.skip = Skip::default();
                    }
                }
                Top::InValue => {
                    if let Some(end) = self.skip_value(n) {
                        if end == self.mark {
                            return Err(ScanError::Malformed("a value missing after ':'"));
                        }
                        let (key, value) = (std::mem::take(&mut self.key), &self.buf[self.mark..end]);
                        sink(Item::Meta(&key, value));
                        self.pos = end;
                        self.top = Top::Key;
                        self.mark = self.pos;
                    } else {
                        return Ok(());
                    }
                }
                Top::Events => {
                    if b.is_ascii_whitespace() || b == b',' {
                        self.pos += 1;
                    } else if b == b']' {
                        self.pos += 1;
                        if self.bare_array {
                            self.top = Top::Done;
                            self.closed = true;
                        } else {
                            self.top = Top::Key;
                            self.mark = self.pos;
                        }
                    } else {
                        self.mark = self.pos;
                        self.top = Top::InEvent;
                        self.skip = Skip::default();
                    }
                }
                Top::InEvent => {
                    if let Some(end) = self.skip_value(n) {
                        if end == self.mark {
                            // A '}' or ']' where an element belongs: nothing to skip, and nothing would move on.
                            return Err(ScanError::Malformed("a bracket that does not close the events array"));
                        }
                        let v = &self.buf[self.mark..end];
                        sink(if v.first() == Some(&b'{') { Item::Event(v) } else { Item::NotAnObject });
                        self.pos = end;
                        self.top = Top::Events;
                    } else {
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    }

    /// Advances over the value that starts at `self.mark`; returns the offset just past it once complete, `None`
    /// when the value continues past the bytes in hand (`self.pos` then says where to resume).
    fn skip_value(&mut self, n: usize) -> Option<usize> {
        let s = &mut self.skip;
        let buf = &self.buf;
        let mut i = self.pos;
        if i == self.mark && !s.in_string && s.depth == 0 && !s.primitive {
            match buf[i] {
                b'{' => {
                    s.depth = 1;
                    s.object = true;
                    i += 1;
                }
                b'[' => {
                    s.depth = 1;
                    i += 1;
                }
                b'"' => {
                    s.in_string = true;
                    i += 1;
                }
                _ => s.primitive = true,
            }
        }
        while i < n {
            if s.in_string {
                match memchr::memchr2(b'"', b'\\', &buf[i..n]) {
                    None => break,
                    Some(k) => {
                        i += k;
                        if buf[i] == b'\\' {
                            // Skip the escaped byte (it may be in the next chunk).
                            if i + 1 >= n {
                                s.escape = true;
                                break;
                            }
                            i += 2;
                            continue;
                        }
                        s.in_string = false;
                        i += 1;
                        if s.depth == 0 {
                            self.pos = i;
                            return Some(i);
                        }
                    }
                }
                continue;
            }
            if s.object {
                let Some(k) = memchr::memchr3(b'"', b'{', b'}', &buf[i..n]) else { break };
                i += k;
                match buf[i] {
                    b'"' => s.in_string = true,
                    b'{' => s.depth += 1,
                    _ => {
                        s.depth -= 1;
                        if s.depth == 0 {
                            self.pos = i + 1;
                            return Some(i + 1);
                        }
                    }
                }
                i += 1;
                continue;
            }
            let c = buf[i];
            if s.primitive {
                if matches!(c, b',' | b']' | b'}') || c.is_ascii_whitespace() {
                    self.pos = i;
                    return Some(i);
                }
                i += 1;
                continue;
            }
            match c {
                b'"' => s.in_string = true,
                b'{' | b'[' => s.depth += 1,
                b'}' | b']' => {
                    s.depth -= 1;
                    if s.depth == 0 {
                        self.pos = i + 1;
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        // An escape at the very end of a chunk inside a string: resume after it.
        if s.escape && s.in_string {
            s.escape = false;
            self.pos = n + 1;
            return None;
        }
        self.pos = n;
        None
    }

    /// Ends the input: says whether the top-level value closed and how many bytes of a cut value were dropped.
    pub(crate) fn finish(&mut self) -> End {
        let total_bytes = self.consumed + self.buf.len() as u64;
        // A primitive top-level value ends with the input.
        let cut_in_event = self.top == Top::InEvent;
        let cut_bytes = match self.top {
            Top::InEvent | Top::InValue | Top::Key => (self.buf.len() - self.mark.min(self.buf.len())) as u64,
            _ => 0,
        };
        End { complete: self.closed, cut_bytes, cut_in_event, total_bytes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scans `text` in chunks of `size` bytes; returns the items as strings and the end.
    fn scan(text: &str, size: usize) -> (Vec<String>, End) {
        let mut s = Scanner::new();
        let mut items = Vec::new();
        for chunk in text.as_bytes().chunks(size.max(1)) {
            s.feed(chunk, &mut |it| {
                items.push(match it {
                    Item::Meta(k, v) => format!("{}={}", String::from_utf8_lossy(k), String::from_utf8_lossy(v)),
                    Item::Event(v) => String::from_utf8_lossy(v).into_owned(),
                    Item::NotAnObject => "odd".into(),
                })
            })
            .unwrap();
        }
        (items, s.finish())
    }

    #[test]
    fn every_chunk_size_gives_the_same_items() {
        let text = r#" {"schemaVersion": 1, "deviceProperties": [{"id": 0, "name": "H\"100]"}], "traceEvents": [
            {"ph": "X", "name": "a}b", "args": {"x": [1, {"y": "\\"}]}}, 7, {"ph":"i"} ], "traceName": "t.json", "n": null} "#;
        let (want, end) = scan(text, text.len());
        assert_eq!(
            want,
            [
                "schemaVersion=1",
                r#"deviceProperties=[{"id": 0, "name": "H\"100]"}]"#,
                r#"{"ph": "X", "name": "a}b", "args": {"x": [1, {"y": "\\"}]}}"#,
                "odd",
                r#"{"ph":"i"}"#,
                r#"traceName="t.json""#,
                "n=null",
            ]
        );
        assert!(end.complete && end.cut_bytes == 0);
        for size in 1..text.len() {
            assert_eq!(scan(text, size).0, want, "chunks of {size}");
        }
    }

    #[test]
    fn a_cut_trace_keeps_its_complete_events() {
        let text = r#"{"traceEvents": [{"a": 1}, {"b": "xy"#;
        for size in [1, 3, 100] {
            let (items, end) = scan(text, size);
            assert_eq!(items, [r#"{"a": 1}"#]);
            assert_eq!(end, End { complete: false, cut_bytes: 9, cut_in_event: true, total_bytes: text.len() as u64 });
        }
    }

    #[test]
    fn a_bare_array_is_a_trace_and_other_json_is_not() {
        let (items, end) = scan(r#"[{"ph": "X"}]"#, 4);
        assert_eq!(items, [r#"{"ph": "X"}"#]);
        assert!(end.complete);
        let mut s = Scanner::new();
        assert_eq!(s.feed(b"SQLite format 3", &mut |_| {}), Err(ScanError::NotJson(b'S')));
        let mut s = Scanner::new();
        assert!(s.feed(br#"{"a" 1}"#, &mut |_| {}).is_err());
        // Found by fuzzing: a '}' inside the events array was a zero-length element, and the scan never moved on.
        for bad in [&br#"{"traceEvents": [, "x": "t"}"#[..], br#"{"traceEvents": [1, }"#, br#"{"a": }"#, br#"{"a": ,"#] {
            let mut s = Scanner::new();
            assert!(matches!(s.feed(bad, &mut |_| {}), Err(ScanError::Malformed(_))), "{}", String::from_utf8_lossy(bad));
        }
        let mut s = Scanner::new();
        s.feed(br#"{"a": {"traceEvents": []}}"#, &mut |_| {}).unwrap();
        assert!(!s.saw_events, "only a top-level traceEvents counts");
    }
}
