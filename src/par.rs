//! Spreading a pure map over the machine's cores, for the few passes over a whole
//! fleet that a person waits on (assessing and building rows before the first frame).
//!
//! Below a size where threads cost more than they save, it is a plain map. Order is
//! kept: the output is the input mapped, in the same order.

use std::num::NonZeroUsize;

/// Items below this are mapped on the calling thread.
const SMALL: usize = 2_000;

fn workers(len: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    if len < SMALL { 1 } else { cores.clamp(1, 8) }
}

/// `items.into_iter().map(f).collect()`, on several threads for large inputs.
pub fn map<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> U + Sync) -> Vec<U> {
    let workers = workers(items.len());
    if workers == 1 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(workers);
    let mut chunks = Vec::with_capacity(workers);
    let mut rest = items;
    while rest.len() > chunk {
        let tail = rest.split_off(chunk);
        chunks.push(rest);
        rest = tail;
    }
    chunks.push(rest);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(f).collect::<Vec<U>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a pure map does not panic"))
            .collect()
    })
}

/// `items.iter().enumerate().map(f).collect()`, on several threads for large inputs.
pub fn map_indexed<T: Sync, U: Send>(items: &[T], f: impl Fn(usize, &T) -> U + Sync) -> Vec<U> {
    let workers = workers(items.len());
    if workers == 1 {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let chunk = items.len().div_ceil(workers);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(n, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, t)| f(n * chunk + i, t))
                        .collect::<Vec<U>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a pure map does not panic"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_and_small_inputs_map_in_order() {
        for len in [0, 1, 10, SMALL - 1, SMALL, 10_007] {
            let items: Vec<usize> = (0..len).collect();
            assert_eq!(
                map(items.clone(), |x| x * 2),
                items.iter().map(|x| x * 2).collect::<Vec<_>>(),
                "{len}"
            );
            assert_eq!(
                map_indexed(&items, |i, x| i + x),
                items.iter().map(|x| x * 2).collect::<Vec<_>>(),
                "{len}"
            );
        }
    }
}
