//! The `.npy` format (NumPy 1.0/2.0): read for array arguments (`@FILE.npy`: C order, `<f4`,
//! `<f8`, `<i4`, `<i8`, converted to float32) and `--key @FILE.npy` (`<u4`), and written for
//! `--out FILE.npy` (`<f4`; `<u4` for keys; `|u1`, `<u2`, `<u4` for `bits`) straight from the
//! result, in chunks.
//!
//! Hand-written rather than through an .npy crate. `npyz` 0.9.1 (the maintained one) was tried:
//! - its header reader multiplies the shape unchecked (`NpyHeader::from_parts`,
//!   `shape.iter().product()`): `(4294967296, 4294967296, 4294967296)` panics with "attempt to
//!   multiply with overflow" in debug builds and the fuzz targets (a wrapped count in release),
//!   where this reader answers "shape is too large";
//! - truncated files give "failed to fill whole buffer" (and a lone `\x93NUMPY`, "magic not
//!   found for NPY file"), where the CLI's messages are "truncated header" and "data holds N
//!   bytes but shape S of T needs M" (checked by tests/it/catalogue_cli.rs);
//! - its writer spells shapes `(7, 4, 3, )`, changing the bytes of `--out FILE.npy`;
//! - it brings about 30 crates (`py_literal`, `pest`, `num-bigint`, ...) for the header dict.
//!
//! Keeping the messages would mean parsing the header here before `npyz` does, so the format's
//! small subset used here (a dict of a string, a boolean and a tuple) stays hand-parsed.

use super::values::{join_usize, Data, Values};
use crate::Array;
use std::collections::HashMap;
use std::io::{self, Write};

/// A value of the header dict.
enum PyVal {
    Str(String),
    Bool(bool),
    Tuple(Vec<u64>),
}

/// The keys of an .npy header dict, all required (as numpy requires).
const KEYS: [&str; 3] = ["descr", "fortran_order", "shape"];

/// Parses the Python dict literal of an .npy header: exactly the keys [`KEYS`], each once, and
/// after the closing `}` only the padding (spaces) and the newline that ends the header.
fn parse_header_dict(h: &str) -> Result<HashMap<String, PyVal>, String> {
    let b = h.as_bytes();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] as char).is_ascii_whitespace() {
            *i += 1;
        }
    };
    let string = |i: &mut usize| -> Result<String, String> {
        let q = b[*i];
        let start = *i + 1;
        let end = b[start..].iter().position(|&c| c == q).ok_or("unterminated string in header")? + start;
        *i = end + 1;
        Ok(h[start..end].to_string())
    };
    ws(&mut i);
    if b.get(i) != Some(&b'{') {
        return Err("header is not a dict".into());
    }
    i += 1;
    let mut out = HashMap::new();
    loop {
        ws(&mut i);
        match b.get(i) {
            Some(b'}') => break,
            Some(b'\'') | Some(b'"') => {}
            _ => return Err("malformed header dict".into()),
        }
        let k = string(&mut i)?;
        if !KEYS.contains(&k.as_str()) {
            return Err(format!("header has the unexpected key '{}'; an .npy header holds 'descr', 'fortran_order' and 'shape'", abbreviate(&k)));
        }
        ws(&mut i);
        if b.get(i) != Some(&b':') {
            return Err("malformed header dict".into());
        }
        i += 1;
        ws(&mut i);
        let val = match b.get(i) {
            Some(b'\'') | Some(b'"') => PyVal::Str(string(&mut i)?),
            Some(b'T') if h[i..].starts_with("True") => {
                i += 4;
                PyVal::Bool(true)
            }
            Some(b'F') if h[i..].starts_with("False") => {
                i += 5;
                PyVal::Bool(false)
            }
            Some(b'(') => {
                i += 1;
                let mut dims = Vec::new();
                loop {
                    ws(&mut i);
                    match b.get(i) {
                        Some(b')') => {
                            i += 1;
                            break;
                        }
                        Some(c) if c.is_ascii_digit() => {
                            let start = i;
                            while i < b.len() && b[i].is_ascii_digit() {
                                i += 1;
                            }
                            dims.push(h[start..i].parse::<u64>().map_err(|_| "shape entry out of range")?);
                            if b.get(i) == Some(&b'L') {
                                i += 1;
                            }
                            ws(&mut i);
                            match b.get(i) {
                                Some(b',') => i += 1,
                                Some(b')') => {}
                                _ => return Err("malformed shape tuple".into()),
                            }
                        }
                        _ => return Err("malformed shape tuple".into()),
                    }
                }
                PyVal::Tuple(dims)
            }
            _ => return Err(format!("unsupported value for header key '{k}'")),
        };
        if out.insert(k.clone(), val).is_some() {
            return Err(format!("header has the key '{k}' twice"));
        }
        ws(&mut i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => {}
            _ => return Err("malformed header dict".into()),
        }
    }
    let rest = &h[i + 1..];
    if let Some(at) = rest.find(|c| c != ' ' && c != '\n') {
        return Err(format!(
            "unexpected \"{}\" after the header dict; only padding spaces and the final newline may follow its '}}'",
            abbreviate(rest[at..].trim_end())
        ));
    }
    Ok(out)
}

