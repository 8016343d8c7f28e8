//! The commands: for each, its argument parser (`*_args`, which checks everything that can be
//! checked before a backend starts, in the order errors are reported) and its run (parse,
//! start the backend, draw, write). The fuzz harness runs the same parsers and draws on the CPU.

use super::args::{key_of, parse_backend, parse_dtype, parse_f32, parse_seed, parse_shape, parse_width, with_random_flags, BackendChoice, Flags};
use super::input::{Inputs, ReadAll};
use super::output::{parse_out, report_json, to_stderr, Out};
use super::dist::{parse_dist, Dist, COV_OPTION_FLAGS, SPREAD_FLAGS};
use super::stream::{emit, write_parts};
use super::values::{Data, Values};
use super::{fail, flag_err, help, CliError, CliResult};
use crate::{key, split, split_n, Array, Key, Method, MultivariateNormal, Options, Sampler, SamplerOptions};

/// A command of `mvn-gpu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `sample`: multivariate normal samples.
    Sample,
    /// `normal`: normal samples.
    Normal,
    /// `uniform`: uniform samples.
    Uniform,
    /// `bits`: random unsigned integers.
    Bits,
    /// `key`: the key of a seed.
    Key,
    /// `split`: split a key.
    Split,
    /// `log-prob`: log-densities.
    LogProb,
    /// `condition`: the conditional distribution given some coordinates.
    Condition,
}

impl Command {
    /// The commands' names, for messages.
    pub const NAMES: &'static str = "sample, normal, uniform, bits, key, split, log-prob, condition";

    /// The command called `name`.
    pub fn from_name(name: &str) -> Option<Command> {
        Some(match name {
            "sample" => Command::Sample,
            "normal" => Command::Normal,
            "uniform" => Command::Uniform,
            "bits" => Command::Bits,
            "key" => Command::Key,
            "split" => Command::Split,
            "log-prob" => Command::LogProb,
            "condition" => Command::Condition,
            _ => return None,
        })
    }

    /// Its help text.
    pub fn help(self) -> &'static str {
        match self {
            Command::Sample => help::SAMPLE_HELP,
            Command::Normal => help::NORMAL_HELP,
            Command::Uniform => help::UNIFORM_HELP,
            Command::Bits => help::BITS_HELP,
            Command::Key => help::KEY_HELP,
            Command::Split => help::SPLIT_HELP,
            Command::LogProb => help::LOG_PROB_HELP,
            Command::Condition => help::CONDITION_HELP,
        }
    }

    /// Runs it with `args` (the arguments after its name).
    pub fn run(self, args: &[String]) -> CliResult<()> {
        match self {
            Command::Sample => sample(args),
            Command::Normal => normal(args),
            Command::Uniform => uniform(args),
            Command::Bits => bits(args),
            Command::Key => key_command(args),
            Command::Split => split_command(args),
            Command::LogProb => log_prob(args),
            Command::Condition => condition(args),
        }
    }
}

/// `key SEED`: (where to write, the seed).
pub fn key_args(args: &[String]) -> CliResult<(Out, u64)> {
    let f = Flags::parse("key", args, &["--out"], &[], 1)?;
    let out = parse_out(&f)?;
    let Some(s) = f.positionals.first() else {
        return fail("key: missing SEED (usage: mvn-gpu key SEED)");
    };
    Ok((out, parse_seed("key: SEED", s)?))
}

/// The result of `key SEED`: shape `[2]`.
pub fn key_values(seed: u64) -> Values {
    Values::keys(&[2], vec![key(seed)])
}

fn key_command(args: &[String]) -> CliResult<()> {
    let (out, seed) = key_args(args)?;
    emit(&out, &key_values(seed))
}

/// `split`'s arguments: (where to write, the key, `--num`).
pub fn split_args(args: &[String], inputs: &dyn Inputs) -> CliResult<(Out, Key, Option<i64>)> {
    let f = Flags::parse("split", args, &["--key", "--seed", "--num", "--out"], &[], 0)?;
    let out = parse_out(&f)?;
    let Some(k) = key_of(&f, inputs)? else {
        return fail("split: missing --key K0,K1 (or --seed S): the key to split");
    };
    let num = f.get("--num").map(|n| n.trim().parse::<i64>().map_err(|_| CliError::new(format!("--num: expected an integer, got '{n}'")))).transpose()?;
    Ok((out, k, num))
}

