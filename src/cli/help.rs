//! The help texts: the tool's (`mvn-gpu --help`) and one per command (`mvn-gpu <COMMAND> --help`).

/// `mvn-gpu --help` (also `mvn-gpu help`): the commands, array, shape and key syntax, backends, outputs, exit status.
pub const HELP: &str = "\
mvn-gpu — MLX-compatible random numbers and multivariate normal sampling on the GPU (WGSL
through wgpu) or the CPU. Same key, same numbers as MLX's mx.random.

USAGE:
    mvn-gpu <COMMAND> [FLAGS]
    mvn-gpu <COMMAND> --help       help for one command (also: mvn-gpu help <COMMAND>)
    mvn-gpu --version              print the version

COMMANDS:
    sample     multivariate normal samples (MLX's random.multivariate_normal)
    normal     normal samples (MLX's random.normal)
    uniform    uniform samples in [low, high) (MLX's random.uniform)
    bits       random unsigned integers of 1, 2 or 4 bytes (MLX's random.bits)
    key        the PRNG key of a seed (MLX's random.key)
    split      split a key into two or N new keys (MLX's random.split)
    log-prob   log-densities at points (SciPy's multivariate_normal.logpdf), float64
    condition  the conditional normal of the other coordinates given some, as mean and cov
    help       print this help, or the help of a command

ARRAYS (--mean, --cov, --scale-tril, --low, --high):
    Inline JSON: a number or nested lists of numbers of any depth ('[[1, 0.5], [0.5, 2]]');
    the shape is inferred and ragged lists are an error. \"nan\", \"inf\" and \"-inf\" may be
    given as strings, and {\"shape\": [...], \"data\": [...]} (this tool's output) is accepted.
    @FILE reads a .json file holding the same (a UTF-8 byte-order mark is skipped; a key given
    twice in an object is an error), or a .npy file (NumPy format 1.0/2.0, C order, dtype <f4,
    <f8, <i4 or <i8; converted to float32).

SHAPES (--shape):
    A JSON list of integers: '[]' (the default), '[1000]', '[7, 3]'. A bare integer N means [N].

KEYS (every random command):
    --key K0,K1    an explicit key: two unsigned 32-bit words (as printed by `mvn-gpu key`)
    --key @FILE    the key in FILE as `mvn-gpu key` or `mvn-gpu split --num 1` wrote it (stdout
                   JSON or --out FILE.json, FILE.npy, FILE.csv)
    --seed S       the key of seed S (MLX's key(S)); S is an integer in [0, 2^64)
    (neither)      the next key of MLX's default sequence, seeded from the clock

BACKENDS (--backend, random commands):
    gpu (default)  WGSL compute shaders through wgpu; fails (exit 2) when no GPU adapter exists
    cpu            the CPU reference implementation (bit-exact with MLX)
    auto           the GPU when one is available, otherwise the CPU (with a note on stderr)

OUTPUT:
    JSON {\"shape\": [...], \"data\": [...]} on stdout (row-major data; floats print the shortest
    text that reads back as the same float32, with an exponent below 1e-6 and from 1e21 on:
    1e-7, 1e38; NaN and infinities as \"nan\", \"inf\", \"-inf\").
    --out FILE writes FILE instead and prints nothing on stdout:
        FILE.npy   NumPy format 1.0, C order, <f4 (<u4 for key and split; |u1, <u2, <u4 for bits)
        FILE.json  the same JSON as stdout
        FILE.csv   one row per sample (the last axis gives the columns; 0-d/1-d: one row)

EXIT STATUS:
    0 on success (and for --help, --version); 2 on any error, with `error: <message>` on
    stderr. Library errors end with their code, e.g. (NOT_POSITIVE_SEMIDEFINITE).

EXAMPLES:
    mvn-gpu key 42
    mvn-gpu split --seed 0
    mvn-gpu split --key 0,42 --num 4
    mvn-gpu normal --shape '[2, 3]' --seed 1 --backend cpu
    mvn-gpu uniform --shape '[5]' --low -1 --high 1 --seed 3
    mvn-gpu bits --shape '[4]' --width 1 --seed 3
    mvn-gpu sample --mean '[0, 0]' --cov '[[1, 0.9], [0.9, 1]]' --shape '[1000]' --seed 7
    mvn-gpu sample --mean @mean.npy --cov @cov.json --shape '[100000]' --out x.npy
";

/// `mvn-gpu sample --help`.
pub const SAMPLE_HELP: &str = "\
mvn-gpu sample — multivariate normal samples (MLX's random.multivariate_normal).
Output shape: broadcast(shape, mean.shape[:-1], cov.shape[:-2]) + (n,), float32.

USAGE:
    mvn-gpu sample --mean ARRAY COVARIANCE [FLAGS]

COVARIANCE is one of:
    --cov JSON|@FILE         covariance, shape (..., n, n), factored by --method
    --scale-tril JSON|@FILE  lower-triangular L with cov = L Lᵀ, shape (..., n, n) (as given)
    --precision JSON|@FILE   the inverse covariance (factored in float64; never inverted)
    --diag JSON|@FILE        variances of independent coordinates, shape (..., n)
    --cov-factor JSON|@FILE --cov-diag JSON|@FILE
                             cov = W Wᵀ + diag(d) (torch's LowRankMultivariateNormal): W (..., n, r),
                             d (..., n) positive; never formed, r + n normals per sample
--method, --on-invalid and --tolerance apply to --cov only.

FLAGS:
    --mean JSON|@FILE        mean, shape (..., n)                                   [required]
    --shape JSON             sample shape, broadcast with the batch shape            [default: []]
    --seed S | --key K0,K1   the key (see `mvn-gpu --help`)          [default: MLX's sequence]
    --method M               cholesky | eigh | svd (svd reproduces MLX's samples) [default: cholesky]
    --on-invalid P           raise | warn | clip: what an indefinite covariance does [default: raise]
    --tolerance T            relative tolerance of the symmetry/PSD checks  [default: 8 n 2^-23]
    --dtype D                output dtype; only float32 is supported          [default: float32]
    --backend B              gpu | cpu | auto                                     [default: gpu]
    --out FILE               write FILE.npy, FILE.json or FILE.csv instead of stdout
    --chunk-rows R           draw and write R rows at a time: memory stays bounded whatever the
                             shape, the output is the same     [default: 2^22 / n rows, 16 MiB]
    --report                 print the factorization reports as JSON on stderr (batch_index,
                             method, method_used, rank, min/max eigenvalue, clipped)
    -h, --help               print this help

ARRAYS are inline JSON (nested lists of numbers) or @FILE (.json or .npy <f4/<f8/<i4/<i8).
Warnings (--on-invalid warn) are printed on stderr. A draw of several chunks shows a progress
bar on stderr when it is a terminal. --out FILE is written whole or not at all: Ctrl-C (exit
status 130) or an error leaves no partial file.

EXAMPLES:
    mvn-gpu sample --mean '[0, 0]' --cov '[[1, 0.9], [0.9, 1]]' --shape '[1000]' --seed 7
    mvn-gpu sample --mean '[1, 2]' --cov '[[1, 0], [0, 1]]' --key 0,42 --method svd --backend cpu
    mvn-gpu sample --mean '[0, 0]' --scale-tril '[[1, 0], [0.5, 2]]' --shape '[10]' --out x.csv
    mvn-gpu sample --mean @m.npy --cov-factor @w.npy --cov-diag @d.npy --shape '[100000]' --out x.npy
    mvn-gpu sample --mean @mean.npy --cov @cov.npy --shape '[1000000]' --out x.npy --report
";

/// `mvn-gpu normal --help`.
pub const NORMAL_HELP: &str = "\
mvn-gpu normal — normal samples with mean loc and standard deviation scale (MLX's random.normal).

USAGE:
    mvn-gpu normal [--shape JSON] [--loc X] [--scale Y] [FLAGS]

FLAGS:
    --shape JSON             output shape                                           [default: []]
    --loc X                  mean                                                    [default: 0]
    --scale Y                standard deviation                                      [default: 1]
    --seed S | --key K0,K1   the key (see `mvn-gpu --help`)          [default: MLX's sequence]
    --dtype D                only float32 is supported                        [default: float32]
    --backend B              gpu | cpu | auto                                     [default: gpu]
    --out FILE               write FILE.npy, FILE.json or FILE.csv instead of stdout
    --chunk-values V         draw and write V values at a time (the output is the same)  [default: 2^22]
    -h, --help               print this help

EXAMPLES:
    mvn-gpu normal --shape '[2, 3]' --seed 1
    mvn-gpu normal --shape '[1000000]' --loc 5 --scale 0.1 --key 0,7 --out z.npy
";

/// `mvn-gpu uniform --help`.
pub const UNIFORM_HELP: &str = "\
mvn-gpu uniform — uniform samples in [low, high) (MLX's random.uniform).

USAGE:
    mvn-gpu uniform [--shape JSON] [--low ARRAY] [--high ARRAY] [FLAGS]

FLAGS:
    --shape JSON             output shape                                           [default: []]
    --low JSON|@FILE         lower bound: a number or an array broadcast to shape    [default: 0]
    --high JSON|@FILE        upper bound: a number or an array broadcast to shape    [default: 1]
    --seed S | --key K0,K1   the key (see `mvn-gpu --help`)          [default: MLX's sequence]
    --dtype D                only float32 is supported                        [default: float32]
    --backend B              gpu | cpu | auto                                     [default: gpu]
    --out FILE               write FILE.npy, FILE.json or FILE.csv instead of stdout
    --chunk-values V         draw and write V values at a time (the output is the same)  [default: 2^22]
    -h, --help               print this help

EXAMPLES:
    mvn-gpu uniform --shape '[5]' --low -1 --high 1 --seed 3
    mvn-gpu uniform --shape '[4, 2]' --low '[0, 10]' --high '[1, 20]' --backend cpu
";

/// `mvn-gpu bits --help`.
pub const BITS_HELP: &str = "\
mvn-gpu bits — random unsigned integers (MLX's random.bits): elements of 1, 2 or 4 bytes.

USAGE:
    mvn-gpu bits [--shape JSON] [--width W] [FLAGS]

FLAGS:
    --shape JSON             output shape                                           [default: []]
    --width W                bytes per element: 1 (uint8), 2 (uint16), 4 (uint32)    [default: 4]
    --seed S | --key K0,K1   the key (see `mvn-gpu --help`)          [default: MLX's sequence]
    --backend B              gpu | cpu | auto                                     [default: gpu]
    --out FILE               write FILE.npy (|u1, <u2 or <u4), FILE.json or FILE.csv instead
                             of stdout
    --chunk-values V         draw and write V values at a time (the output is the same)  [default: 2^22]
    -h, --help               print this help

EXAMPLES:
    mvn-gpu bits --shape '[4]' --seed 0
    mvn-gpu bits --shape '[2, 3]' --width 1 --key 0,7 --backend cpu --out b.npy
";

/// `mvn-gpu key --help`.
pub const KEY_HELP: &str = "\
mvn-gpu key — the PRNG key of a seed (MLX's random.key): [seed >> 32, seed & 0xFFFFFFFF].

USAGE:
    mvn-gpu key SEED [--out FILE]

ARGUMENTS:
    SEED                     a decimal integer in [0, 2^64)
    --out FILE               write FILE.npy (<u4), FILE.json or FILE.csv instead of stdout
    -h, --help               print this help

EXAMPLES:
    mvn-gpu key 42           prints {\"shape\": [2], \"data\": [0, 42]}
    mvn-gpu key 4294967296   prints {\"shape\": [2], \"data\": [1, 0]}
";

/// `mvn-gpu split --help`.
pub const SPLIT_HELP: &str = "\
mvn-gpu split — split a key (MLX's random.split).

USAGE:
    mvn-gpu split (--key K0,K1 | --key @FILE | --seed S) [--num N] [--out FILE]

FLAGS:
    --key K0,K1 | @FILE      the key to split: two unsigned 32-bit words, or a file holding one
    --seed S                 split key(S) instead
    --num N                  number of keys; without it, MLX's split(key) pair (shape [2, 2]);
                             with it, split(key, N) (shape [N, 2])
    --out FILE               write FILE.npy (<u4), FILE.json or FILE.csv instead of stdout
    -h, --help               print this help

EXAMPLES:
    mvn-gpu split --seed 0   prints {\"shape\": [2, 2], \"data\": [4146024105, 967050713, 2718843009, 1272950319]}
    mvn-gpu split --key 0,42 --num 4
";

/// The version line of `mvn-gpu --version`.
pub fn version() -> String {
    format!("mvn-gpu {}\n", env!("CARGO_PKG_VERSION"))
}

/// `mvn-gpu log-prob --help`.
pub const LOG_PROB_HELP: &str = "\
mvn-gpu log-prob — log-densities of a multivariate normal at points x (SciPy's
multivariate_normal.logpdf, torch's MultivariateNormal.log_prob), in float64.
Output shape: broadcast(x.shape[:-1], mean.shape[:-1], cov.shape[:-2]).

USAGE:
    mvn-gpu log-prob --mean ARRAY COVARIANCE --x ARRAY [FLAGS]

COVARIANCE is one of (as for `mvn-gpu sample`):
    --cov JSON|@FILE         covariance, shape (..., n, n)
    --scale-tril JSON|@FILE  lower-triangular L with cov = L Lᵀ
    --precision JSON|@FILE   the inverse covariance
    --diag JSON|@FILE        variances of independent coordinates, shape (..., n)
    --cov-factor JSON|@FILE --cov-diag JSON|@FILE
                             cov = W Wᵀ + diag(d): W (..., n, r), d (..., n) positive; never formed

FLAGS:
    --mean JSON|@FILE        mean, shape (..., n)                                   [required]
    --x JSON|@FILE           points, shape (..., n), read in float64 (.npy files as float32)  [required]
    --allow-singular         a singular covariance gives SciPy's density on its support (its
                             pseudo-determinant) and -inf off it, instead of an error
    --method M               cholesky | eigh | svd: how --cov is factored      [default: cholesky]
    --on-invalid P, --tolerance T  as for `mvn-gpu sample` (--cov only)
    --backend B              gpu | cpu | auto (the densities are computed on the CPU)
    --out FILE               write FILE.npy (<f8), FILE.json or FILE.csv instead of stdout
    -h, --help               print this help

EXAMPLES:
    mvn-gpu log-prob --mean '[0, 0]' --cov '[[1, 0.5], [0.5, 2]]' --x '[[0, 0], [1, -1]]'
    mvn-gpu log-prob --mean '[0, 0]' --cov '[[1, 1], [1, 1]]' --x '[[1, 1], [1, 0]]' --allow-singular
    mvn-gpu log-prob --mean '[0, 0, 0]' --cov-factor '[[1], [1], [0]]' --cov-diag '[1, 1, 1]' --x '[0, 1, 2]'
";

/// `mvn-gpu condition --help`.
pub const CONDITION_HELP: &str = "\
mvn-gpu condition — the conditional multivariate normal of the other coordinates given observed
ones (Schur complements in float64): prints {\"mean\": {shape, data}, \"cov\": {shape, data}}.
The coordinates left keep their order; mean has shape broadcast(values.shape[:-1], batch) + (m,).

USAGE:
    mvn-gpu condition --mean ARRAY --cov ARRAY --indices JSON --values ARRAY [FLAGS]

FLAGS:
    --mean JSON|@FILE        mean, shape (..., n)                                   [required]
    --cov JSON|@FILE         covariance, shape (..., n, n)                          [required]
    --indices JSON           the observed coordinates, distinct, in [0, n): '[0, 2]' [required]
    --values JSON|@FILE      their values, shape (..., k), read in float64          [required]
    --method M               cholesky | eigh | svd: how --cov is factored      [default: cholesky]
    --out FILE.json          write the JSON to FILE.json instead of stdout
    -h, --help               print this help

EXAMPLES:
    mvn-gpu condition --mean '[0, 0]' --cov '[[1, 0.8], [0.8, 1]]' --indices '[0]' --values '[1]'
";
