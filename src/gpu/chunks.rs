//! Splitting work that exceeds the device's limits: rows into chunks that fit one storage
//! binding and one buffer, chunks into dispatches that fit the workgroup grid.

/// Limits the chunk planner honours. The effective value of each is the smaller of the
/// device's limit and this one, so tests can force splitting with tiny values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkLimits {
    /// Workgroups per dispatch dimension (WebGPU default 65535).
    pub max_workgroups_per_dimension: u32,
    /// Bytes one storage binding may cover (WebGPU default 128 MiB).
    pub max_storage_buffer_binding_size: u64,
    /// Bytes one buffer may hold (WebGPU default 256 MiB).
    pub max_buffer_size: u64,
}

impl ChunkLimits {
    /// No extra restriction beyond the device's own limits.
    pub const UNLIMITED: ChunkLimits =
        ChunkLimits { max_workgroups_per_dimension: u32::MAX, max_storage_buffer_binding_size: u64::MAX, max_buffer_size: u64::MAX };

    pub(crate) fn min(self, o: ChunkLimits) -> ChunkLimits {
        ChunkLimits {
            max_workgroups_per_dimension: self.max_workgroups_per_dimension.min(o.max_workgroups_per_dimension),
            max_storage_buffer_binding_size: self.max_storage_buffer_binding_size.min(o.max_storage_buffer_binding_size),
            max_buffer_size: self.max_buffer_size.min(o.max_buffer_size),
        }
    }

    pub(crate) fn from_device(l: &wgpu::Limits) -> ChunkLimits {
        ChunkLimits {
            max_workgroups_per_dimension: l.max_compute_workgroups_per_dimension,
            max_storage_buffer_binding_size: l.max_storage_buffer_binding_size as u64,
            max_buffer_size: l.max_buffer_size,
        }
    }

    /// Most bytes a chunk may bind or hold.
    pub(crate) fn chunk_bytes(&self) -> u64 {
        self.max_storage_buffer_binding_size.min(self.max_buffer_size)
    }
}

/// Row chunks `[start, end)` of at most `max_rows` rows, each (but the last) a multiple of `align_rows`.
pub(crate) fn row_chunks(rows: usize, max_rows: usize, align_rows: usize) -> Vec<(usize, usize)> {
    let step = (max_rows / align_rows * align_rows).max(1);
    let mut v = Vec::new();
    let mut s = 0;
    while s < rows {
        let e = (s + step).min(rows);
        v.push((s, e));
        s = e;
    }
    v
}

/// Dispatches covering `count` invocations: `(first, count, groups_x, groups_y)`.
pub(crate) fn dispatches(count: u64, workgroup: u32, max_dim: u32) -> Vec<(u64, u64, u32, u32)> {
    let max_dim = max_dim.max(1) as u64;
    let per = max_dim * max_dim * workgroup as u64;
    let mut v = Vec::new();
    let mut first = 0u64;
    while first < count {
        let c = per.min(count - first);
        let groups = c.div_ceil(workgroup as u64);
        let gx = groups.min(max_dim);
        let gy = groups.div_ceil(gx);
        v.push((first, c, gx as u32, gy as u32));
        first += c;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatches_cover_the_range_within_the_grid() {
        for &(count, max_dim) in &[(1u64, 65535u32), (1000, 2), (256 * 4 + 1, 2), (10_000_000, 65535), (77, 1)] {
            let d = dispatches(count, 256, max_dim);
            let mut next = 0;
            for &(first, c, gx, gy) in &d {
                assert_eq!(first, next);
                assert!(gx <= max_dim && gy <= max_dim);
                assert!(gx as u64 * gy as u64 * 256 >= c);
                next += c;
            }
            assert_eq!(next, count);
        }
    }

    #[test]
    fn row_chunks_are_aligned() {
        let c = row_chunks(1000, 130, 64);
        assert!(c.iter().all(|&(s, _)| s % 64 == 0));
        assert_eq!(c.last().unwrap().1, 1000);
    }
}
