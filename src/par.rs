//! Per-cluster work split over the machine's cores: the rules, the calendar and the
//! JSON of a 100,000-cluster fleet each take a good part of a second on one core.
//!
//! Plain scoped threads, no pool: a call starts one thread per core beyond the
//! caller's, each takes a contiguous share, and results come back in the items' order.
//! Below a few thousand items everything stays on the calling thread.

use std::thread;

/// Fewer items than this are worked on by the calling thread alone: starting a thread
/// costs more than they do.
const ALONE: usize = 2048;

/// The threads for `items` items: one per core (at most 8), one per `ALONE` items.
fn threads(items: usize) -> usize {
    let cores = thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    cores.min(items / ALONE).max(1)
}

/// `items` mapped in order by `work`, shared over the cores; each thread makes its own
/// `state` with `init` (an interner, say) and hands it to every item it takes.
pub fn map<T, R, S>(items: Vec<T>, init: impl Fn() -> S + Sync, work: impl Fn(&mut S, T) -> R + Sync) -> Vec<R>
where
    T: Send,
    R: Send,
    S: Send,
{
    map_with(items, init, work).0
}

/// `map`, with each thread's state once it is done, in the order of the items (each
/// thread took a contiguous share of them).
pub fn map_with<T, R, S>(
    items: Vec<T>,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, T) -> R + Sync,
) -> (Vec<R>, Vec<S>)
where
    T: Send,
    R: Send,
    S: Send,
{
    let threads = threads(items.len());
    if threads == 1 {
        let mut state = init();
        let done = items.into_iter().map(|item| work(&mut state, item)).collect();
        return (done, vec![state]);
    }
    let (total, share) = (items.len(), items.len().div_ceil(threads));
    let mut shares = Vec::with_capacity(threads);
    let mut rest = items;
    while rest.len() > share {
        let tail = rest.split_off(share);
        shares.push(rest);
        rest = tail;
    }
    shares.push(rest);
    let (init, work) = (&init, &work);
    let done = thread::scope(|scope| {
        let mut shares = shares.into_iter();
        let mine = shares.next().unwrap_or_default();
        let others: Vec<_> = shares
            .map(|share| {
                scope.spawn(move || {
                    let mut state = init();
                    let done = share.into_iter().map(|item| work(&mut state, item)).collect::<Vec<R>>();
                    (done, state)
                })
            })
            .collect();
        // This thread's results go first into a list of the whole size, the others'
        // are moved in after them: the results and the other threads' shares at most
        // (one and a half times the results on two cores), not twice the results.
        let mut state = init();
        let mut all = Vec::with_capacity(total);
        all.extend(mine.into_iter().map(|item| work(&mut state, item)));
        let others: Vec<(Vec<R>, S)> = others
            .into_iter()
            .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect();
        (all, state, others)
    });
    let (mut all, state, others) = done;
    let mut states = vec![state];
    for (share, state) in others {
        all.extend(share);
        states.push(state);
    }
    (all, states)
}

/// Runs `work` on every item in place, shared over the cores; each thread makes its
/// own `state` with `init` and hands it to every item it takes, with the item's place.
pub fn each_mut<T: Send, S>(items: &mut [T], init: impl Fn() -> S + Sync, work: impl Fn(&mut S, usize, &mut T) + Sync) {
    let threads = threads(items.len());
    let share = items.len().div_ceil(threads).max(1);
    let (init, work) = (&init, &work);
    let run = move |n: usize, chunk: &mut [T]| {
        let mut state = init();
        for (i, item) in chunk.iter_mut().enumerate() {
            work(&mut state, n * share + i, item);
        }
    };
    if threads == 1 {
        run(0, items);
        return;
    }
    let run = &run;
    thread::scope(|scope| {
        let mut chunks = items.chunks_mut(share).enumerate();
        let mine = chunks.next();
        for (n, chunk) in chunks {
            scope.spawn(move || run(n, chunk));
        }
        if let Some((n, chunk)) = mine {
            run(n, chunk);
        }
    });
}

