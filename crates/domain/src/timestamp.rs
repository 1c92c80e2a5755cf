//! The one time encoding used everywhere: microseconds since the Unix epoch, in UTC.
//!
//! A 64-bit integer sorts and indexes the same way on SQLite and PostgreSQL, compares
//! without parsing, and keeps activity-log range scans cheap at tens of millions of rows.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::OffsetDateTime;

/// A point in time, UTC, with microsecond precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(#[serde(with = "time::serde::rfc3339")] OffsetDateTime);

/// A stored number that is not a representable point in time.
#[derive(Debug, Error)]
#[error("{0} microseconds is outside the supported time range")]
pub struct OutOfRange(i64);

impl Timestamp {
    /// The current time, truncated to whole microseconds so it survives a round trip.
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        let micros = now.microsecond();
        Self(now.replace_nanosecond(micros * 1_000).unwrap_or(now))
    }

    /// Microseconds since 1970-01-01T00:00:00Z, the stored form.
    pub fn unix_micros(&self) -> i64 {
        // Every OffsetDateTime within time's default range fits in i64 microseconds.
        i64::try_from(self.0.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
    }

    /// This time plus `by`, saturating at the end of the supported range.
    pub fn after(self, by: std::time::Duration) -> Self {
        let by = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        Self::try_from(self.unix_micros().saturating_add(by)).unwrap_or(self)
    }

    /// The time as a `time` value, for formatting.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }
}

impl TryFrom<i64> for Timestamp {
    type Error = OutOfRange;

    fn try_from(micros: i64) -> Result<Self, Self::Error> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
            .map(Self)
            .map_err(|_| OutOfRange(micros))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn now_survives_the_stored_round_trip() {
        let now = Timestamp::now();
        assert_eq!(Timestamp::try_from(now.unix_micros()).unwrap(), now);
    }

    #[test]
    fn a_time_later_by_a_duration_stops_at_the_end_of_the_calendar() {
        let epoch = Timestamp::try_from(0).unwrap();
        let later = epoch.after(std::time::Duration::from_secs(90));
        assert_eq!(later.unix_micros(), 90_000_000);
        assert_eq!(later.after(std::time::Duration::MAX), later);
    }

    #[test]
    fn numbers_beyond_the_calendar_are_refused() {
        assert!(Timestamp::try_from(i64::MAX).is_err());
    }

    proptest! {
        #[test]
        fn ordering_of_timestamps_matches_ordering_of_stored_numbers(a in -62_135_596_800_000_000i64..253_402_300_799_000_000, b in -62_135_596_800_000_000i64..253_402_300_799_000_000) {
            let (ta, tb) = (Timestamp::try_from(a).unwrap(), Timestamp::try_from(b).unwrap());
            prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
            prop_assert_eq!(ta.unix_micros(), a);
        }
    }
}
