//! Coverage evidence: the neutral model every coverage reader fills in.
//!
//! A [`CoverageReport`] maps repository-relative paths (always `/`-separated)
//! to per-file coverage. Records for the same file from any number of
//! sections or input files merge by summing execution counts, so a line is
//! hit when any record hits it (docs/formats.md, LCOV). Totals are always derived
//! from the per-line, per-branch and per-function data, never from a
//! producer's own summary records, which are not trusted.
//!
//! The readers live beside the model: [`lcov`], [`cobertura`] and
//! [`llvm_json`] parse one format each, [`paths`] turns the producers' paths into repository-relative
//! ones, and [`read_coverage_file`] detects the format of a file and runs the
//! right reader.
//!
//! The per-file tables are laid out for ingest speed (issue 5): line counts
//! sit in a dense vector indexed by line number, and the found/hit tallies
//! are kept up to date as records arrive, so [`FileCoverage::summary`] and
//! [`CoverageReport::totals`] cost nothing per line.

pub mod clover;
pub mod cobertura;
pub mod coveragepy_json;
pub mod gocover;
pub mod jacoco;
pub mod lcov;
pub mod llvm_json;
pub mod paths;
mod read;
pub mod sonar;

use std::collections::BTreeMap;
use std::hash::BuildHasher as _;

use serde::Serialize;

pub use read::{
    read_coverage_file, read_coverage_file_named, read_coverage_file_with, CoverageFormat,
    ReadOptions, Strictness,
};

/// A found/hit pair: how many items were instrumented and how many ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Items the producer instrumented.
    pub found: u64,
    /// Items executed at least once.
    pub hit: u64,
}

impl Tally {
    /// Percentage hit, or `None` when nothing was found (neither 0% nor 100%).
    #[must_use]
    pub fn percent(&self) -> Option<f64> {
        (self.found > 0).then(|| self.hit as f64 * 100.0 / self.found as f64)
    }
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, rhs: Self) {
        self.found += rhs.found;
        self.hit += rhs.hit;
    }
}

/// Line, branch and function tallies for one file or for a whole report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CoverageSummary {
    /// Instrumented source lines.
    pub lines: Tally,
    /// Branch outcomes.
    pub branches: Tally,
    /// Functions.
    pub functions: Tally,
    /// Code regions (llvm's unit of coverage), only where the evidence
    /// has them: llvm-cov's JSON export does, LCOV and Cobertura do not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions: Option<Tally>,
    /// Statements (Go's unit of coverage, what `go tool cover` reports),
    /// only where the evidence has them: Go cover profiles do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<Tally>,
}

impl std::ops::AddAssign for CoverageSummary {
    /// Sums every figure; the sum has regions (statements) only when both
    /// sides do, so such a total never silently leaves files out.
    fn add_assign(&mut self, rhs: Self) {
        self.lines += rhs.lines;
        self.branches += rhs.branches;
        self.functions += rhs.functions;
        self.regions = both(self.regions, rhs.regions);
        self.statements = both(self.statements, rhs.statements);
    }
}

/// The sum of two optional figures, present only when both are.
fn both(a: Option<Tally>, b: Option<Tally>) -> Option<Tally> {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            a += b;
            Some(a)
        }
        _ => None,
    }
}

/// The name of one branch outcome within its block.
///
/// gcc and llvm number their branches; coverage.py (7.6.2 and later) names
/// them in words, such as `jump to line 5`, which may contain commas. Numbers
/// are kept as numbers so the common case needs no allocation; a name that
/// is all digits is always stored as [`BranchName::Index`], so the same
/// branch written either way is one branch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BranchName {
    /// A numbered branch (gcc, llvm, istanbul, grcov).
    Index(u32),
    /// A branch named in words (coverage.py).
    Text(Box<str>),
}

impl BranchName {
    /// The name as written in an LCOV `BRDA` record.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        match parse_index(text.as_bytes()) {
            Some(n) => Self::Index(n),
            None => Self::Text(text.into()),
        }
    }
}

/// Parses a non-empty run of ASCII digits that fits a `u32`.
fn parse_index(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

impl std::fmt::Display for BranchName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Index(n) => write!(f, "{n}"),
            Self::Text(t) => f.write_str(t),
        }
    }
}

/// Identity of one branch outcome within a file: LCOV's (line, block, branch).
///
/// Flags that lcov 2.x writes before the block number (`e` exception, `f`
/// fall-through, `U` unreachable) describe the branch rather than name it,
/// so they are not part of the key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BranchKey {
    /// Source line of the branch.
    pub line: u32,
    /// Block number within the line.
    pub block: u32,
    /// Branch within the block.
    pub branch: BranchName,
}

/// One function's coverage within a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunctionCoverage {
    /// First line of the function, when the producer gave one.
    pub line: Option<u32>,
    /// Summed execution count.
    pub count: u64,
}

/// Marks a count that no record has named (in the sparse map's values).
const UNKNOWN: u64 = u64::MAX;
/// Largest count stored; sums saturate here so a count never looks unknown.
const MAX_COUNT: u64 = u64::MAX - 1;
/// Marks a slot of the dense line table that no record has named.
const SLOT_UNKNOWN: u32 = u32::MAX;
/// Marks a slot of the dense line table whose count does not fit a `u32`:
/// the count is in the wide map.
const SLOT_WIDE: u32 = u32::MAX - 1;
/// The dense table may always reach this line, however few lines are known.
const DENSE_SLACK: usize = 256;
/// Beyond the slack, the dense table may span this many slots per known line.
const DENSE_RATIO: usize = 4;