/// `s` (Rust-escaped) cut to 24 characters, for messages about header bytes.
fn abbreviate(s: &str) -> String {
    let e: String = s.escape_debug().collect();
    if e.chars().count() <= 24 {
        e
    } else {
        format!("{}...", e.chars().take(21).collect::<String>())
    }
}

/// An .npy file read up to its data: the dtype, the shape and the bytes after the header.
struct Npy<'a> {
    descr: String,
    shape: Vec<usize>,
    count: usize,
    payload: &'a [u8],
}

impl Npy<'_> {
    /// The payload, which must hold exactly the shape's elements of `item` bytes: numpy's
    /// `np.load` would ignore bytes after them, but then the header does not describe the data.
    fn data(&self, item: usize) -> Result<&[u8], String> {
        let want = self.count.checked_mul(item).ok_or("shape is too large")?;
        let (got, descr, shape) = (self.payload.len(), &self.descr, &self.shape);
        if got < want {
            return Err(format!("data holds {got} bytes but shape {shape:?} of {descr} needs {want}"));
        }
        if got > want {
            return Err(format!("data holds {got} bytes but shape {shape:?} of {descr} needs {want}: {} bytes follow the array", got - want));
        }
        Ok(self.payload)
    }
}

/// Reads the magic, the version, the header and its dict (C order only).
fn read(bytes: &[u8]) -> Result<Npy<'_>, String> {
    if !bytes.starts_with(b"\x93NUMPY") {
        return Err("missing the \\x93NUMPY magic".into());
    }
    if bytes.len() < 10 {
        return Err("truncated header".into());
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (hlen, hstart): (usize, usize) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated header".into());
            }
            (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
        }
        _ => return Err(format!("unsupported format version {major}.{minor} (1.0 and 2.0 are supported)")),
    };
    let hend = hstart.checked_add(hlen).filter(|&e| e <= bytes.len()).ok_or("truncated header")?;
    let header = std::str::from_utf8(&bytes[hstart..hend]).map_err(|_| "header is not text")?;
    let dict = parse_header_dict(header)?;
    let descr = match dict.get("descr") {
        Some(PyVal::Str(s)) => s.clone(),
        _ => return Err("header has no 'descr' string".into()),
    };
    match dict.get("fortran_order") {
        Some(PyVal::Bool(false)) => {}
        Some(PyVal::Bool(true)) => return Err("fortran_order is True; only C-order arrays are supported (save np.ascontiguousarray(x))".into()),
        _ => return Err("header has no 'fortran_order' boolean".into()),
    }
    let shape: Vec<usize> = match dict.get("shape") {
        Some(PyVal::Tuple(d)) => d.iter().map(|&d| usize::try_from(d).map_err(|_| "shape entry out of range".to_string())).collect::<Result<_, _>>()?,
        _ => return Err("header has no 'shape' tuple".into()),
    };
    let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or("shape is too large")?;
    Ok(Npy { descr, shape, count, payload: &bytes[hend..] })
}

/// `count` values converted from the `item`-byte chunks of `payload`, allocated fallibly.
fn convert<T>(payload: &[u8], item: usize, count: usize, f: impl Fn(&[u8]) -> T) -> Result<Vec<T>, String> {
    let mut v = crate::alloc::with_capacity("npy", count).map_err(|e| format!("{e} ({})", e.code()))?;
    v.extend(payload.chunks_exact(item).map(f));
    Ok(v)
}

