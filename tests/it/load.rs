//! Load on the native samplers (docs/load.md): 10,000 sequential and 1,000 concurrent small calls
//! (8 samples of n = 2) on the CPU and the GPU (lavapipe) sampler give the results of single
//! calls, while the process's resident memory stays flat. The work runs in a child process of
//! its own (this test binary, one test) so that other tests' memory does not blur the figures.
//!
//! Both samplers use 10,000 distinct keys from `split`, as the browser test does on WebGPU. (When
//! the kernels' parameters were uniforms, lavapipe inlined the key and compiled the fused kernel
//! again for each key value, keeping about 0.4 MiB each: docs/load.md.)

use mvn_gpu::{key, split_n, Array, Key, MultivariateNormal, Options, Sampler, SamplerOptions};
use pollster::block_on;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

const SEQ: usize = 10_000;
const PAR: usize = 1_000;
const MIB: f64 = 1048576.0;

/// Resident memory of this process in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    statm.split(' ').nth(1).unwrap().parse::<u64>().unwrap() * 4096
}

/// All of `futs` polled together until each is done (a minimal `join_all`).
async fn join_all<T>(futs: Vec<Pin<Box<dyn Future<Output = T> + '_>>>) -> Vec<T> {
    struct JoinAll<'a, T> {
        futs: Vec<Option<Pin<Box<dyn Future<Output = T> + 'a>>>>,
        out: Vec<Option<T>>,
    }
    impl<T> Unpin for JoinAll<'_, T> {}
    impl<T> Future for JoinAll<'_, T> {
        type Output = Vec<T>;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<T>> {
            let this = &mut *self;
            for (f, o) in this.futs.iter_mut().zip(this.out.iter_mut()) {
                if let Some(fut) = f {
                    if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                        *o = Some(v);
                        *f = None;
                    }
                }
            }
            if this.futs.iter().all(Option::is_none) {
                Poll::Ready(this.out.iter_mut().map(|o| o.take().unwrap()).collect())
            } else {
                Poll::Pending
            }
        }
    }
    let n = futs.len();
    JoinAll { futs: futs.into_iter().map(Some).collect(), out: (0..n).map(|_| None).collect() }.await
}

struct Figures {
    seq_s: f64,
    par_s: [f64; 3],
    rss: [u64; 5],
}

/// `SEQ` sequential calls then three rounds of `PAR` concurrent ones on `s`; checks every result
/// against `want` (a single call per key on another sampler) and the concurrent ones against
/// the sequential ones, exactly.
fn run(label: &str, s: &Sampler, dist: &MultivariateNormal, keys: &[Key], want: &dyn Fn(usize) -> Vec<f32>) -> Figures {
    let call = |i: usize| block_on(s.sample(dist, &[8], Some(keys[i % keys.len()]))).unwrap_or_else(|e| panic!("{label} call {i}: {e}"));
    for i in 0..200 {
        call(i);
    }
    let mut seq = vec![vec![0f32; 16]; SEQ];
    let rss0 = rss();
    let t = Instant::now();
    for (i, x) in seq.iter_mut().enumerate() {
        x.copy_from_slice(call(i).data());
    }
    let seq_s = t.elapsed().as_secs_f64();
    let rss1 = rss();
    for (i, x) in seq.iter().enumerate().step_by(SEQ / 100).chain(seq.iter().enumerate().take(keys.len())) {
        assert_eq!(*x, want(i % keys.len()), "{label}: sequential call {i} differs from a single call");
    }
    let mut par_s = [0.0; 3];
    let mut rss_par = [0; 3];
    for round in 0..3 {
        let t = Instant::now();
        let futs: Vec<Pin<Box<dyn Future<Output = mvn_gpu::Result<Array>>>>> =
            (0..PAR).map(|i| Box::pin(s.sample(dist, &[8], Some(keys[i % keys.len()]))) as Pin<Box<dyn Future<Output = _>>>).collect();
        let par = block_on(join_all(futs));
        par_s[round] = t.elapsed().as_secs_f64();
        rss_par[round] = rss();
        for (i, r) in par.into_iter().enumerate() {
            let r = r.unwrap_or_else(|e| panic!("{label}: concurrent call {i}: {e}"));
            assert_eq!(r.data(), &seq[i][..], "{label}: concurrent call {i} (round {round}) differs from the same call made alone");
        }
    }
    Figures { seq_s, par_s, rss: [rss0, rss1, rss_par[0], rss_par[1], rss_par[2]] }
}