/// Per-line execution counts of one file.
///
/// Lines sit in a vector indexed by line number, which makes the hot path of
/// every reader (one `DA` record or `<line>` element) an indexed add. A slot
/// is a `u32` (issue 14: memory grows with the distinct (file, line) pairs,
/// and four bytes a line is half of what a `u64` costs); the rare count that
/// does not fit is kept exactly in the `wide` map, its slot marked
/// `SLOT_WIDE`. A line number far beyond what the file's known lines justify
/// goes to the `wide` map too, so a stray `DA:4000000000,1` costs one map
/// entry rather than 16 GB: the dense part never spans more than
/// `DENSE_SLACK + DENSE_RATIO * found + 1` slots, and memory grows with the
/// number of known lines, not with their numbers. The `wide` map thus holds
/// every line at or past `dense.len()` (sparse lines) and the wide counts of
/// dense lines.
#[derive(Debug, Clone, Default)]
struct LineTable {
    dense: Vec<u32>,
    wide: BTreeMap<u32, u64>,
    tally: Tally,
}

impl LineTable {
    /// The hot path of every reader, inlined: a line inside the dense
    /// part whose count stays narrow, new or known (issue 14: the call and
    /// the general checks were a quarter of an LCOV `DA` record's
    /// instructions). Everything else takes [`LineTable::add_slow`].
    #[inline]
    fn add(&mut self, line: u32, count: u64) {
        if let Some(slot) = self.dense.get_mut(line as usize) {
            let old = *slot;
            let known = old != SLOT_UNKNOWN;
            let base = if known { u64::from(old) } else { 0 };
            let sum = base.wrapping_add(count);
            // `old` is neither unknown nor wide, so `base` is below
            // `SLOT_WIDE`: no overflow unless `count` is huge, which the
            // `count` test catches.
            if old != SLOT_WIDE && count < u64::from(SLOT_WIDE) && sum < u64::from(SLOT_WIDE) {
                self.tally.found += u64::from(!known);
                self.tally.hit += u64::from(base == 0 && count > 0);
                // Checked just above: the sum fits.
                #[allow(clippy::cast_possible_truncation)]
                let narrow = sum as u32;
                *slot = narrow;
                return;
            }
        }
        self.add_slow(line, count);
    }

    /// [`LineTable::add`] for every case: past the dense part, or a count
    /// that is or becomes wide.
    #[inline(never)]
    fn add_slow(&mut self, line: u32, count: u64) {
        let count = count.min(MAX_COUNT);
        let idx = line as usize;
        if idx >= self.dense.len() && !self.grow_to(idx) {
            let slot = self.wide.entry(line).or_insert(UNKNOWN);
            let old = *slot;
            if old == UNKNOWN {
                *slot = count;
                self.tally.found += 1;
                self.tally.hit += u64::from(count > 0);
            } else {
                *slot = old.saturating_add(count).min(MAX_COUNT);
                self.tally.hit += u64::from(old == 0 && count > 0);
            }
            return;
        }
        let slot = &mut self.dense[idx];
        let old = *slot;
        if old == SLOT_UNKNOWN {
            self.tally.found += 1;
            self.tally.hit += u64::from(count > 0);
            if count < u64::from(SLOT_WIDE) {
                // Checked just above: the count fits.
                #[allow(clippy::cast_possible_truncation)]
                let narrow = count as u32;
                *slot = narrow;
            } else {
                self.widen(line, count);
            }
        } else if old == SLOT_WIDE {
            self.add_wide(line, count);
        } else {
            self.tally.hit += u64::from(old == 0 && count > 0);
            let sum = u64::from(old).saturating_add(count);
            if sum < u64::from(SLOT_WIDE) {
                #[allow(clippy::cast_possible_truncation)]
                let narrow = sum as u32;
                *slot = narrow;
            } else {
                self.widen(line, sum);
            }
        }
    }

    /// Moves the count of dense line `line` into the wide map.
    #[cold]
    fn widen(&mut self, line: u32, count: u64) {
        self.dense[line as usize] = SLOT_WIDE;
        self.wide.insert(line, count.min(MAX_COUNT));
    }

    /// Adds to a dense line whose count is in the wide map (it is positive,
    /// so the hit tally does not change).
    #[cold]
    fn add_wide(&mut self, line: u32, count: u64) {
        if let Some(wide) = self.wide.get_mut(&line) {
            *wide = wide.saturating_add(count).min(MAX_COUNT);
        }
    }

    /// Extends the dense part to hold `idx` when that keeps it proportionate
    /// to the known lines; moves any sparse lines it now covers.
    #[cold]
    fn grow_to(&mut self, idx: usize) -> bool {
        let found = usize::try_from(self.tally.found).unwrap_or(usize::MAX);
        let limit = DENSE_SLACK.saturating_add(found.saturating_mul(DENSE_RATIO));
        if idx > limit {
            return false;
        }
        // Grow geometrically (lines mostly arrive in ascending order), but
        // never past the limit; `trim` gives back what the file did not use.
        let old_len = self.dense.len();
        let new_len = (idx + 1)
            .max(old_len * 2)
            .max(64)
            .min(limit.saturating_add(1));
        self.dense.resize(new_len, SLOT_UNKNOWN);
        let lower = u32::try_from(old_len).unwrap_or(u32::MAX);
        let upper = u32::try_from(new_len).unwrap_or(u32::MAX);
        let moved: Vec<(u32, u64)> = self
            .wide
            .range(lower..upper)
            .map(|(&l, &c)| (l, c))
            .collect();
        for (line, count) in moved {
            if count < u64::from(SLOT_WIDE) {
                self.wide.remove(&line);
                #[allow(clippy::cast_possible_truncation)]
                let narrow = count as u32;
                self.dense[line as usize] = narrow;
            } else {
                self.dense[line as usize] = SLOT_WIDE;
            }
        }
        true
    }