/// `0..len` cut into one contiguous range per core (one range below a few thousand),
/// `work` run on each at once; the results in the ranges' order.
pub fn ranges<R: Send>(len: usize, work: impl Fn(std::ops::Range<usize>) -> R + Sync) -> Vec<R> {
    let threads = threads(len);
    if threads == 1 {
        return vec![work(0..len)];
    }
    let share = len.div_ceil(threads);
    let work = &work;
    thread::scope(|scope| {
        let others: Vec<_> = (1..threads)
            .map(|n| scope.spawn(move || work(n * share..((n + 1) * share).min(len))))
            .collect();
        let mut results = vec![work(0..share.min(len))];
        results.extend(
            others
                .into_iter()
                .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))),
        );
        results
    })
}

/// Works `items` in batches of `batch`, several batches at once over the cores, and
/// hands each batch's result to `sink` in the items' order, as soon as the batches
/// before it were handed on: at most one batch per core waits in memory. `work` gets
/// the place of the batch's first item. Stops at the first error `sink` returns.
pub fn in_order<T, R, E>(
    items: &[T],
    batch: usize,
    work: impl Fn(usize, &[T]) -> R + Sync,
    mut sink: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    R: Send,
{
    let batch = batch.max(1);
    let threads = threads(items.len());
    let work = &work;
    let mut at = 0;
    while at < items.len() {
        // One round: a batch for each thread, the caller's first.
        let round: Vec<(usize, &[T])> = items[at..]
            .chunks(batch)
            .take(threads)
            .enumerate()
            .map(|(n, chunk)| (at + n * batch, chunk))
            .collect();
        at += round.iter().map(|(_, chunk)| chunk.len()).sum::<usize>();
        let results: Vec<R> = if round.len() == 1 {
            vec![work(round[0].0, round[0].1)]
        } else {
            thread::scope(|scope| {
                let others: Vec<_> = round[1..]
                    .iter()
                    .map(|&(start, chunk)| scope.spawn(move || work(start, chunk)))
                    .collect();
                let mut results = vec![work(round[0].0, round[0].1)];
                results.extend(
                    others
                        .into_iter()
                        .map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))),
                );
                results
            })
        };
        for result in results {
            sink(result)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_the_order_and_gives_each_thread_its_own_state() {
        for n in [0, 1, 5, ALONE - 1, ALONE * 3 + 7] {
            let items: Vec<usize> = (0..n).collect();
            let mapped = map(
                items,
                || 0usize,
                |seen, x| {
                    *seen += 1;
                    (x * 2, *seen)
                },
            );
            assert_eq!(mapped.len(), n);
            assert!(mapped.iter().enumerate().all(|(i, (x, _))| *x == i * 2), "in order");
            // Each state counts its own share from 1: the first item of every share sees 1.
            assert_eq!(mapped.first().map(|m| m.1), (n > 0).then_some(1));
        }
    }

    #[test]
    fn ranges_cover_every_place_once_in_order() {
        for n in [0, 1, ALONE - 1, ALONE * 2, ALONE * 5 + 3] {
            let covered: Vec<usize> = ranges(n, |range| range.collect::<Vec<_>>()).concat();
            assert_eq!(covered, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn each_mut_reaches_every_item_with_its_place() {
        for n in [0, 3, ALONE * 2 + 1] {
            let mut items = vec![usize::MAX; n];
            each_mut(&mut items, || (), |(), at, item| *item = at);
            assert!(items.iter().enumerate().all(|(i, x)| *x == i));
        }
    }

    #[test]
    fn in_order_hands_on_every_batch_in_order_and_stops_at_the_first_error() {
        let items: Vec<usize> = (0..ALONE * 5 + 3).collect();
        let mut out = Vec::new();
        let done: Result<(), ()> = in_order(
            &items,
            100,
            |start, chunk| {
                assert_eq!(chunk[0], start, "the place of the batch's first item");
                chunk.to_vec()
            },
            |chunk| {
                out.extend(chunk);
                Ok(())
            },
        );
        assert_eq!((done, out), (Ok(()), items.clone()));
        let mut batches = 0;
        let stopped = in_order(
            &items,
            100,
            |_, chunk| chunk.len(),
            |_| {
                batches += 1;
                if batches == 3 { Err("full") } else { Ok(()) }
            },
        );
        assert_eq!((stopped, batches), (Err("full"), 3));
    }
}
