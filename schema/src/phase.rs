//! The NVTX ranges a capture pushes, by name: analyses find the phases by these names, and `step_{k}` marks
//! each decode step. Ranges nest per thread:
//! `s{seq}_b{batch}` (one per configuration) > `rep_{i}` (or `warmup_{i}`) > `prefill` | `decode` > `step_{k}`.

/// The NVTX domain of every range a capture pushes (nsys shows `latency_anatomy:prefill`).
pub const NVTX_DOMAIN: &str = "latency_anatomy";

/// The prompt's forward pass.
pub const PREFILL: &str = "prefill";

/// The generation loop (one `step_{k}` range per token).
pub const DECODE: &str = "decode";

/// The phases an analysis looks for unless told otherwise.
pub const DEFAULT_PHASES: [&str; 2] = [PREFILL, DECODE];

/// Name of the range of one sweep configuration, and of its files (`s128_b32`).
pub fn point_label(seq_len: u32, batch: u32) -> String {
    format!("s{seq_len}_b{batch}")
}

/// Name of the range of decode step `k` (0-based).
pub fn step_range(k: u32) -> String {
    format!("step_{k}")
}

/// Name of the range of measured rep `i` (0-based).
pub fn rep_range(i: u32) -> String {
    format!("rep_{i}")
}

/// Name of the range of unmeasured warmup run `i` (0-based).
pub fn warmup_range(i: u32) -> String {
    format!("warmup_{i}")
}

/// Phase of a range name, if it is one of `phases`: the name without its domain (`latency_anatomy:decode`),
/// case-insensitive, equal to a phase or starting with it when no letter follows (`decode_step_3`, `Decode 12`;
/// not `decoder_layer`).
pub fn phase_of(range_name: &str, phases: &[String]) -> Option<usize> {
    let base = range_name.rsplit(':').next().unwrap_or(range_name).trim().to_ascii_lowercase();
    phases.iter().position(|p| {
        let p = p.to_ascii_lowercase();
        base == p || (base.starts_with(&p) && !base[p.len()..].starts_with(|c: char| c.is_ascii_alphabetic()))
    })
}

/// The default `--step-pattern`: the decode step ranges a capture pushes (`step_0`, `step_1`, ...).
pub const DEFAULT_STEP_PATTERN: &str = "step_*";

/// A range name without its NVTX domain (`latency_anatomy:s128_b1` → `s128_b1`), as the name rules below see it.
pub fn base_name(range_name: &str) -> &str {
    range_name.rsplit(':').next().unwrap_or(range_name).trim()
}

/// What a range name marks in a capture's nesting (see the module docs), besides phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Nothing the step analysis looks at.
    #[default]
    Plain,
    /// A sweep configuration (`s{seq}_b{batch}`).
    Point,
    /// A measured run (`rep_{i}`).
    Rep,
    /// An unmeasured warmup run (`warmup_{i}`).
    Warmup,
    /// A step (matches the step pattern, by default `step_*`).
    Step,
}

/// A glob over range names without their domain (`*` any run of characters, `?` one character; ASCII case
/// ignored): what `--step-pattern` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepPattern(String);

impl Default for StepPattern {
    fn default() -> Self {
        StepPattern(DEFAULT_STEP_PATTERN.into())
    }
}

impl StepPattern {
    /// A pattern; refused when empty or when it would match every name (`*`).
    pub fn new(glob: &str) -> Result<StepPattern, String> {
        let g = glob.trim();
        if g.is_empty() {
            return Err("the step pattern is empty; give a glob such as 'step_*'".into());
        }
        if g.chars().all(|c| c == '*') {
            return Err(format!("the step pattern '{g}' matches every range; give a glob such as 'step_*'"));
        }
        Ok(StepPattern(g.to_string()))
    }

    /// The glob as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the name (its domain stripped) matches.
    pub fn matches(&self, range_name: &str) -> bool {
        glob(self.0.as_bytes(), base_name(range_name).as_bytes())
    }
}

/// The names an analysis looks for: the phases and the step pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marks {
    /// Phase names (see [`phase_of`]).
    pub phases: Vec<String>,
    /// Step ranges (see [`role_of`]).
    pub steps: StepPattern,
}

