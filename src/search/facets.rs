//! Facet counts and the price range of a search, for the embedded engine.
//!
//! Tantivy's terms aggregation reads every match's values from the columns, one document at
//! a time: at 200,000 products a broad search spent most of its time there. Here a search
//! only marks its matches in a bitset (one bit per document of the segment), and each facet
//! value's documents are a bitset too, built once per segment from its postings and kept
//! while the segment lives (segments are immutable). A value's count is then the population
//! count of two bitsets ANDed: a few thousand machine words per value, whatever the matches.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::index::SegmentId;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED};

/// A set of documents of one segment.
#[derive(Clone)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(max_doc: DocId) -> Bits {
        Bits(vec![0; (max_doc as usize).div_ceil(64)])
    }

    fn insert(&mut self, doc: DocId) {
        self.0[doc as usize / 64] |= 1 << (doc % 64);
    }

    fn count_common(&self, other: &Bits) -> u64 {
        self.0.iter().zip(&other.0).map(|(a, b)| u64::from((a & b).count_ones())).sum()
    }
}

/// Each value of a keyword field with the documents that have it, in one segment.
type ValueSets = Arc<Vec<(String, Bits)>>;

/// Value sets per segment and field; a segment's entries go when it is merged away.
#[derive(Default)]
pub struct FacetSets {
    sets: Mutex<HashMap<(SegmentId, Field), ValueSets>>,
}

impl FacetSets {
    /// `live`: the searcher's segments, whose sets are kept when a new one is added.
    fn of(&self, segment: &SegmentReader, field: Field, live: &[SegmentId]) -> tantivy::Result<ValueSets> {
        let key = (segment.segment_id(), field);
        if let Some(found) = self.sets.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Ok(found.clone());
        }
        let inverted = segment.inverted_index(field)?;
        let mut values = Vec::new();
        let mut terms = inverted.terms().stream()?;
        while terms.advance() {
            let Ok(value) = std::str::from_utf8(terms.key()) else { continue };
            let mut postings = inverted.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            let mut docs = Bits::new(segment.max_doc());
            let mut doc = postings.doc();
            while doc != TERMINATED {
                docs.insert(doc);
                doc = postings.advance();
            }
            values.push((value.to_string(), docs));
        }
        let values = Arc::new(values);
        let mut sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
        sets.retain(|(segment, _), _| live.contains(segment));
        sets.insert(key, values.clone());
        Ok(values)
    }
}

/// Counts per value of each facet (largest first, at most `max_values` each), and the
/// smallest and largest value of a number field, over the matches.
pub struct FacetCollector<'a> {
    pub sets: &'a FacetSets,
    pub live: Vec<SegmentId>,
    pub facets: Vec<(String, Field)>,
    pub range_of: Option<String>,
    pub max_values: usize,
}

#[derive(Default)]
pub struct FacetFruit {
    pub counts: BTreeMap<String, Vec<(String, u64)>>,
    pub range: Option<(i64, i64)>,
}

pub struct SegmentFacets {
    matches: Bits,
    facets: Vec<(String, ValueSets)>,
    range_column: Option<Column<i64>>,
    range: Option<(i64, i64)>,
}

impl Collector for FacetCollector<'_> {
    type Fruit = FacetFruit;
    type Child = SegmentFacets;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let facets = self
            .facets
            .iter()
            .map(|(name, field)| Ok((name.clone(), self.sets.of(segment, *field, &self.live)?)))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let range_column = match &self.range_of {
            Some(name) => Some(segment.fast_fields().i64(name)?),
            None => None,
        };
        Ok(SegmentFacets { matches: Bits::new(segment.max_doc()), facets, range_column, range: None })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<FacetFruit> {
        let mut totals: BTreeMap<String, HashMap<String, u64>> = BTreeMap::new();
        let mut range: Option<(i64, i64)> = None;
        for fruit in fruits {
            for (facet, values) in fruit.counts {
                let total = totals.entry(facet).or_default();
                for (value, n) in values {
                    *total.entry(value).or_default() += n;
                }
            }
            range = widen(range, fruit.range);
        }
        let counts = totals
            .into_iter()
            .map(|(facet, values)| {
                let mut values: Vec<(String, u64)> = values.into_iter().filter(|(_, n)| *n > 0).collect();
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                values.truncate(self.max_values);
                (facet, values)
            })
            .collect();
        Ok(FacetFruit { counts, range })
    }
}

fn widen(a: Option<(i64, i64)>, b: Option<(i64, i64)>) -> Option<(i64, i64)> {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (a, None) => a,
        (None, b) => b,
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.matches.insert(doc);
        if let Some(column) = &self.range_column
            && let Some(v) = column.first(doc)
        {
            self.range = widen(self.range, Some((v, v)));
        }
    }

    fn harvest(self) -> FacetFruit {
        let counts = self
            .facets
            .iter()
            .map(|(name, values)| {
                let counted =
                    values.iter().map(|(value, docs)| (value.clone(), self.matches.count_common(docs))).collect();
                (name.clone(), counted)
            })
            .collect();
        FacetFruit { counts, range: self.range }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_count_what_two_sets_share() {
        let mut a = Bits::new(200);
        let mut b = Bits::new(200);
        for d in [0, 5, 63, 64, 150, 199] {
            a.insert(d);
        }
        for d in [5, 64, 100, 199] {
            b.insert(d);
        }
        assert_eq!(a.count_common(&b), 3);
        assert_eq!(widen(Some((3, 9)), Some((1, 5))), Some((1, 9)));
        assert_eq!(widen(None, Some((1, 5))), Some((1, 5)));
    }
}
