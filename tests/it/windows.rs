//! `Sampler::sample_rows`: any window of output rows is bit for bit those rows of the whole
//! draw, on the CPU and on the GPU (every plan: fused, tiled, unfused, split under tiny
//! limits), so a draw written a part at a time (the CLI's `--out`) equals the whole one.

use crate::gpu;
use crate::gpu_paths::{dist, layouts, mid, tiny};
use mvn_gpu::{key, ErrorKind, Method, Sampler};
use pollster::block_on;

/// Windows of `rows` rows: the edges, across the middle (where the GPU's fused kernel pairs
/// rows r and r + rows/2), single rows and empty ones.
fn windows(rows: usize) -> Vec<std::ops::Range<usize>> {
    let h = rows / 2;
    let mut w = vec![0..rows, 0..0, rows..rows, 0..rows.min(1), rows.saturating_sub(1)..rows, h.saturating_sub(2)..(h + 3).min(rows), 1.min(rows)..rows.saturating_sub(1).max(1.min(rows))];
    w.push(h..rows);
    w.push(0..h);
    // Consecutive parts of 7 rows: what a chunked writer asks for.
    w.extend((0..rows).step_by(7).map(|s| s..(s + 7).min(rows)));
    w
}

fn check(s: &Sampler, name: &str) {
    let mut checked = 0;
    for (i, (ms, cb, n, shape)) in layouts().into_iter().enumerate() {
        let d = dist(&ms, &cb, n, Method::Cholesky, 40 + i as u64);
        let k = key(i as u64);
        let whole = match block_on(s.sample(&d, &shape, Some(k))) {
            Ok(w) => w,
            // Factors too large for a tiny sampler's bindings: the window must fail the same way.
            Err(e) if e.kind() == ErrorKind::TooLarge => {
                let part = block_on(s.sample_rows(&d, &shape, Some(k), 0..0)).unwrap_err();
                assert_eq!(part.kind(), ErrorKind::TooLarge, "{name} layout {i}");
                continue;
            }
            Err(e) => panic!("{name} layout {i}: {e}"),
        };
        let rows = if n == 0 { whole.shape()[..whole.shape().len() - 1].iter().product() } else { whole.len() / n };
        for w in windows(rows) {
            let part = block_on(s.sample_rows(&d, &shape, Some(k), w.clone())).unwrap_or_else(|e| panic!("{name} layout {i} rows {w:?}: {e}"));
            assert_eq!(part.shape(), &[w.len(), n], "{name} layout {i} rows {w:?}");
            let want: Vec<u32> = whole.data()[w.start * n..w.end * n].iter().map(|v| v.to_bits()).collect();
            let got: Vec<u32> = part.data().iter().map(|v| v.to_bits()).collect();
            assert!(got == want, "{name} layout {i} ({ms:?}, {cb:?}, n = {n}, shape {shape:?}) rows {w:?}: not the whole draw's rows");
            checked += 1;
        }
    }
    println!("{name}: {checked} windows equal the whole draw's rows");
}

#[test]
fn windows_are_the_whole_draws_rows_on_the_cpu() {
    check(&Sampler::cpu(), "cpu");
}

#[test]
fn windows_are_the_whole_draws_rows_on_the_gpu() {
    check(gpu(), "gpu");
    // Windows split into chunks of a few rows under tiny binding limits.
    check(tiny(), "gpu, tiny limits");
    check(mid(), "gpu, 32 KiB bindings");
}

#[test]
fn a_window_outside_the_output_is_an_error() {
    let d = dist(&[3], &[], 3, Method::Cholesky, 1);
    for s in [&Sampler::cpu(), gpu()] {
        for w in [0..11, 5..3, 11..11] {
            let e = block_on(s.sample_rows(&d, &[10], Some(key(0)), w.clone())).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{w:?}: {e}");
            assert!(e.to_string().contains("not within the 10 rows"), "{w:?}: {e}");
        }
    }
}

/// `normal`, `uniform` (scalar and array bounds) and `bits` (widths 4, 2, 1): windows of
/// elements are bit for bit the whole draw's.
#[test]
fn element_windows_are_the_whole_draws_elements() {
    let low = mvn_gpu::Array::new(&[3, 1], vec![0.0, 10.0, 20.0]).unwrap();
    let high = mvn_gpu::Array::new(&[7], vec![30.0; 7]).unwrap();
    for s in [&Sampler::cpu(), gpu(), tiny()] {
        let k = Some(key(5));
        let shape = [3i64, 7];
        let whole = block_on(s.normal(&shape, 1.0, 2.0, k)).unwrap();
        let uni = block_on(s.uniform(&shape, low.clone(), high.clone(), k)).unwrap();
        let uni_s = block_on(s.uniform(&shape, 0.5f32, 2.0f32, k)).unwrap();
        for w in [0..21, 0..0, 4..8, 8..21, 20..21] {
            let part = block_on(s.normal_elements(&shape, 1.0, 2.0, k, w.clone())).unwrap();
            assert_eq!(part.shape(), &[w.len()]);
            assert_eq!(part.data(), &whole.data()[w.clone()], "normal {w:?}");
            assert_eq!(block_on(s.uniform_elements(&shape, low.clone(), high.clone(), k, w.clone())).unwrap().data(), &uni.data()[w.clone()], "uniform {w:?}");
            assert_eq!(block_on(s.uniform_elements(&shape, 0.5f32, 2.0f32, k, w.clone())).unwrap().data(), &uni_s.data()[w.clone()], "uniform {w:?}");
            for width in [4u32, 2, 1] {
                let b = block_on(s.bits_width(&shape, width, k)).unwrap();
                let w = (w.start / 4 * 4)..w.end; // narrow widths start at a whole word
                assert_eq!(block_on(s.bits_elements(&shape, width, k, w.clone())).unwrap().data(), &b.data()[w.clone()], "bits width {width} {w:?}");
            }
        }
        assert_eq!(block_on(s.bits_elements(&shape, 1, k, 3..8)).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(block_on(s.normal_elements(&shape, 0.0, 1.0, k, 0..22)).unwrap_err().kind(), ErrorKind::InvalidArgument);
    }
}