    /// Gives back the slots past the last known dense line (the geometric
    /// growth of `grow_to` leaves up to half the table unused).
    fn trim(&mut self) {
        if self.dense.capacity() == self.dense.len()
            && self.dense.last().is_none_or(|&c| c != SLOT_UNKNOWN)
        {
            return;
        }
        let used = self
            .dense
            .iter()
            .rposition(|&c| c != SLOT_UNKNOWN)
            .map_or(0, |last| last + 1);
        self.dense.truncate(used);
        self.dense.shrink_to_fit();
    }

    fn get(&self, line: u32) -> Option<u64> {
        match self.dense.get(line as usize) {
            Some(&SLOT_UNKNOWN) => None,
            Some(&SLOT_WIDE) | None => self.wide.get(&line).copied().filter(|&c| c != UNKNOWN),
            Some(&c) => Some(u64::from(c)),
        }
    }

    fn iter(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        let dense = self
            .dense
            .iter()
            .zip(0u32..)
            .filter(|(&c, _)| c != SLOT_UNKNOWN)
            .map(|(&c, line)| {
                let count = if c == SLOT_WIDE {
                    self.wide.get(&line).copied().unwrap_or(MAX_COUNT)
                } else {
                    u64::from(c)
                };
                (line, count)
            });
        // The dense part never reaches past line `u32::MAX`, so its length fits.
        let lower = u32::try_from(self.dense.len()).unwrap_or(u32::MAX);
        dense.chain(self.wide.range(lower..).map(|(&l, &c)| (l, c)))
    }
}

impl PartialEq for LineTable {
    /// Equal when the same lines are known with the same counts, however
    /// they happen to be split between the dense and sparse parts.
    fn eq(&self, other: &Self) -> bool {
        self.tally == other.tally && self.iter().eq(other.iter())
    }
}

/// The hasher of the per-file branch and function tables: foldhash's
/// randomly seeded `RandomState`.
///
/// std's `SipHash` was a quarter of LCOV ingest time in profiles (issue 5),
/// so these tables used an unkeyed multiply-rotate hash (rustc's `FxHasher`
/// scheme) with a fixed seed. Their keys are function names and branch
/// names taken from the evidence, which a pull request's author controls:
/// with a fixed seed, names crafted to collide turn every lookup of the
/// linear-probing index into a scan, and a 200 MB report into hours of CI
/// time. foldhash is as fast on short keys, is kept up (it is hashbrown's
/// and so std's `HashMap` ecosystem default), and its `RandomState` seeds
/// each table from a per-process random seed, so collisions cannot be
/// precomputed. It is not a cryptographic MAC, which is not needed here:
/// the worst an attacker who cannot see the seed gains is average-case
/// probing.
type TableHasher = foldhash::fast::RandomState;

/// Entries in the order first seen, found by a cursor, a binary search or
/// a hash index.
///
/// Every section of a tracefile lists a file's branches and functions in
/// the same order, and by the time the next section for the same file
/// arrives the table has gone cold in the cache. A plain hash map then
/// takes a cache miss per record (a third of LCOV ingest time in profiles,
/// issue 5); this table first tries the entry after the one found last
/// (and the one found last, for `FN`/`FNDA` written in pairs), which in
/// the usual order walks memory sequentially.
///
/// While keys have only ever arrived in ascending order (branches and
/// function sites, which producers list by line), the entries are sorted:
/// a key past the last one is new without a lookup, and any other is found
/// by binary search, so such a table needs no index at all (issue 14:
/// memory by distinct items). The first key out of order builds the index,
/// an open-addressing table of positions into `entries` (linear probing, at
/// most half full), so keys are stored once: a `HashMap<K, usize>` would
/// keep a second copy of every function name.
#[derive(Debug, Clone)]
struct SeqTable<K, V> {
    entries: Vec<(K, V)>,
    /// Positions into `entries`; `EMPTY` marks a free slot. Empty while
    /// `sorted`, else a power of two at least twice `entries.len()`.
    index: Vec<u32>,
    cursor: usize,
    /// Whether the entries are in ascending key order (every push so far
    /// came after the last entry).
    sorted: bool,
    /// This table's own seed (see [`TableHasher`]).
    hasher: TableHasher,
}

const EMPTY: u32 = u32::MAX;

impl<K, V> Default for SeqTable<K, V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            index: Vec::new(),
            cursor: 0,
            sorted: true,
            hasher: TableHasher::default(),
        }
    }
}

// Truncating the hash on 32-bit targets is fine: only its low bits are used.
#[allow(clippy::cast_possible_truncation)]
fn hash_of<Q: std::hash::Hash + ?Sized>(hasher: &TableHasher, key: &Q) -> usize {
    // Only the low bits pick a slot; fold the high ones in.
    let h = hasher.hash_one(key);
    (h ^ (h >> 29)) as usize
}

impl<K: std::hash::Hash + Ord, V> SeqTable<K, V> {
    /// The position of `key`, if present.
    #[inline]
    fn find<Q>(&mut self, key: &Q) -> Option<usize>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Ord + ?Sized,
    {
        if let Some((k, _)) = self.entries.get(self.cursor) {
            if k.borrow() == key {
                self.cursor += 1;
                return Some(self.cursor - 1);
            }
        }
        if let Some(last) = self.cursor.checked_sub(1) {
            if self
                .entries
                .get(last)
                .is_some_and(|(k, _)| k.borrow() == key)
            {
                return Some(last);
            }
        }
        let pos = self.lookup(key)?;
        self.cursor = pos + 1;
        Some(pos)
    }