/// The result of `split`: MLX's `split(key)` pair (shape `[2, 2]`) without `num`,
/// `split(key, num)` (shape `[num, 2]`) with it.
pub fn split_values(k: Key, num: Option<i64>) -> CliResult<Values> {
    Ok(match num {
        None => {
            let (a, b) = split(k);
            Values::keys(&[2, 2], vec![a, b])
        }
        Some(num) => {
            let keys = split_n(k, num)?;
            Values::keys(&[keys.len(), 2], keys)
        }
    })
}

fn split_command(args: &[String]) -> CliResult<()> {
    let (out, k, num) = split_args(args, &ReadAll)?;
    emit(&out, &split_values(k, num)?)
}

/// What the random commands share: where to write, the backend, the shape and the key.
#[derive(Debug, Clone)]
pub struct Common {
    /// `--out`.
    pub out: Out,
    /// `--backend`.
    pub backend: BackendChoice,
    /// `--shape`.
    pub shape: Vec<i64>,
    /// `--key` or `--seed`; `None` for MLX's default sequence.
    pub key: Option<Key>,
    /// `--chunk-values` (`normal`, `uniform`, `bits`): values drawn and written at a time.
    pub chunk_values: Option<usize>,
}

/// `--chunk-values V` (or `--chunk-rows R`, `flag`): a positive integer.
fn parse_chunk(f: &Flags, flag: &str) -> CliResult<Option<usize>> {
    f.get(flag)
        .map(|s| match s.trim().parse::<usize>() {
            Ok(r) if r > 0 => Ok(r),
            _ => fail(format!("{flag}: expected a positive integer, got '{s}'")),
        })
        .transpose()
}

/// The parsed arguments of `normal`.
#[derive(Debug, Clone)]
pub struct NormalArgs {
    /// Output, backend, shape, key.
    pub common: Common,
    /// `--loc`.
    pub loc: f32,
    /// `--scale`.
    pub scale: f32,
}

impl NormalArgs {
    /// Draws the samples with `sampler`.
    pub fn draw(&self, sampler: &Sampler) -> CliResult<Array> {
        Ok(pollster::block_on(sampler.normal(&self.common.shape, self.loc, self.scale, self.common.key))?)
    }
}

/// `normal`'s arguments, checked in the order the errors are reported.
pub fn normal_args(args: &[String], inputs: &dyn Inputs) -> CliResult<NormalArgs> {
    let f = Flags::parse("normal", args, &with_random_flags(&["--loc", "--scale", "--chunk-values"]), &[], 0)?;
    let out = parse_out(&f)?;
    let shape = parse_shape(f.get("--shape").unwrap_or("[]"))?;
    let loc = f.get("--loc").map(|s| parse_f32("--loc", s)).transpose()?.unwrap_or(0.0);
    let scale = f.get("--scale").map(|s| parse_f32("--scale", s)).transpose()?.unwrap_or(1.0);
    let key = key_of(&f, inputs)?;
    parse_dtype(&f)?.require_float32("normal")?;
    let backend = parse_backend(&f)?;
    Ok(NormalArgs { common: Common { out, backend, shape, key, chunk_values: parse_chunk(&f, "--chunk-values")? }, loc, scale })
}

/// The parsed arguments of `uniform`.
#[derive(Debug, Clone)]
pub struct UniformArgs {
    /// Output, backend, shape, key.
    pub common: Common,
    /// `--low`.
    pub low: Array,
    /// `--high`.
    pub high: Array,
}

impl UniformArgs {
    /// Draws the samples with `sampler` (the bounds move into the sampler).
    pub fn draw(self, sampler: &Sampler) -> CliResult<Array> {
        Ok(pollster::block_on(sampler.uniform(&self.common.shape, self.low, self.high, self.common.key))?)
    }
}

/// `uniform`'s arguments, or `None` when `inputs` skipped an array.
pub fn uniform_args(args: &[String], inputs: &dyn Inputs) -> CliResult<Option<UniformArgs>> {
    let f = Flags::parse("uniform", args, &with_random_flags(&["--low", "--high", "--chunk-values"]), &[], 0)?;
    let out = parse_out(&f)?;
    let shape = parse_shape(f.get("--shape").unwrap_or("[]"))?;
    let low = f.get("--low").map(|s| inputs.array("--low", s)).transpose()?.unwrap_or(Some(Array::scalar(0.0)));
    let high = f.get("--high").map(|s| inputs.array("--high", s)).transpose()?.unwrap_or(Some(Array::scalar(1.0)));
    let key = key_of(&f, inputs)?;
    parse_dtype(&f)?.require_float32("uniform")?;
    let backend = parse_backend(&f)?;
    let chunk_values = parse_chunk(&f, "--chunk-values")?;
    Ok(low.zip(high).map(|(low, high)| UniformArgs { common: Common { out, backend, shape, key, chunk_values }, low, high }))
}

