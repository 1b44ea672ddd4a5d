//! The OTP restart intensity: at most a number of restarts within a sliding window of time.
//!
//! `one_for_one`, `one_for_all` and `rest_for_one` limit each actor with one of these; the root
//! can limit the whole tree (`supervision.max_restarts` within `restart_window`) with another.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// Restart times of the last `within` and the limit on their number.
///
/// As in OTP, a restart exactly `within` ago still counts; it leaves the window the instant after.
#[derive(Debug, Clone)]
pub struct RestartWindow {
    max_restarts: u32,
    within: Duration,
    restarts: VecDeque<Instant>,
}

/// Whether one more restart fits in a [`RestartWindow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The restart is allowed and recorded; the count includes it.
    Admitted {
        /// Restarts in the window, this one included.
        restarts_in_window: u32,
    },
    /// The window already holds the maximum; nothing was recorded and the failure escalates.
    Exceeded {
        /// Restarts in the window when the failure came.
        restarts_in_window: u32,
    },
}

impl RestartWindow {
    /// A window allowing `max_restarts` restarts within `within`. A limit of 0 refuses every
    /// restart.
    pub fn new(max_restarts: u32, within: Duration) -> Self {
        RestartWindow {
            max_restarts,
            within,
            restarts: VecDeque::new(),
        }
    }

    /// Asks for a restart at `now`: restarts older than the window are forgotten, then the
    /// restart is recorded if the window holds fewer than the maximum.
    pub fn admit(&mut self, now: Instant) -> Admission {
        self.forget_older_than_window(now);

        let held = self.restarts_in_window();
        if held >= self.max_restarts {
            return Admission::Exceeded {
                restarts_in_window: held,
            };
        }

        self.restarts.push_back(now);
        Admission::Admitted {
            restarts_in_window: held + 1,
        }
    }

    /// Restarts in the window as of the last [`admit`](Self::admit).
    pub fn restarts_in_window(&self) -> u32 {
        u32::try_from(self.restarts.len()).unwrap_or(u32::MAX)
    }

    /// Length of the window.
    pub fn within(&self) -> Duration {
        self.within
    }

    /// Restarts allowed within the window.
    pub fn max_restarts(&self) -> u32 {
        self.max_restarts
    }

    fn forget_older_than_window(&mut self, now: Instant) {
        while let Some(&oldest) = self.restarts.front() {
            if now.saturating_duration_since(oldest) <= self.within {
                break;
            }
            self.restarts.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn admitted(restarts_in_window: u32) -> Admission {
        Admission::Admitted { restarts_in_window }
    }

    #[test]
    fn admits_up_to_the_maximum_then_refuses() {
        let base = Instant::now();
        let mut window = RestartWindow::new(3, MINUTE);

        assert_eq!(window.admit(base), admitted(1));
        assert_eq!(window.admit(base + Duration::from_secs(1)), admitted(2));
        assert_eq!(window.admit(base + Duration::from_secs(2)), admitted(3));
        assert_eq!(
            window.admit(base + Duration::from_secs(3)),
            Admission::Exceeded {
                restarts_in_window: 3
            }
        );
    }

    #[test]
    fn a_restart_exactly_one_window_ago_still_counts() {
        let base = Instant::now();
        let mut window = RestartWindow::new(1, MINUTE);

        assert_eq!(window.admit(base), admitted(1));
        assert!(matches!(
            window.admit(base + MINUTE),
            Admission::Exceeded { .. }
        ));
        assert_eq!(
            window.admit(base + MINUTE + Duration::from_nanos(1)),
            admitted(1)
        );
    }

    #[test]
    fn old_restarts_slide_out_one_by_one() {
        let base = Instant::now();
        let mut window = RestartWindow::new(2, MINUTE);

        window.admit(base);
        window.admit(base + Duration::from_secs(30));

        // At 61s only the 30s restart is still inside.
        assert_eq!(window.admit(base + Duration::from_secs(61)), admitted(2));
    }

    #[test]
    fn zero_maximum_refuses_the_first_restart() {
        let mut window = RestartWindow::new(0, MINUTE);

        assert_eq!(
            window.admit(Instant::now()),
            Admission::Exceeded {
                restarts_in_window: 0
            }
        );
    }
}
