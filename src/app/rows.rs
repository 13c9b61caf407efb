//! The fleet table's rows: each cluster's texts, search text and tally, worked out once
//! when the data changes, and the order of the rows by each column.

use crate::config::Config;
use crate::filter::{Cells, Column, haystack};
use crate::model::{Assessed, Outcome, Tally, Version};

/// One row of the fleet table, its texts cleaned and ready to draw.
#[derive(Debug, Clone)]
pub struct Row {
    /// Index into `State::fleet`.
    pub index: usize,
    /// The cluster's id, lower-cased: the key of marks and details.
    pub id: String,
    pub cells: Cells,
    /// Lower-cased row text (and id and tags) that `/` searches.
    pub haystack: String,
    pub verdict: Outcome,
    /// What it adds to the summary: failing findings, channel, below minimum, stale.
    pub tally: Tally,
    /// A `[highlight]` rule matches it (production, say).
    pub highlighted: bool,
    pub(super) version: Option<Version>,
    /// The release date of the cluster's oldest node image, when readable.
    pub(super) oldest_image: Option<time::Date>,
}

impl Row {
    pub fn of(index: usize, item: &Assessed, config: &Config) -> Row {
        let c = &item.cluster;
        let verdict = item.verdict();
        let cells = Cells::of(item);
        let haystack = haystack(item, &cells);
        let version = c.version();
        Row {
            index,
            id: c.id.to_ascii_lowercase(),
            cells,
            haystack,
            verdict,
            tally: Tally::of(item),
            highlighted: config.highlight.matches(c),
            oldest_image: c.pools.iter().filter_map(|p| p.node_image_date()).min(),
            version,
        }
    }

    fn compare(&self, other: &Row, column: Column) -> std::cmp::Ordering {
        match column {
            Column::Version => self.version.cmp(&other.version),
            Column::Verdict => (self.verdict, self.tally.failing).cmp(&(other.verdict, other.tally.failing)),
            text => cmp_ignore_case(&self.cells[text], &other.cells[text]),
        }
        .then_with(|| self.cells[Column::Name].cmp(&other.cells[Column::Name]))
        .then_with(|| self.index.cmp(&other.index))
    }
}

/// Orders text ignoring ASCII case, without allocating (sorting 10,000 rows compares
/// over a hundred thousand times).
fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Every row's place in the order by `column`: sorting by it then orders integers.
pub fn rank(rows: &[Row], column: Column) -> Vec<u32> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    match column {
        Column::Version | Column::Verdict => {
            order.sort_unstable_by(|&a, &b| rows[a].compare(&rows[b], column));
        }
        // Text columns: compare lower-cased copies made once, not per comparison.
        text => {
            let keys: Vec<String> = rows.iter().map(|r| r.cells[text].to_ascii_lowercase()).collect();
            order.sort_unstable_by(|&a, &b| {
                keys[a]
                    .cmp(&keys[b])
                    .then_with(|| rows[a].cells[Column::Name].cmp(&rows[b].cells[Column::Name]))
                    .then(a.cmp(&b))
            });
        }
    }
    let mut ranks = vec![0u32; rows.len()];
    for (rank, row) in order.into_iter().enumerate() {
        ranks[row] = rank as u32;
    }
    ranks
}