/// The parsed arguments of `bits`.
#[derive(Debug, Clone)]
pub struct BitsArgs {
    /// Output, backend, shape, key.
    pub common: Common,
    /// `--width`: bytes per element (1, 2 or 4).
    pub width: u32,
}

impl BitsArgs {
    /// Draws the integers with `sampler`.
    pub fn draw(&self, sampler: &Sampler) -> CliResult<Values> {
        let a = pollster::block_on(sampler.bits_width(&self.common.shape, self.width, self.common.key))?;
        Ok(Values::bits(a, self.width))
    }
}

/// `bits`'s arguments, checked in the order the errors are reported.
pub fn bits_args(args: &[String], inputs: &dyn Inputs) -> CliResult<BitsArgs> {
    let f = Flags::parse("bits", args, &["--shape", "--width", "--key", "--seed", "--backend", "--out", "--chunk-values"], &[], 0)?;
    let out = parse_out(&f)?;
    let shape = parse_shape(f.get("--shape").unwrap_or("[]"))?;
    let width = parse_width(&f)?;
    let key = key_of(&f, inputs)?;
    let backend = parse_backend(&f)?;
    Ok(BitsArgs { common: Common { out, backend, shape, key, chunk_values: parse_chunk(&f, "--chunk-values")? }, width })
}

/// The parsed arguments of `sample`, its distribution factored.
pub struct SampleArgs {
    /// Output, backend, shape, key.
    pub common: Common,
    /// The distribution of `--mean` and its covariance flags.
    pub dist: Dist,
    /// Whether `--report` was given.
    pub report: bool,
    /// `--chunk-rows`: rows drawn and written at a time.
    pub chunk_rows: Option<usize>,
}

/// Floats a part of a streamed result holds by default (16 MiB of float32): the memory a draw
/// of any size needs beyond its inputs.
pub const CHUNK_VALUES: usize = 1 << 22;

impl SampleArgs {
    /// Draws the samples with `sampler` (all at once).
    pub fn draw(&self, sampler: &Sampler) -> CliResult<Array> {
        let shape = self.dist.output_shape(&self.common.shape)?;
        let rows = shape[..shape.len() - 1].iter().product();
        let (_, data) = self.dist.draw_rows(sampler, &self.common.shape, self.common.key, 0..rows)?.into_parts();
        Ok(Array::new(shape, data)?)
    }
}

/// `sample`'s arguments and its distribution (factored here), or `None` when `inputs` skipped an
/// array.
pub fn sample_args(args: &[String], inputs: &dyn Inputs) -> CliResult<Option<SampleArgs>> {
    let mut flags = with_random_flags(&["--mean", "--chunk-rows"]);
    flags.extend(SPREAD_FLAGS.iter().chain(&COV_OPTION_FLAGS));
    let f = Flags::parse("sample", args, &flags, &["--report"], 0)?;
    let out = parse_out(&f)?;
    let backend = parse_backend(&f)?;
    let shape = parse_shape(f.get("--shape").unwrap_or("[]"))?;
    let key = key_of(&f, inputs)?;
    let dtype = parse_dtype(&f)?;
    let chunk_rows = parse_chunk(&f, "--chunk-rows")?;
    let Some(dist) = parse_dist("sample", &f, inputs, dtype)? else { return Ok(None) };
    Ok(Some(SampleArgs { common: Common { out, backend, shape, key, chunk_values: None }, dist, report: f.has("--report"), chunk_rows }))
}

/// The parsed arguments of `log-prob`.
pub struct LogProbArgs {
    /// `--out`.
    pub out: Out,
    /// The distribution of `--mean` and its covariance flags.
    pub dist: Dist,
    /// `--x`: its shape and float64 values.
    pub x: (Vec<usize>, Vec<f64>),
    /// `--allow-singular`.
    pub allow_singular: bool,
}

