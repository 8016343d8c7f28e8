//! The text of floats in JSON, CSV and reports: the shortest decimal that reads back as the same
//! float (Rust's `Display` and `LowerExp` give those digits), in the notation of JavaScript's
//! `Number#toString`: plain for `1e-6 <= |x| < 1e21`, an exponent outside (`1e38`, `1.5e-30`;
//! no `+`). Zero is `0` and `-0` (the sign kept, unlike JavaScript). NaN and the infinities are
//! `nan`, `inf`, `-inf`: in JSON, as strings.

use std::fmt::{Display, LowerExp};
use std::io::{self, Write};

/// A float that prints as above.
pub trait Float: Copy + Display + LowerExp {
    /// Whether it prints in plain notation (the rule of messages too: `crate::numtext`).
    fn plain(self) -> bool;
    /// Whether it is NaN.
    fn is_nan(self) -> bool;
    /// Whether it is finite.
    fn is_finite(self) -> bool;
}

impl Float for f32 {
    fn plain(self) -> bool {
        crate::numtext::plain32(self)
    }
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
}

impl Float for f64 {
    fn plain(self) -> bool {
        crate::numtext::plain64(self)
    }
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
}

/// Writes `x` as text: `nan`, `inf`, `-inf` bare (CSV) or quoted (`json`), numbers as above.
pub fn write_float<T: Float>(w: &mut dyn Write, x: T, json: bool) -> io::Result<()> {
    if x.is_finite() {
        return if x.plain() { write!(w, "{x}") } else { write!(w, "{x:e}") };
    }
    let q = if json { "\"" } else { "" };
    if x.is_nan() {
        write!(w, "{q}nan{q}")
    } else {
        write!(w, "{q}{x}{q}") // "inf" / "-inf"
    }
}

/// `x` as JSON text (see [`write_float`]).
pub fn json_float<T: Float>(x: T) -> String {
    let mut s = Vec::new();
    write_float(&mut s, x, true).expect("writing to a Vec");
    String::from_utf8(s).expect("ASCII")
}
