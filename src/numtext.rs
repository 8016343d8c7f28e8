//! Numbers in messages, with the same text natively and in wasm. The digits come from core's
//! float formatting natively and from JavaScript's `Number` methods in wasm (core's float
//! formatting would add about 8 KB to the gzipped package); the layout is shared.

/// The shortest decimal that reads back as `x`: plain for 1e-6 <= |x| < 1e21, as JavaScript
/// writes numbers, otherwise `1.5e-7`, `1e300` ([`plain64`]).
pub(crate) fn f64(x: f64) -> String {
    special(x).unwrap_or_else(|| shortest(&raw::shortest64(x), plain64(x)))
}

/// [`f64`] for a float32: the shortest decimal that reads back as the same float32.
pub(crate) fn f32(x: f32) -> String {
    special(x as f64).unwrap_or_else(|| shortest(&raw::shortest32(x), plain32(x)))
}

/// Whether `x` is written plainly (`1e-6 <= |x| < 1e21`, or zero), compared in its own type:
/// rounding is monotonic, so this compares its shortest decimal with those bounds. The CLI's
/// output follows the same rule.
pub(crate) fn plain64(x: f64) -> bool {
    let a = x.abs();
    a == 0.0 || (1e-6..1e21).contains(&a)
}

/// [`plain64`] for a float32.
pub(crate) fn plain32(x: f32) -> bool {
    let a = x.abs();
    a == 0.0 || (1e-6..1e21).contains(&a)
}

/// Six significant digits with trailing zeros dropped, as C's `%g` (and NumPy's messages):
/// `0.333333`, `1.5e-07` written `1.5e-7`.
pub(crate) fn g(x: f64) -> String {
    special(x).unwrap_or_else(|| {
        let (neg, digits, exp) = decompose(&raw::significant6(x));
        layout(neg, digits.trim_end_matches('0'), exp, (-5..6).contains(&exp))
    })
}

fn special(x: f64) -> Option<String> {
    Some(match x {
        _ if x.is_nan() => "NaN".into(),
        f64::INFINITY => "inf".into(),
        f64::NEG_INFINITY => "-inf".into(),
        _ if x == 0.0 => if x.is_sign_negative() { "-0" } else { "0" }.into(),
        _ => return None,
    })
}

fn shortest(text: &str, plain: bool) -> String {
    let (neg, digits, exp) = decompose(text);
    layout(neg, digits.trim_end_matches('0'), exp, plain)
}

/// A decimal in any of the forms `-12.5`, `0.0015`, `1.25e-3`, `1.25e+3` as its sign, its
/// significant digits and the power of ten of the first one.
fn decompose(s: &str) -> (bool, String, i32) {
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (mantissa, exp) = s.split_once(['e', 'E']).map_or((s, 0), |(m, e)| (m, e.trim_start_matches('+').parse().unwrap_or(0)));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = format!("{int}{frac}");
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all[lead..].to_string();
    (neg, digits, exp + int.len() as i32 - 1 - lead as i32)
}

fn layout(neg: bool, digits: &str, exp: i32, plain: bool) -> String {
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if neg { "-" } else { "" };
    if !plain {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        return format!("{sign}{first}{dot}{rest}e{exp}");
    }
    let n = digits.len() as i32;
    if exp < 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else if exp + 1 >= n {
        format!("{sign}{digits}{}", "0".repeat((exp + 1 - n) as usize))
    } else {
        let (a, b) = digits.split_at((exp + 1) as usize);
        format!("{sign}{a}.{b}")
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod raw {
    pub(super) fn shortest64(x: f64) -> String {
        format!("{x:e}")
    }
    pub(super) fn shortest32(x: f32) -> String {
        format!("{x:e}")
    }
    pub(super) fn significant6(x: f64) -> String {
        format!("{x:.5e}")
    }
}

#[cfg(target_arch = "wasm32")]
mod raw {
    use js_sys::Number;

    fn precision(x: f64, p: u8) -> String {
        Number::from(x).to_precision(p).map(String::from).unwrap_or_default()
    }
    pub(super) fn shortest64(x: f64) -> String {
        Number::from(x).to_string_with_radix(10).map(String::from).unwrap_or_default()
    }
    /// The fewest digits (at most 9, which always suffice) that read back as `x`.
    pub(super) fn shortest32(x: f32) -> String {
        (1..=9).map(|p| precision(x as f64, p)).find(|s| js_sys::parse_float(s) as f32 == x).unwrap_or_else(|| precision(x as f64, 9))
    }
    pub(super) fn significant6(x: f64) -> String {
        precision(x, 6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"), (-12.5, "-12.5"), (0.0015, "0.0015"), (1e-6, "0.000001"), (1.5e-7, "1.5e-7"),
            (1e20, "100000000000000000000"), (1e21, "1e21"), (1e300, "1e300"), (123456789.0, "123456789"),
            (f64::NAN, "NaN"), (f64::NEG_INFINITY, "-inf"), (-0.0, "-0"),
        ];
        for &(x, want) in cases {
            assert_eq!(super::f64(x), want, "{x:?}");
        }
        assert_eq!(super::f32(f32::MAX), "3.4028235e38");
        assert_eq!(super::f32(0.1), "0.1");
        assert_eq!(super::f32(f32::MIN_POSITIVE), "1.1754944e-38");
        for &(x, want) in &[(1.0 / 3.0, "0.333333"), (1.5e-7, "1.5e-7"), (123456.7, "123457"), (1234567.0, "1.23457e6"), (1e-5, "0.00001"), (-2.5, "-2.5"), (9.9999996, "10")] {
            assert_eq!(g(x), want, "{x:?}");
        }
    }
}