/// Reads an `.npy` file's bytes as float32; the error is the reason it cannot be used.
pub fn parse_npy(bytes: &[u8]) -> Result<Array, String> {
    let npy = read(bytes)?;
    let item = match npy.descr.as_str() {
        "<f4" | "<i4" => 4,
        "<f8" | "<i8" => 8,
        d if d.starts_with('>') => return Err(format!("dtype '{d}' is big-endian; only little-endian <f4, <f8, <i4, <i8 are supported")),
        d => return Err(format!("unsupported dtype '{d}'; supported: <f4, <f8, <i4, <i8")),
    };
    let payload = npy.data(item)?;
    let data: Vec<f32> = match npy.descr.as_str() {
        "<f4" => convert(payload, 4, npy.count, |c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))?,
        "<i4" => convert(payload, 4, npy.count, |c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32)?,
        "<f8" => convert(payload, 8, npy.count, |c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)?,
        _ => convert(payload, 8, npy.count, |c| i64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)?,
    };
    Array::new(npy.shape, data).map_err(|e| e.to_string())
}

/// Reads an `.npy` file of key words (`<u4`, as `--out FILE.npy` writes keys): the shape and
/// the words.
pub fn parse_npy_words(bytes: &[u8]) -> Result<(Vec<usize>, Vec<u32>), String> {
    let npy = read(bytes)?;
    if npy.descr != "<u4" {
        return Err(format!("dtype '{}' cannot hold key words: a key file holds <u4 (as `mvn-gpu key SEED --out FILE.npy` writes)", npy.descr));
    }
    let words = convert(npy.data(4)?, 4, npy.count, |c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))?;
    Ok((npy.shape, words))
}

/// The dtype of `data` in an .npy file.
pub fn descr(data: &Data) -> &'static str {
    match data {
        Data::F32(_) => "<f4",
        Data::F64(_) => "<f8",
        Data::Keys(_) | Data::Uint { width: 4, .. } => "<u4",
        Data::Uint { width: 2, .. } => "<u2",
        Data::Uint { .. } => "|u1",
    }
}

/// The magic, version and header of an .npy file of `shape` and `descr`: format 1.0 (2.0 for a
/// header over 64 KiB), C order, the header padded to 64 bytes.
pub fn header(shape: &[usize], descr: &str) -> Vec<u8> {
    let shape_txt = match shape {
        [] => "()".to_string(),
        [d] => format!("({d},)"),
        _ => format!("({})", join_usize(shape, ", ")),
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_txt}, }}");
    // Version 1.0 (2-byte header length) unless the header does not fit, then 2.0.
    let padded = |prefix: usize| format!("{dict}{}\n", " ".repeat((64 - (prefix + dict.len() + 1) % 64) % 64));
    let mut header = padded(10);
    let v1 = header.len() <= u16::MAX as usize;
    if !v1 {
        header = padded(12);
    }
    let mut out = b"\x93NUMPY".to_vec();
    if v1 {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    out
}

/// Writes `values` as an `.npy` file: the header, then the values little-endian, converted in
/// chunks of 64 KiB (the array is never copied whole).
pub fn write_npy(w: &mut dyn Write, values: &Values) -> io::Result<()> {
    w.write_all(&header(&values.shape, descr(&values.data)))?;
    write_data(w, &values.data)
}

/// Writes the values of `data` little-endian in their .npy dtype ([`descr`]).
pub fn write_data(w: &mut dyn Write, data: &Data) -> io::Result<()> {
    match data {
        Data::F32(v) => write_chunked(w, v.iter().map(|x| x.to_le_bytes())),
        Data::F64(v) => write_chunked(w, v.iter().map(|x| x.to_le_bytes())),
        Data::Keys(k) => write_chunked(w, k.iter().flat_map(|k| k.words()).map(u32::to_le_bytes)),
        Data::Uint { width: 4, values } => write_chunked(w, values.iter().map(|x| x.to_le_bytes())),
        Data::Uint { width: 2, values } => write_chunked(w, values.iter().map(|&x| (x as u16).to_le_bytes())),
        Data::Uint { values, .. } => write_chunked(w, values.iter().map(|&x| [x as u8])),
    }
}

/// Writes the byte arrays of `items` through a buffer of 64 KiB.
fn write_chunked<const N: usize>(w: &mut dyn Write, items: impl Iterator<Item = [u8; N]>) -> io::Result<()> {
    const CHUNK: usize = 1 << 16;
    let mut buf = vec![0u8; CHUNK];
    let mut len = 0;
    for b in items {
        if len + N > CHUNK {
            w.write_all(&buf[..len])?;
            len = 0;
        }
        buf[len..len + N].copy_from_slice(&b);
        len += N;
    }
    w.write_all(&buf[..len])
}