impl LogProbArgs {
    /// The log-densities, in float64 (computed on the CPU whatever `--backend` says).
    pub fn evaluate(&self) -> CliResult<Values> {
        let lp = self.dist.log_prob(&self.x.0, &self.x.1, self.allow_singular)?;
        Ok(Values { shape: lp.shape, data: Data::F64(lp.data) })
    }
}

/// `log-prob`'s arguments: the distribution (factored here) and the points, or `None` when
/// `inputs` skipped an array.
pub fn log_prob_args(args: &[String], inputs: &dyn Inputs) -> CliResult<Option<LogProbArgs>> {
    let mut flags = vec!["--mean", "--x", "--backend", "--out"];
    flags.extend(SPREAD_FLAGS.iter().chain(&COV_OPTION_FLAGS));
    let f = Flags::parse("log-prob", args, &flags, &["--allow-singular"], 0)?;
    let out = parse_out(&f)?;
    parse_backend(&f)?;
    let x_arg = f.require("--x")?;
    let Some(dist) = parse_dist("log-prob", &f, inputs, Default::default())? else { return Ok(None) };
    let x = super::input::read_array64("--x", x_arg)?;
    Ok(Some(LogProbArgs { out, dist, x, allow_singular: f.has("--allow-singular") }))
}

fn log_prob(args: &[String]) -> CliResult<()> {
    let Some(a) = log_prob_args(args, &ReadAll)? else { return Ok(()) };
    emit(&a.out, &a.evaluate()?)
}

/// `condition`'s arguments: the conditional distribution, and where it goes (stdout or a
/// `.json` file), or `None` when `inputs` skipped an array.
pub fn condition_args(args: &[String], inputs: &dyn Inputs) -> CliResult<Option<(Out, MultivariateNormal)>> {
    let f = Flags::parse("condition", args, &["--mean", "--cov", "--indices", "--values", "--method", "--out"], &[], 0)?;
    let out = parse_out(&f)?;
    if matches!(out, Out::Npy(_) | Out::Csv(_)) {
        return fail("condition: --out must be a .json file (the result is two arrays: mean and cov)");
    }
    let method = f.get("--method").map(|s| s.parse::<Method>().map_err(|e| flag_err("--method", e))).transpose()?;
    let (mean_arg, cov_arg) = (f.require("--mean")?, f.require("--cov")?);
    let indices = parse_shape(f.require("--indices")?).map_err(|e| CliError::new(format!("--indices: {}", e.message())))?;
    let indices: Vec<usize> = indices.into_iter().map(|i| usize::try_from(i).map_err(|_| CliError::new(format!("--indices: {i} is not a coordinate")))).collect::<CliResult<_>>()?;
    let values = super::input::read_array64("--values", f.require("--values")?)?;
    let (Some(mean), Some(cov)) = (inputs.array("--mean", mean_arg)?, inputs.array("--cov", cov_arg)?) else { return Ok(None) };
    let dist = MultivariateNormal::new(&mean, &cov, &Options { method: method.unwrap_or_default(), ..Options::default() })?;
    // A single observation may be given as a bare list of k values.
    let (vshape, vdata) = if values.0.is_empty() { (vec![1], values.1) } else { values };
    Ok(Some((out, dist.condition(&indices, &vshape, &vdata)?)))
}

/// `{"mean": {shape, data}, "cov": {shape, data}}` of a distribution, in float64.
pub fn condition_json(d: &MultivariateNormal) -> String {
    let part = |a: crate::Array64| {
        let mut b = Vec::new();
        let _ = super::stream::write_json(&mut b, &Values { shape: a.shape, data: Data::F64(a.data) });
        String::from_utf8_lossy(&b).trim_end().to_string()
    };
    format!("{{\"mean\": {}, \"cov\": {}}}\n", part(d.mean()), part(d.covariance()))
}

fn condition(args: &[String]) -> CliResult<()> {
    let Some((out, d)) = condition_args(args, &ReadAll)? else { return Ok(()) };
    let text = condition_json(&d);
    super::stream::write_bytes(&out, text.as_bytes())
}

