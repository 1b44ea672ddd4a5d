//! Jitter on restart delays: none, or a seeded, bounded proportional spread.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How a restart delay is spread so that actors failing together do not restart in lockstep.
///
/// Only delays that come from a backoff are spread; strategies that restart at once keep a zero
/// delay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// Delays exactly as computed; for tests and for operators who want predictable timing.
    None,
    /// Each delay is multiplied by a factor drawn uniformly from `1 - fraction ..= 1 + fraction`,
    /// then held between zero and the strategy's `max_delay`.
    ///
    /// `fraction` is clamped to `0..=1` (a NaN or negative fraction means no jitter). The same
    /// seed gives the same sequence of delays with the same `rand` version; `rand` does not
    /// promise that `StdRng` streams stay the same across its releases.
    Proportional {
        /// Largest relative change of a delay, `0.1` for ±10 %.
        fraction: f64,
        /// Seed of the generator; production callers pass a random one.
        seed: u64,
    },
}

/// The generator behind a [`Jitter`], owned by one policy.
#[derive(Debug, Clone)]
pub(crate) struct JitterSource {
    /// Clamped fraction and its generator; `None` when no jitter applies. Boxed: the generator's
    /// state is a few hundred bytes and most policies never use it.
    spread: Option<(f64, Box<StdRng>)>,
}

impl JitterSource {
    pub(crate) fn new(jitter: Jitter) -> Self {
        let spread = match jitter {
            Jitter::None => None,
            Jitter::Proportional { fraction, seed } if fraction > 0.0 => {
                Some((fraction.min(1.0), Box::new(StdRng::seed_from_u64(seed))))
            }
            // Zero, negative or NaN: nothing to spread.
            Jitter::Proportional { .. } => None,
        };
        JitterSource { spread }
    }

    /// `delay` spread by the jitter, never below zero and never above `max`.
    ///
    /// A draw that passes `max` is reflected back below it rather than clamped, so delays at
    /// the cap still spread over `max × (1 - fraction) ..= max` instead of half of them
    /// landing on `max` exactly and restarting in lockstep.
    pub(crate) fn apply(&mut self, delay: Duration, max: Duration) -> Duration {
        let Some((fraction, rng)) = self.spread.as_mut() else {
            return delay.min(max);
        };
        let factor = 1.0 + rng.random_range(-*fraction..=*fraction);
        let spread = scaled(delay.min(max), factor, max.saturating_mul(2));
        if spread > max {
            max.saturating_sub(spread - max)
        } else {
            spread
        }
    }
}

/// `delay × factor`, rounded to the nanosecond and held in `0..=max`. A NaN or infinite product
/// gives `max`: a broken multiplier must not turn into a tight restart loop.
pub(crate) fn scaled(delay: Duration, factor: f64, max: Duration) -> Duration {
    let nanos = delay.as_nanos() as f64 * factor;
    if nanos.is_nan() || nanos >= max.as_nanos() as f64 {
        return max;
    }
    if nanos <= 0.0 {
        return Duration::ZERO;
    }

    // `as` saturates; `min` guards against the rounding of very large values.
    Duration::from_nanos(nanos.round() as u64).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);
    const CAP: Duration = Duration::from_secs(60);

    #[test]
    fn no_jitter_keeps_the_delay_but_caps_it() {
        let mut source = JitterSource::new(Jitter::None);

        assert_eq!(source.apply(SECOND, CAP), SECOND);
        assert_eq!(source.apply(CAP * 2, CAP), CAP);
    }

    #[test]
    fn proportional_jitter_stays_within_the_fraction() {
        let mut source = JitterSource::new(Jitter::Proportional {
            fraction: 0.2,
            seed: 7,
        });

        for _ in 0..1000 {
            let delay = source.apply(Duration::from_secs(10), CAP);
            assert!(delay >= Duration::from_secs(8), "{delay:?}");
            assert!(delay <= Duration::from_secs(12), "{delay:?}");
        }
    }

    #[test]
    fn proportional_jitter_never_exceeds_the_cap() {
        let mut source = JitterSource::new(Jitter::Proportional {
            fraction: 0.5,
            seed: 1,
        });

        for _ in 0..1000 {
            assert!(source.apply(CAP, CAP) <= CAP);
        }
    }

    #[test]
    fn same_seed_gives_the_same_delays() {
        let jitter = Jitter::Proportional {
            fraction: 0.3,
            seed: 42,
        };
        let mut a = JitterSource::new(jitter);
        let mut b = JitterSource::new(jitter);

        for _ in 0..100 {
            assert_eq!(a.apply(SECOND, CAP), b.apply(SECOND, CAP));
        }
    }

    #[test]
    fn fraction_above_one_is_clamped_so_delays_stay_non_negative() {
        let mut source = JitterSource::new(Jitter::Proportional {
            fraction: 5.0,
            seed: 3,
        });

        for _ in 0..1000 {
            assert!(source.apply(SECOND, CAP) <= SECOND * 2);
        }
    }

    #[test]
    fn nan_or_negative_fraction_means_no_jitter() {
        for fraction in [f64::NAN, -0.5, 0.0] {
            let mut source = JitterSource::new(Jitter::Proportional { fraction, seed: 3 });
            assert_eq!(source.apply(SECOND, CAP), SECOND, "{fraction}");
        }
    }

    #[test]
    fn delays_at_the_cap_spread_below_it_instead_of_piling_on_it() {
        let mut source = JitterSource::new(Jitter::Proportional {
            fraction: 0.1,
            seed: 42,
        });
        let draws: Vec<Duration> = (0..200).map(|_| source.apply(CAP, CAP)).collect();
        let at_cap = draws.iter().filter(|d| **d == CAP).count();
        assert!(at_cap <= 2, "{at_cap} of 200 draws sit exactly on the cap");
        assert!(draws.iter().all(|d| *d <= CAP && *d >= CAP.mul_f64(0.9)));
        let lowest = draws.iter().min().copied().unwrap_or(CAP);
        assert!(
            lowest < CAP.mul_f64(0.92),
            "spread reaches down: {lowest:?}"
        );
    }

    #[test]
    fn scaled_holds_the_product_between_zero_and_max() {
        assert_eq!(scaled(SECOND, 2.5, CAP), Duration::from_millis(2500));
        assert_eq!(scaled(SECOND, -1.0, CAP), Duration::ZERO);
        assert_eq!(scaled(SECOND, f64::INFINITY, CAP), CAP);
        assert_eq!(scaled(SECOND, f64::NAN, CAP), CAP);
    }
}
