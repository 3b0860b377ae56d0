//! Shared pieces of the fedkit benches (the benches themselves are in `benches/`).

pub mod figure;

/// A deterministic RNG for benches: it only blinds RSA, salts PSS and makes message IDs, so
/// every run does the same work. Never use it for anything that must be secret.
pub struct BenchRng(pub u64);

impl rand_core::TryRng for BenchRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        // Knuth's MMIX linear congruential generator.
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
        for byte in dest {
            *byte = (self.try_next_u64()? >> 56) as u8;
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for BenchRng {}