    /// The position of `key` by binary search or the index alone.
    fn lookup<Q>(&self, key: &Q) -> Option<usize>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Ord + ?Sized,
    {
        if self.sorted {
            // Past the last key is the common miss: a new key in order.
            if self.entries.last().is_none_or(|(k, _)| k.borrow() < key) {
                return None;
            }
            return self
                .entries
                .binary_search_by(|(k, _)| k.borrow().cmp(key))
                .ok();
        }
        let mask = self.index.len() - 1;
        let mut slot = hash_of(&self.hasher, key) & mask;
        loop {
            let pos = self.index[slot];
            if pos == EMPTY {
                return None;
            }
            let pos = pos as usize;
            if self.entries[pos].0.borrow() == key {
                return Some(pos);
            }
            slot = (slot + 1) & mask;
        }
    }

    fn value_mut(&mut self, pos: usize) -> &mut V {
        &mut self.entries[pos].1
    }

    /// Appends a key known to be absent.
    fn push(&mut self, key: K, value: V) {
        let pos = self.entries.len();
        if self.sorted {
            if self.entries.last().is_none_or(|(k, _)| *k < key) {
                self.entries.push((key, value));
                self.cursor = pos + 1;
                return;
            }
            self.sorted = false;
            self.grow_index();
        }
        if self.index.len() < 2 * (pos + 1) {
            self.grow_index();
        }
        self.place(hash_of(&self.hasher, &key), pos);
        self.entries.push((key, value));
        self.cursor = pos + 1;
    }

    fn place(&mut self, hash: usize, pos: usize) {
        let mask = self.index.len() - 1;
        let mut slot = hash & mask;
        while self.index[slot] != EMPTY {
            slot = (slot + 1) & mask;
        }
        // Positions stay below `u32::MAX`: four billion branches of one
        // file would not fit in memory first.
        self.index[slot] = u32::try_from(pos).unwrap_or(EMPTY - 1);
    }

    /// Rebuilds the index at twice the size (at least twice the entries).
    #[cold]
    fn grow_index(&mut self) {
        let size = (self.index.len() * 2)
            .max((2 * (self.entries.len() + 1)).next_power_of_two())
            .max(16);
        self.index = vec![EMPTY; size];
        for pos in 0..self.entries.len() {
            let hash = hash_of(&self.hasher, &self.entries[pos].0);
            self.place(hash, pos);
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Gives back the entries' spare room when it is more than a quarter
    /// of them (doubling growth leaves up to half unused); a table put back
    /// again without growing costs nothing here.
    fn trim(&mut self) {
        let len = self.entries.len();
        if self.entries.capacity() - len > len / 4 {
            self.entries.shrink_to_fit();
        }
    }

    fn len(&self) -> usize {
        self.entries.len()
    }
}

impl<K: std::hash::Hash + Ord, V: PartialEq> PartialEq for SeqTable<K, V> {
    /// Equal when the same keys map to equal values, in whatever order
    /// they arrived.
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().all(|(k, v)| {
                other
                    .lookup(k)
                    .is_some_and(|pos| other.entries[pos].1 == *v)
            })
    }
}

/// A numbered branch's identity (the common case: gcc, llvm, istanbul),
/// stored without [`BranchName`]'s room for text; ordered like the
/// [`BranchKey`] it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct NumberedBranch {
    line: u32,
    block: u32,
    branch: u32,
}

/// A branch's taken count, `None` (never evaluated) as `u64::MAX`, split
/// in two halves so an entry of the numbered table is 20 bytes, not 24.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Taken([u32; 2]);

impl Taken {
    const NOT_RUN: u64 = u64::MAX;

    #[allow(clippy::cast_possible_truncation)] // the two halves, on purpose
    fn new(taken: Option<u64>) -> Self {
        let raw = taken.map_or(Self::NOT_RUN, |t| t.min(MAX_COUNT));
        Self([raw as u32, (raw >> 32) as u32])
    }

    fn get(self) -> Option<u64> {
        let raw = u64::from(self.0[0]) | (u64::from(self.0[1]) << 32);
        (raw != Self::NOT_RUN).then_some(raw)
    }
}

/// Coverage of one source file, merged across every record that named it.
///
/// Counts saturate at `u64::MAX - 1` rather than overflow.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileCoverage {
    lines: LineTable,
    /// Branches with numbers for names, nearly all of them.
    branches: SeqTable<NumberedBranch, Taken>,
    /// Branches named in words (coverage.py).
    named_branches: SeqTable<BranchKey, Taken>,
    branch_tally: Tally,
    /// Keys are always valid UTF-8 (see [`FileCoverage::add_function_bytes`]).
    functions: SeqTable<Box<[u8]>, FunctionCoverage>,
    /// Summed count of every name at one first line: the names at one
    /// source location are one function (aliases, see [`FileCoverage::add_function`]).
    sites: SeqTable<u32, u64>,
    /// Functions counted: one per site, plus one per name without a line.
    function_tally: Tally,
    /// Region figures, from readers of formats that have them.
    regions: Option<Tally>,
    /// Statement figures, from readers of formats that have them (Go).
    statements: Option<Tally>,
    /// The figures came as a per-file summary without per-line data
    /// (llvm-cov's JSON export): [`FileCoverage::line_count`] knows no line.
    summary_only: bool,
}

impl FileCoverage {
    /// Adds a line's execution count (summing with earlier records).
    #[inline]
    pub fn add_line(&mut self, line: u32, count: u64) {
        self.lines.add(line, count);
    }

    /// Adds a branch outcome; `None` (not evaluated) never lowers a count.
    pub fn add_branch(&mut self, key: BranchKey, taken: Option<u64>) {
        match key.branch {
            BranchName::Index(branch) => {
                self.add_numbered_branch(key.line, key.block, branch, taken);
            }
            BranchName::Text(_) => {
                let tally = &mut self.branch_tally;
                let table = &mut self.named_branches;
                add_branch_to(table, tally, key, taken);
            }
        }
    }