/// The sampler of `--backend`: `auto` falls back to the CPU with a note on stderr.
pub fn make_sampler(b: BackendChoice) -> CliResult<Sampler> {
    match b {
        BackendChoice::Cpu => Ok(Sampler::cpu()),
        BackendChoice::Gpu => pollster::block_on(Sampler::gpu(&SamplerOptions::default())).map_err(|e| {
            CliError::new(format!("{} ({}); use --backend cpu, or --backend auto to fall back to the CPU", e, e.code()))
        }),
        BackendChoice::Auto => match pollster::block_on(Sampler::gpu(&SamplerOptions::default())) {
            Ok(s) => Ok(s),
            Err(e) => {
                to_stderr(&format!("note: no GPU available ({e}); falling back to the CPU backend"))?;
                Ok(Sampler::cpu())
            }
        },
    }
}

/// Values per part of `normal`, `uniform` and `bits` (a multiple of 4: whole words for 1- and
/// 2-byte bits).
fn value_step(c: &Common) -> usize {
    c.chunk_values.unwrap_or(CHUNK_VALUES).div_ceil(4) * 4
}

/// The key of every part: the one given, or the next of MLX's default sequence, taken once.
fn one_key(key: Option<Key>) -> Option<Key> {
    Some(key.unwrap_or_else(crate::next_key))
}

fn normal(args: &[String]) -> CliResult<()> {
    let a = normal_args(args, &ReadAll)?;
    let shape = crate::shape::check_shape("normal", &a.common.shape)?;
    let sampler = make_sampler(a.common.backend)?;
    let c = &a.common;
    // The parameters' errors before anything is written.
    pollster::block_on(sampler.normal_elements(&c.shape, a.loc, a.scale, Some(Key::new(0, 0)), 0..0))?;
    let key = one_key(c.key);
    write_parts(&c.out, &shape, "<f4", shape.iter().product(), value_step(c), |e| {
        Ok(Data::F32(pollster::block_on(sampler.normal_elements(&c.shape, a.loc, a.scale, key, e))?.into_parts().1))
    })
}

fn uniform(args: &[String]) -> CliResult<()> {
    let Some(a) = uniform_args(args, &ReadAll)? else { return Ok(()) };
    let shape = crate::shape::check_shape("uniform", &a.common.shape)?;
    let sampler = make_sampler(a.common.backend)?;
    let c = &a.common;
    // The bounds' errors before anything is written.
    pollster::block_on(sampler.uniform_elements(&c.shape, a.low.clone(), a.high.clone(), Some(Key::new(0, 0)), 0..0))?;
    let key = one_key(c.key);
    write_parts(&c.out, &shape, "<f4", shape.iter().product(), value_step(c), |e| {
        Ok(Data::F32(pollster::block_on(sampler.uniform_elements(&c.shape, a.low.clone(), a.high.clone(), key, e))?.into_parts().1))
    })
}

fn bits(args: &[String]) -> CliResult<()> {
    let a = bits_args(args, &ReadAll)?;
    let shape = crate::shape::check_shape("bits", &a.common.shape)?;
    let sampler = make_sampler(a.common.backend)?;
    let c = &a.common;
    let descr = super::npy::descr(&Data::Uint { width: a.width, values: vec![] });
    pollster::block_on(sampler.bits_elements(&c.shape, a.width, Some(Key::new(0, 0)), 0..0))?;
    let key = one_key(c.key);
    write_parts(&c.out, &shape, descr, shape.iter().product(), value_step(c), |e| {
        Ok(Data::Uint { width: a.width, values: pollster::block_on(sampler.bits_elements(&c.shape, a.width, key, e))?.into_parts().1 })
    })
}

fn sample(args: &[String]) -> CliResult<()> {
    let Some(a) = sample_args(args, &ReadAll)? else { return Ok(()) };
    for w in a.dist.warnings() {
        to_stderr(&format!("warning: {w}"))?;
    }
    if a.report {
        to_stderr(&report_json(a.dist.reports()?))?;
    }
    // Shape errors before the (slow) GPU start.
    let shape = a.dist.output_shape(&a.common.shape)?;
    let sampler = make_sampler(a.common.backend)?;
    let rows: usize = shape[..shape.len() - 1].iter().product();
    let step = a.chunk_rows.unwrap_or((CHUNK_VALUES / a.dist.dim().max(1)).max(1));
    // The rows a part at a time, each bit for bit those rows of the whole draw.
    let key = one_key(a.common.key);
    write_parts(&a.common.out, &shape, "<f4", rows, step, |r| Ok(Data::F32(a.dist.draw_rows(&sampler, &a.common.shape, key, r)?.into_parts().1)))
}
