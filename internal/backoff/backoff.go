// Package backoff spaces the retries of background jobs.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Exponential returns the wait before a job's next attempt, after attempt
// attempts: base, doubling with each attempt up to max, plus up to 10%
// jitter, so that a burst of failures does not come back as a burst (and an
// endpoint that was down is not hit by every job at once when it returns).
func Exponential(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}