    /// [`FileCoverage::add_branch`] for a numbered branch, without building
    /// a [`BranchKey`] (the LCOV reader's hot path).
    #[inline]
    pub(crate) fn add_numbered_branch(
        &mut self,
        line: u32,
        block: u32,
        branch: u32,
        taken: Option<u64>,
    ) {
        let key = NumberedBranch {
            line,
            block,
            branch,
        };
        // The entry after the last one found, where the next section of
        // the same file lists it: updated inline (issue 14).
        let table = &mut self.branches;
        if let Some((k, slot)) = table.entries.get_mut(table.cursor) {
            if *k == key {
                table.cursor += 1;
                update_branch(slot, &mut self.branch_tally, taken);
                return;
            }
        }
        add_branch_to(&mut self.branches, &mut self.branch_tally, key, taken);
    }

    /// Adds a function's execution count; of the start lines given, the
    /// smallest is kept.
    ///
    /// Names at the same first line are one function under several names
    /// (aliases): cargo-llvm-cov names a Rust function once per binary it is
    /// compiled into and once per generic instance, gcc a constructor once
    /// per variant. The function is hit if any of its names is, so function
    /// totals count source locations, as `cargo llvm-cov report` and lcov
    /// 2.x do (docs/formats.md, LCOV). A name without a line is a function
    /// of its own.
    pub fn add_function(&mut self, name: &str, line: Option<u32>, count: u64) {
        self.add_function_bytes(name.as_bytes(), line, count);
    }

    /// [`FileCoverage::add_function`] for a name as the producer wrote it:
    /// looked up as bytes, so the common case (a name already seen) needs
    /// no UTF-8 check; a new name that is not UTF-8 is stored lossily.
    pub(crate) fn add_function_bytes(&mut self, name: &[u8], line: Option<u32>, count: u64) {
        let count = count.min(MAX_COUNT);
        let mut pos = self.functions.find(name);
        if pos.is_none() {
            let name: Box<[u8]> = if std::str::from_utf8(name).is_ok() {
                name.into()
            } else {
                let fixed = String::from_utf8_lossy(name).into_owned().into_bytes();
                pos = self.functions.find(fixed.as_slice());
                fixed.into_boxed_slice()
            };
            if pos.is_none() {
                self.functions.push(name, FunctionCoverage { line, count });
                add_to_site(&mut self.sites, &mut self.function_tally, line, None, count);
                return;
            }
        }
        let Some(pos) = pos else { return };
        let slot = self.functions.value_mut(pos);
        let old = *slot;
        slot.count = old.count.saturating_add(count).min(MAX_COUNT);
        // The smallest start line wins, whatever order records came in.
        slot.line = match (old.line, line) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if slot.line == old.line {
            if count == 0 {
                // Nothing to add (every `FN` record): the site is as it was.
                return;
            }
            add_to_site(
                &mut self.sites,
                &mut self.function_tally,
                old.line,
                Some(old.count),
                count,
            );
        } else {
            // The name moved to another site: rare (an `FNDA` before its
            // `FN`, or two start lines for one name), so recount.
            self.recount_functions();
        }
    }

    #[cold]
    fn recount_functions(&mut self) {
        let mut sites: SeqTable<u32, u64> = SeqTable::default();
        let mut tally = Tally::default();
        for (_, f) in self.functions.iter() {
            add_to_site(&mut sites, &mut tally, f.line, None, f.count);
        }
        self.sites = sites;
        self.function_tally = tally;
    }

    /// A file known only by the figures its producer stated for it (the
    /// per-file `summary` of llvm-cov's JSON export): they are taken as
    /// they are, and no line is known.
    #[must_use]
    pub fn from_summary(summary: CoverageSummary) -> Self {
        let mut file = Self::default();
        file.lines.tally = summary.lines;
        file.branch_tally = summary.branches;
        file.function_tally = summary.functions;
        file.regions = summary.regions;
        file.statements = summary.statements;
        file.summary_only = true;
        file
    }

    /// Adds statement figures (Go's unit, see [`CoverageSummary::statements`])
    /// to a file that also has per-line data.
    pub fn add_statements(&mut self, statements: Tally) {
        let mut sum = self.statements.unwrap_or_default();
        sum += statements;
        self.statements = Some(sum);
    }

    /// Whether the file is known only by its stated figures (see
    /// [`FileCoverage::from_summary`]), without per-line data: patch
    /// coverage cannot be judged from it.
    #[must_use]
    pub fn is_summary_only(&self) -> bool {
        self.summary_only
    }

    /// Whether merging with this record is symmetric: it has per-line data
    /// only, without stated figures or statements.
    fn is_plain(&self) -> bool {
        !self.summary_only && self.statements.is_none() && self.regions.is_none()
    }

    /// Gives back the tables' growth slack (issue 14: memory by distinct
    /// items), as a file goes back into its report.
    fn trim(&mut self) {
        self.lines.trim();
        self.branches.trim();
        self.named_branches.trim();
        self.functions.trim();
        self.sites.trim();
    }

    /// How much a merge into another record costs: the entries it holds.
    fn weight(&self) -> u64 {
        self.lines.tally.found
            + (self.branches.len() + self.named_branches.len() + self.functions.len()) as u64
    }

