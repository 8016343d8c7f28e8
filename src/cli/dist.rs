//! The distribution flags that `sample` and `log-prob` share, read in one place: `--mean` with
//! one of `--cov` (factored with `--method`, `--on-invalid`, `--tolerance`), `--scale-tril`,
//! `--precision`, `--diag` (variances) or `--cov-factor W` with `--cov-diag d` (low rank plus
//! diagonal, never formed).

use super::args::Flags;
use super::input::Inputs;
use super::{fail, flag_err, CliError, CliResult};
use crate::{Array, Array64, Dtype, FactorReport, Key, LowRankMultivariateNormal, Method, MultivariateNormal, OnInvalid, Options, Sampler};

/// The flags that give the covariance, one of which (with `--cov-diag` for `--cov-factor`) is
/// required.
pub const SPREAD_FLAGS: [&str; 6] = ["--cov", "--scale-tril", "--precision", "--diag", "--cov-factor", "--cov-diag"];
/// The flags of `--cov` only.
pub const COV_OPTION_FLAGS: [&str; 3] = ["--method", "--on-invalid", "--tolerance"];

/// A distribution from the command line.
pub enum Dist {
    /// Mean and a covariance, its factor or its inverse (or independent variances).
    Full(MultivariateNormal),
    /// `cov = W Wᵀ + diag(d)`.
    LowRank(LowRankMultivariateNormal),
}

impl Dist {
    /// The factorization reports (none for a low-rank distribution: nothing is factored).
    pub fn reports(&self) -> CliResult<&[FactorReport]> {
        match self {
            Dist::Full(d) => Ok(d.reports()?),
            Dist::LowRank(_) => Ok(&[]),
        }
    }

    /// The warnings of `--on-invalid warn`.
    pub fn warnings(&self) -> &[String] {
        match self {
            Dist::Full(d) => d.warnings(),
            Dist::LowRank(_) => &[],
        }
    }

    /// The dimension `n`.
    pub fn dim(&self) -> usize {
        match self {
            Dist::Full(d) => d.dim(),
            Dist::LowRank(d) => d.dim(),
        }
    }

    /// The output shape of a draw with `shape`.
    pub fn output_shape(&self, shape: &[i64]) -> CliResult<Vec<usize>> {
        Ok(match self {
            Dist::Full(d) => d.output_shape(shape)?,
            Dist::LowRank(d) => d.output_shape(shape)?,
        })
    }

    /// Rows `rows` of the draw with `shape` and `key` (bit for bit those of the whole draw).
    pub fn draw_rows(&self, sampler: &Sampler, shape: &[i64], key: Option<Key>, rows: std::ops::Range<usize>) -> CliResult<Array> {
        Ok(match self {
            Dist::Full(d) => pollster::block_on(sampler.sample_rows(d, shape, key, rows))?,
            Dist::LowRank(d) => pollster::block_on(sampler.sample_low_rank_rows(d, shape, key, rows))?,
        })
    }

    /// The log-densities at float64 points, in float64.
    pub fn log_prob(&self, x_shape: &[usize], x: &[f64], allow_singular: bool) -> CliResult<Array64> {
        Ok(match self {
            Dist::Full(d) => d.log_prob(x_shape, x, allow_singular)?,
            // Always positive definite: allow_singular changes nothing.
            Dist::LowRank(d) => d.log_prob(x_shape, x)?,
        })
    }
}

/// Reads the distribution of `cmd` from `f` (`dtype` is checked for the parametrizations
/// that take no options), or `None` when `inputs` skipped an array.
pub fn parse_dist(cmd: &str, f: &Flags, inputs: &dyn Inputs, dtype: Dtype) -> CliResult<Option<Dist>> {
    let method = f.get("--method").map(|s| s.parse::<Method>().map_err(|e| flag_err("--method", e))).transpose()?;
    let on_invalid = f.get("--on-invalid").map(|s| s.parse::<OnInvalid>().map_err(|e| flag_err("--on-invalid", e))).transpose()?;
    let tolerance = f
        .get("--tolerance")
        .map(|s| s.trim().parse::<f64>().map_err(|_| CliError::new(format!("--tolerance: expected a number, got '{s}'"))))
        .transpose()?;
    let mean_arg = f.require("--mean")?;
    let given: Vec<&str> = SPREAD_FLAGS[..5].iter().copied().filter(|g| f.get(g).is_some()).collect();
    let which = match given.as_slice() {
        [one] => *one,
        [] if f.get("--cov-diag").is_some() => return fail(format!("{cmd}: --cov-diag goes with --cov-factor W (cov = W Wᵀ + diag(d)); for independent variances alone use --diag")),
        [] => return fail(format!("{cmd}: missing required flag --cov (or --scale-tril, --precision, --diag, --cov-factor with --cov-diag)")),
        _ => return fail(format!("{cmd}: give one of --cov, --scale-tril, --precision, --diag and --cov-factor, not {}", given.join(" and "))),
    };
    if which != "--cov" {
        if let Some(flag) = COV_OPTION_FLAGS.iter().find(|g| f.get(g).is_some()) {
            return fail(format!("{cmd}: {flag} applies to --cov only; {which} is used as given"));
        }
        dtype.require_float32("multivariate_normal")?;
    }
    if which != "--cov-factor" && f.get("--cov-diag").is_some() {
        return fail(format!("{cmd}: --cov-diag goes with --cov-factor, not {which}"));
    }
    let Some(mean) = inputs.array("--mean", mean_arg)? else { return Ok(None) };
    let arg = |flag: &str| -> CliResult<Option<Array>> { inputs.array(flag, f.get(flag).unwrap_or_default()) };
    Ok(Some(match which {
        "--cov" => {
            let Some(cov) = arg("--cov")? else { return Ok(None) };
            let options = Options { method: method.unwrap_or_default(), dtype, on_invalid: on_invalid.unwrap_or_default(), tolerance };
            Dist::Full(MultivariateNormal::new(&mean, &cov, &options)?)
        }
        "--scale-tril" => {
            let Some(l) = arg("--scale-tril")? else { return Ok(None) };
            Dist::Full(MultivariateNormal::from_scale_tril(&mean, &l)?)
        }
        "--precision" => {
            let Some(p) = arg("--precision")? else { return Ok(None) };
            Dist::Full(MultivariateNormal::from_precision(&mean, &p)?)
        }
        "--diag" => {
            let Some(v) = arg("--diag")? else { return Ok(None) };
            Dist::Full(MultivariateNormal::from_diag(&mean, &v)?)
        }
        _ => {
            let Some(d_arg) = f.get("--cov-diag") else { return fail(format!("{cmd}: --cov-factor W needs --cov-diag d (cov = W Wᵀ + diag(d))")) };
            let (Some(w), Some(d)) = (arg("--cov-factor")?, inputs.array("--cov-diag", d_arg)?) else { return Ok(None) };
            Dist::LowRank(LowRankMultivariateNormal::new(&mean, &w, &d)?)
        }
    }))
}