fn dist() -> MultivariateNormal {
    MultivariateNormal::new(&Array::new([2], vec![0.5, -1.0]).unwrap(), &Array::new([2, 2], vec![1.0, 0.3, 0.3, 0.5]).unwrap(), &Options::default()).unwrap()
}

/// The load itself, in a process of its own (run by `load_native`).
#[test]
#[ignore = "run by load::load_native in a process of its own"]
fn load_native_child() {
    let d = dist();
    let keys = split_n(key(2026), SEQ as i64).unwrap();
    let report = |label: &str, f: &Figures| {
        let m = |b: u64| b as f64 / MIB;
        println!(
            "LOAD {label}: {SEQ} sequential in {:.1} s, {PAR} concurrent in {:.2} / {:.2} / {:.2} s; RSS {:.1} MiB after warm-up, {:.1} after the sequential calls, {:.1} / {:.1} / {:.1} after each concurrent round",
            f.seq_s, f.par_s[0], f.par_s[1], f.par_s[2], m(f.rss[0]), m(f.rss[1]), m(f.rss[2]), m(f.rss[3]), m(f.rss[4])
        );
        assert!(f.rss[1] < f.rss[0] + 2 * 1048576, "{label}: RSS grew {:.1} MiB over {SEQ} sequential calls", m(f.rss[1]) - m(f.rss[0]));
        // The allocator settles in the first two rounds of 1,000 pending calls; the third adds nothing.
        assert!(f.rss[4] < f.rss[3] + 1048576, "{label}: RSS grew {:.1} MiB in the third concurrent round", m(f.rss[4]) - m(f.rss[3]));
    };
    // CPU: 10,000 distinct keys; single calls by the reference directly.
    let cpu = Sampler::cpu();
    let f = run("cpu", &cpu, &d, &keys, &|i| d.sample(&[8], Some(keys[i])).unwrap().data().to_vec());
    report("cpu", &f);
    // GPU: the same 10,000 distinct keys; single calls on a fresh GPU sampler, each within 1e-5
    // of the CPU reference.
    let gpu = block_on(Sampler::gpu(&SamplerOptions::default())).expect("GPU tests need a GPU adapter (lavapipe)");
    let fresh = block_on(Sampler::gpu(&SamplerOptions::default())).unwrap();
    let single = |i: usize| {
        let k = keys[i];
        let x = block_on(fresh.sample(&d, &[8], Some(k))).unwrap().data().to_vec();
        let r = d.sample(&[8], Some(k)).unwrap();
        assert!(x.iter().zip(r.data()).all(|(a, b)| (a - b).abs() <= 1e-5), "GPU vs CPU");
        x
    };
    let f = run("gpu", &gpu, &d, &keys, &single);
    report("gpu", &f);
}

/// Runs `load_native_child` in a child process and prints its figures.
#[test]
fn load_native() {
    let exe = std::env::current_exe().unwrap();
    let t = Instant::now();
    let out = std::process::Command::new(exe)
        .args(["load::load_native_child", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .output()
        .expect("run the load child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let figures: Vec<&str> = stdout.lines().filter_map(|l| l.find("LOAD ").map(|i| &l[i..])).collect();
    for line in &figures {
        eprintln!("{line}");
    }
    assert!(out.status.success(), "load child failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(figures.len(), 2, "{stdout}");
    eprintln!("load_native: {:.1} s", t.elapsed().as_secs_f64());
}