    /// Merges another record of the same file into this one.
    ///
    /// Stated figures (see [`FileCoverage::from_summary`]) can only be
    /// added, not united line by line; [`CoverageReport::merge_checked`]
    /// refuses to merge them with anything, so this sum is never reached
    /// from a reader.
    pub fn merge(&mut self, other: FileCoverage) {
        if other.summary_only {
            self.lines.tally += other.lines.tally;
            self.branch_tally += other.branch_tally;
            self.function_tally += other.function_tally;
            self.regions = match (self.regions, other.regions) {
                (Some(mut a), Some(b)) => {
                    a += b;
                    Some(a)
                }
                (a, b) => a.or(b),
            };
            self.statements = both(self.statements, other.statements);
            self.summary_only = true;
            return;
        }
        // Statements sum only when both sides have them, like regions in
        // a total; the Go reader refuses a file another report already
        // holds, so this never counts a block twice from a reader.
        let had_lines = self.lines.tally.found > 0 || self.statements.is_some();
        self.statements = if had_lines {
            both(self.statements, other.statements)
        } else {
            other.statements
        };
        for (line, count) in other.lines.iter() {
            self.add_line(line, count);
        }
        for (key, taken) in other.branches.entries {
            add_branch_to(&mut self.branches, &mut self.branch_tally, key, taken.get());
        }
        for (key, taken) in other.named_branches.entries {
            add_branch_to(
                &mut self.named_branches,
                &mut self.branch_tally,
                key,
                taken.get(),
            );
        }
        for (name, f) in other.functions.entries {
            self.add_function_bytes(&name, f.line, f.count);
        }
    }

    /// Found/hit figures for this file.
    #[must_use]
    pub fn summary(&self) -> CoverageSummary {
        CoverageSummary {
            lines: self.lines.tally,
            branches: self.branch_tally,
            functions: self.function_tally,
            regions: self.regions,
            statements: self.statements,
        }
    }

    /// The summed execution count of `line`, or `None` when no record named
    /// it (the line is not coverable as far as the report knows).
    ///
    /// This is the question patch coverage asks of every changed line:
    /// `None` is not coverable, `Some(0)` is coverable and missed,
    /// `Some(n > 0)` is hit.
    #[must_use]
    pub fn line_count(&self, line: u32) -> Option<u64> {
        self.lines.get(line)
    }

    /// Known lines and their summed counts, in ascending line order.
    pub fn lines(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.lines.iter()
    }

    /// Branch outcomes in key order; `None` means never evaluated.
    #[must_use]
    pub fn branches(&self) -> Vec<(BranchKey, Option<u64>)> {
        let numbered = self.branches.iter().map(|(k, t)| {
            let key = BranchKey {
                line: k.line,
                block: k.block,
                branch: BranchName::Index(k.branch),
            };
            (key, t.get())
        });
        let named = self
            .named_branches
            .iter()
            .map(|(k, t)| (k.clone(), t.get()));
        let mut all: Vec<_> = numbered.chain(named).collect();
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Functions in name order.
    #[must_use]
    pub fn functions(&self) -> Vec<(&str, FunctionCoverage)> {
        let mut all: Vec<_> = self
            .functions
            .iter()
            // Keys are stored as valid UTF-8, so this never falls back.
            .map(|(k, &f)| (std::str::from_utf8(k).unwrap_or_default(), f))
            .collect();
        all.sort_unstable_by(|a, b| a.0.cmp(b.0));
        all
    }
}

/// Adds `count` to the function at `line`, one site per first line (see
/// [`FileCoverage::add_function`]); `known` is the count a name already had
/// (`None` for a new name). A name without a line is a function of its own.
fn add_to_site(
    sites: &mut SeqTable<u32, u64>,
    tally: &mut Tally,
    line: Option<u32>,
    known: Option<u64>,
    count: u64,
) {
    let Some(line) = line else {
        tally.found += u64::from(known.is_none());
        tally.hit += u64::from(known.unwrap_or(0) == 0 && count > 0);
        return;
    };
    if let Some(pos) = sites.find(&line) {
        let site = sites.value_mut(pos);
        tally.hit += u64::from(*site == 0 && count > 0);
        *site = site.saturating_add(count).min(MAX_COUNT);
    } else {
        tally.found += 1;
        tally.hit += u64::from(count > 0);
        sites.push(line, count);
    }
}

/// Adds a branch outcome to one of a file's branch tables.
#[inline]
fn add_branch_to<K: std::hash::Hash + Ord>(
    table: &mut SeqTable<K, Taken>,
    tally: &mut Tally,
    key: K,
    taken: Option<u64>,
) {
    if let Some(pos) = table.find(&key) {
        update_branch(table.value_mut(pos), tally, taken);
    } else {
        let taken = taken.map(|t| t.min(MAX_COUNT));
        tally.found += 1;
        tally.hit += u64::from(is_taken(taken));
        table.push(key, Taken::new(taken));
    }
}

/// Adds `taken` to a known branch's count; `None` never lowers it.
#[inline]
fn update_branch(slot: &mut Taken, tally: &mut Tally, taken: Option<u64>) {
    let taken = taken.map(|t| t.min(MAX_COUNT));
    let old = slot.get();
    let new = match (old, taken) {
        (Some(a), Some(b)) => Some(a.saturating_add(b).min(MAX_COUNT)),
        (a, b) => a.or(b),
    };
    tally.hit += u64::from(!is_taken(old) && is_taken(new));
    *slot = Taken::new(new);
}

fn is_taken(taken: Option<u64>) -> bool {
    taken.is_some_and(|t| t > 0)
}

/// Merged coverage of a whole run: repository-relative path to file coverage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CoverageReport {
    files: BTreeMap<String, FileCoverage>,
}

impl CoverageReport {
    /// An empty report.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The coverage of `path`, created empty if absent.
    pub fn file_mut(&mut self, path: &str) -> &mut FileCoverage {
        if !self.files.contains_key(path) {
            self.files.insert(path.to_owned(), FileCoverage::default());
        }
        // The entry was inserted just above when missing.
        self.files.entry(path.to_owned()).or_default()
    }

    /// Takes a file's coverage out of the report (empty if absent), so a
    /// reader can fill it without a map lookup per record; the reader puts
    /// it back with [`CoverageReport::put_file`].
    pub(crate) fn take_file(&mut self, path: String) -> (String, FileCoverage) {
        match self.files.remove_entry(&path) {
            Some(entry) => entry,
            None => (path, FileCoverage::default()),
        }
    }

