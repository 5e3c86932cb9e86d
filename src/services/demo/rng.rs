//! A tiny deterministic generator (SplitMix64), so the demo is the same on every machine and
//! with every version of the `rand` crate.

pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u32, high: u32) -> u32 {
        low + (self.next_u64() % u64::from(high - low + 1)) as u32
    }

    /// A number in `[0, 1)`, from the top 53 bits (a double's precision).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `true` `per_mille` times in a thousand.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.between(1, 1000) <= per_mille
    }

    /// `len` characters of Crockford base32 (no I, L, O, U).
    pub fn code(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let mut out = String::with_capacity(len);
        let mut bits = self.next_u64();
        for i in 0..len {
            if i > 0 && i % 12 == 0 {
                bits = self.next_u64();
            }
            out.push(ALPHABET[(bits & 31) as usize] as char);
            bits >>= 5;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_sequence() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        assert_eq!(a.code(10), b.code(10));
        assert!((3..=6).contains(&a.between(3, 6)));
        assert_eq!(SplitMix64::new(1).next_u64(), 0x910A_2DEC_8902_5CC1);
        let mut c = SplitMix64::new(3);
        assert!((0..1000).map(|_| c.unit()).all(|u| (0.0..1.0).contains(&u)));
    }
}
