//! Data sets loaded from the command line: the demo (cooperatives, products, accounts), a
//! register the size of the country, generated catalogues and the search benchmark's
//! documents. Above the domains: it writes through their services' bulk-load functions.

pub mod academy;
pub mod catalog;
pub mod demo;
pub mod national;
pub mod projects;
pub mod scoring;
pub mod search_bench;
pub mod words;

/// The one generator of generated data: small, fast and the same on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}