    /// Puts back a file taken with [`CoverageReport::take_file`].
    ///
    /// Of two records of the same file, the smaller is merged into the
    /// larger: when the parts of a tracefile read in parallel hand back
    /// the same file, the cost is the smaller part's, not the larger's.
    pub(crate) fn put_file(&mut self, path: String, mut coverage: FileCoverage) {
        coverage.trim();
        match self.files.get_mut(&path) {
            Some(existing) => {
                if coverage.is_plain()
                    && existing.is_plain()
                    && coverage.weight() > existing.weight()
                {
                    std::mem::swap(existing, &mut coverage);
                }
                existing.merge(coverage);
                existing.trim();
            }
            None => {
                self.files.insert(path, coverage);
            }
        }
    }

    /// Merges one file's record in, summing with what is already there.
    pub fn merge_file(&mut self, path: &str, coverage: FileCoverage) {
        match self.files.get_mut(path) {
            Some(existing) => existing.merge(coverage),
            None => {
                self.files.insert(path.to_owned(), coverage);
            }
        }
    }

    /// Merges a whole report into this one.
    pub fn merge(&mut self, other: CoverageReport) {
        for (path, coverage) in other.files {
            self.put_file(path, coverage);
        }
    }

    /// [`CoverageReport::merge`], unless a file known only by its stated
    /// figures (llvm-cov's JSON export) is in both: such figures cannot be
    /// united with another report's, only added, which would count lines
    /// twice. Returns the first such path.
    pub fn merge_checked(&mut self, other: CoverageReport) -> Result<(), String> {
        for (path, coverage) in &other.files {
            if let Some(mine) = self.files.get(path) {
                if mine.summary_only || coverage.summary_only {
                    return Err(path.clone());
                }
            }
        }
        self.merge(other);
        Ok(())
    }

    /// Whether any file is known only by stated figures, without lines.
    #[must_use]
    pub fn has_summary_only_files(&self) -> bool {
        self.files.values().any(|f| f.summary_only)
    }