impl Default for Marks {
    fn default() -> Self {
        Marks::new(&DEFAULT_PHASES.map(String::from))
    }
}

impl Marks {
    /// `phases` with the default step pattern.
    pub fn new(phases: &[String]) -> Marks {
        Marks { phases: phases.to_vec(), steps: StepPattern::default() }
    }

    /// Phase index (at most 200 phases count) and role of a range name.
    pub fn of(&self, range_name: &str) -> (Option<u8>, Role) {
        let phase = phase_of(range_name, &self.phases).filter(|&p| p < 200).map(|p| p as u8);
        (phase, role_of(range_name, &self.steps))
    }
}

/// `*`/`?` glob match, ASCII case ignored (iterative, linear backtracking on the last `*`).
fn glob(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&s[si])) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// `prefix` followed by one or more ASCII digits and nothing else.
fn numbered<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(prefix)?;
    (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit())).then_some(rest)
}

/// The prompt length and batch digits of a point label as [`point_label`] writes it (`s128_b32` → `("128",
/// "32")`), the name compared without its domain; `None` for any other name.
pub fn point_digits(range_name: &str) -> Option<(&str, &str)> {
    let (seq, batch) = base_name(range_name).strip_prefix('s')?.split_once("_b")?;
    (numbered(seq, "").is_some() && numbered(batch, "").is_some()).then_some((seq, batch))
}

/// The role of a range name: a point (`s128_b1`), a rep (`rep_0`), a warmup (`warmup_0`), a step (matches
/// `steps`) or plain. Names are compared without their domain; points and reps exactly as [`point_label`],
/// [`rep_range`] and [`warmup_range`] write them.
pub fn role_of(range_name: &str, steps: &StepPattern) -> Role {
    let b = base_name(range_name);
    if point_digits(b).is_some() {
        return Role::Point;
    }
    if numbered(b, "rep_").is_some() {
        return Role::Rep;
    }
    if numbered(b, "warmup_").is_some() {
        return Role::Warmup;
    }
    if steps.matches(b) {
        return Role::Step;
    }
    Role::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_names() {
        let ph = vec!["prefill".to_string(), "decode".to_string()];
        assert_eq!(phase_of("latency_anatomy:prefill", &ph), Some(0));
        assert_eq!(phase_of("decode", &ph), Some(1));
        assert_eq!(phase_of("decode_step_3", &ph), Some(1));
        assert_eq!(phase_of("Decode 12", &ph), Some(1));
        assert_eq!(phase_of("decoder_layer", &ph), None);
        assert_eq!(phase_of("s128_b1", &ph), None);
    }

    #[test]
    fn roles_and_step_patterns() {
        let d = StepPattern::default();
        assert_eq!(role_of("latency_anatomy:s128_b1", &d), Role::Point);
        assert_eq!(role_of(&point_label(4096, 64), &d), Role::Point);
        assert_eq!(role_of("s128_b", &d), Role::Plain);
        assert_eq!(role_of("s_b1", &d), Role::Plain);
        assert_eq!(role_of(&rep_range(3), &d), Role::Rep);
        assert_eq!(role_of(&warmup_range(0), &d), Role::Warmup);
        assert_eq!(role_of("rep_x", &d), Role::Plain);
        assert_eq!(role_of("latency_anatomy:step_12", &d), Role::Step);
        assert_eq!(role_of(&step_range(0), &d), Role::Step);
        assert_eq!(role_of("Step_3", &d), Role::Step);
        assert_eq!(role_of("stepper", &d), Role::Plain);
        assert_eq!(role_of("prefill", &d), Role::Plain);
        let p = StepPattern::new("decode_token_?").unwrap();
        assert!(p.matches("decode_token_7") && !p.matches("decode_token_17"));
        let p = StepPattern::new("*execute_model*").unwrap();
        assert!(p.matches("vllm:gpu_execute_model_x") && !p.matches("execute"));
        assert!(StepPattern::new("").is_err() && StepPattern::new("**").is_err());
        // Backtracking over several stars.
        assert!(glob(b"a*b*c", b"axxbyybzc") && !glob(b"a*b*c", b"axxbyyb"));
    }
}