    /// Files in path order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &FileCoverage)> {
        self.files.iter().map(|(p, c)| (p.as_str(), c))
    }

    /// The coverage of one file, if the report knows it.
    #[must_use]
    pub fn file(&self, path: &str) -> Option<&FileCoverage> {
        self.files.get(path)
    }

    /// Number of distinct files.
    #[must_use]
    pub fn file_count(&self) -> usize {
        self.files.len()
    }

    /// Totals over every file: the sum of the per-file summaries.
    #[must_use]
    ///
    /// Regions are totalled only when every file has them.
    pub fn totals(&self) -> CoverageSummary {
        self.totals_where(|_| true)
    }

    /// Totals over the files whose path satisfies `keep`.
    pub fn totals_where(&self, mut keep: impl FnMut(&str) -> bool) -> CoverageSummary {
        let mut total: Option<CoverageSummary> = None;
        for (path, file) in &self.files {
            if keep(path) {
                match &mut total {
                    Some(total) => *total += file.summary(),
                    None => total = Some(file.summary()),
                }
            }
        }
        total.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_sum_and_tally() {
        let mut f = FileCoverage::default();
        f.add_line(3, 0);
        f.add_line(3, 2);
        f.add_line(5, 0);
        assert_eq!(f.summary().lines, Tally { found: 2, hit: 1 });
        assert_eq!(f.line_count(3), Some(2));
        assert_eq!(f.line_count(4), None);
        assert_eq!(f.line_count(5), Some(0));
        assert_eq!(f.lines().collect::<Vec<_>>(), vec![(3, 2), (5, 0)]);
    }

    #[test]
    fn far_line_numbers_stay_sparse_and_equal_dense_layout() {
        let mut a = FileCoverage::default();
        a.add_line(4_000_000_000, 1);
        a.add_line(1, 0);
        assert!(a.lines.dense.len() <= 64);
        assert_eq!(a.line_count(4_000_000_000), Some(1));
        assert_eq!(a.summary().lines, Tally { found: 2, hit: 1 });

        // The same lines reached in another order may sit in the other part
        // of the table; they still compare equal.
        let mut b = FileCoverage::default();
        let mut c = FileCoverage::default();
        b.add_line(5000, 1);
        for line in 1..5000 {
            b.add_line(line, 0);
            c.add_line(line, 0);
        }
        c.add_line(5000, 1);
        b.add_line(5001, 0);
        c.add_line(5001, 0);
        assert_eq!(b, c);
        assert_eq!(b.lines().count(), 5001);
        assert!(b.sparse_is_above_dense());
    }

    impl FileCoverage {
        fn sparse_is_above_dense(&self) -> bool {
            self.lines.wide.keys().all(|&k| {
                k as usize >= self.lines.dense.len() || self.lines.dense[k as usize] == SLOT_WIDE
            })
        }
    }

    #[test]
    fn counts_saturate_without_becoming_unknown() {
        let mut f = FileCoverage::default();
        f.add_line(1, u64::MAX);
        f.add_line(1, u64::MAX);
        assert_eq!(f.line_count(1), Some(MAX_COUNT));
        assert_eq!(f.summary().lines, Tally { found: 1, hit: 1 });
    }

    #[test]
    fn counts_past_u32_stay_exact() {
        // A slot holds a `u32`; larger sums move to the wide map, exactly.
        let big = u64::from(u32::MAX) - 3;
        let mut f = FileCoverage::default();
        f.add_line(7, big);
        f.add_line(7, 5);
        f.add_line(8, 1 << 40);
        f.add_line(9, 0);
        f.add_line(7, 1);
        assert_eq!(f.line_count(7), Some(big + 6));
        assert_eq!(f.line_count(8), Some(1 << 40));
        assert_eq!(
            f.lines().collect::<Vec<_>>(),
            vec![(7, big + 6), (8, 1 << 40), (9, 0)]
        );
        assert_eq!(f.summary().lines, Tally { found: 3, hit: 2 });
        // A far line, wide too, then pulled into the dense part.
        let mut g = FileCoverage::default();
        g.add_line(5000, 1 << 33);
        g.add_line(5001, 2);
        for line in 1..2000 {
            g.add_line(line, 0);
        }
        assert!(g.lines.dense.len() <= 5000);
        g.add_line(6000, 0);
        assert!(g.lines.dense.len() > 6000);
        assert_eq!(g.line_count(5000), Some(1 << 33));
        assert_eq!(g.line_count(5001), Some(2));
        g.lines.trim();
        assert_eq!(g.lines.dense.len(), 6001);
        assert_eq!(g.lines().count(), 2002);
        assert!(g.sparse_is_above_dense());
    }

    #[test]
    fn branch_not_evaluated_never_lowers() {
        let key = BranchKey {
            line: 1,
            block: 0,
            branch: BranchName::parse("0"),
        };
        let mut f = FileCoverage::default();
        f.add_branch(key.clone(), None);
        assert_eq!(f.summary().branches, Tally { found: 1, hit: 0 });
        f.add_branch(key.clone(), Some(3));
        f.add_branch(key.clone(), None);
        assert_eq!(f.summary().branches, Tally { found: 1, hit: 1 });
        assert_eq!(f.branches(), vec![(key, Some(3))]);
    }

    #[test]
    fn branch_names_in_digits_are_numbers() {
        assert_eq!(BranchName::parse("17"), BranchName::Index(17));
        assert_eq!(
            BranchName::parse("jump to line 5"),
            BranchName::Text("jump to line 5".into())
        );
        assert_eq!(
            BranchName::parse("99999999999"),
            BranchName::Text("99999999999".into())
        );
    }

    #[test]
    fn functions_merge_by_name() {
        let mut f = FileCoverage::default();
        f.add_function("main", Some(1), 0);
        f.add_function("main", None, 2);
        f.add_function("unused", Some(9), 0);
        assert_eq!(f.summary().functions, Tally { found: 2, hit: 1 });
        assert_eq!(
            f.functions(),
            vec![
                (
                    "main",
                    FunctionCoverage {
                        line: Some(1),
                        count: 2
                    }
                ),
                (
                    "unused",
                    FunctionCoverage {
                        line: Some(9),
                        count: 0
                    }
                )
            ]
        );
    }

    #[test]
    fn names_at_one_line_are_one_function() {
        // cargo-llvm-cov: the unit-test build and the library build used by
        // integration tests name one function twice at the same line.
        let mut f = FileCoverage::default();
        f.add_function("_RNvCsA_3lib5total", Some(13), 0);
        f.add_function("_RNvCsB_3lib5total", Some(13), 0);
        f.add_function("_RNvCsA_3lib5never", Some(24), 0);
        f.add_function("_RNvCsB_3lib5never", Some(24), 0);
        assert_eq!(f.summary().functions, Tally { found: 2, hit: 0 });
        f.add_function("_RNvCsB_3lib5total", None, 1);
        assert_eq!(f.summary().functions, Tally { found: 2, hit: 1 });
        f.add_function("_RNvCsA_3lib5total", None, 4);
        assert_eq!(f.summary().functions, Tally { found: 2, hit: 1 });
        // Names are still listed one by one.
        assert_eq!(f.functions().len(), 4);
        // A count before the line (FNDA before FN) lands on the right site.
        let mut g = FileCoverage::default();
        g.add_function("b", None, 1);
        g.add_function("a", Some(3), 0);
        assert_eq!(g.summary().functions, Tally { found: 2, hit: 1 });
        g.add_function("b", Some(3), 0);
        assert_eq!(g.summary().functions, Tally { found: 1, hit: 1 });
        // Merging files keeps the grouping.
        let mut h = FileCoverage::default();
        h.merge(f.clone());
        h.merge(f);
        assert_eq!(h.summary().functions, Tally { found: 2, hit: 1 });
    }

    #[test]
    fn seq_table_finds_keys_in_any_order() {
        let mut t: SeqTable<u32, u32> = SeqTable::default();
        for k in 0..1000 {
            assert_eq!(t.find(&k), None);
            t.push(k, k * 2);
        }
        // In order (the cursor), backwards, and at random (the index).
        for k in (0..1000)
            .chain((0..1000).rev())
            .chain((0..1000).map(|k| (k * 7919) % 1000))
        {
            let pos = t.find(&k).unwrap();
            assert_eq!(t.entries[pos], (k, k * 2));
        }
        assert_eq!(t.find(&1000), None);
        let mut u: SeqTable<u32, u32> = SeqTable::default();
        for k in (0..1000).rev() {
            u.push(k, k * 2);
        }
        assert_eq!(t, u);
        u.value_mut(0).clone_from(&1);
        assert_ne!(t, u);
    }

    #[test]
    fn report_merge_sums_files() {
        let mut a = CoverageReport::new();
        a.file_mut("src/a.rs").add_line(1, 0);
        let mut b = CoverageReport::new();
        b.file_mut("src/a.rs").add_line(1, 1);
        b.file_mut("src/b.rs").add_line(1, 0);
        a.merge(b);
        assert_eq!(a.file_count(), 2);
        assert_eq!(a.totals().lines, Tally { found: 2, hit: 1 });
        assert_eq!(
            a.totals_where(|p| p.ends_with("a.rs")).lines,
            Tally { found: 1, hit: 1 }
        );
    }
}
