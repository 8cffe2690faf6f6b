package onboard

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer keeps each connection's inserts below Zoho People's threshold (100
// a minute per organisation, past which every insert is locked out for five
// minutes). It runs on the service's clock, so tests can drive it with the
// sandbox's.
//
// The limiters live in this process: replicas sharing a database each pace
// on their own, so with n replicas Config.InsertsPerMinute should be divided
// by n. The lock-out record in the database (connection_blocks) is the
// shared safety net if they get it wrong.
type pacer struct {
	perMinute float64
	burst     int
	now       func() time.Time
	// step is the longest real sleep between looks at the clock, so that a
	// clock moved forward by a test is noticed promptly.
	step time.Duration

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func newPacer(perMinute float64, burst int, now func() time.Time) *pacer {
	return &pacer{perMinute: perMinute, burst: burst, now: now, step: 25 * time.Millisecond, limiters: map[string]*rate.Limiter{}}
}

// reserve takes key's next slot unless it is more than maxWait away, and
// returns when it is due, or how far ahead it is. The clock is read under
// the lock: a limiter handed times out of order counts the interval between
// them twice, and grants slots it does not have.
func (p *pacer) reserve(key string, maxWait time.Duration) (due time.Time, ahead time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.limiters[key]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(p.perMinute/60), p.burst)
		p.limiters[key] = l
	}
	now := p.now()
	if short := 1 - l.TokensAt(now); short > 0 {
		if ahead := time.Duration(short / float64(l.Limit()) * float64(time.Second)); ahead > maxWait {
			return time.Time{}, ahead, false
		}
	}
	r := l.ReserveN(now, 1)
	if !r.OK() {
		return time.Time{}, maxWait, false
	}
	return now.Add(r.DelayFrom(now)), 0, true
}

// wait takes the next insert slot of connection key. When the slot is more
// than maxWait away it takes nothing and returns how long to wait, so that
// the caller can snooze its job rather than hold a worker; otherwise it
// waits for the slot and returns 0.
//
// A slot once taken is never given back, not even when ctx ends: a slot
// lost errs on the side of the threshold, and a job further back in line
// takes no slot at all, so there is nothing to give back.
func (p *pacer) wait(ctx context.Context, key string, maxWait time.Duration) (time.Duration, error) {
	if p.perMinute <= 0 {
		return 0, nil // pacing off
	}
	due, ahead, ok := p.reserve(key, maxWait)
	if !ok {
		return ahead, nil
	}
	return 0, p.until(ctx, due)
}

// until waits for the slot due, on the pacer's clock.
func (p *pacer) until(ctx context.Context, due time.Time) error {
	for {
		left := due.Sub(p.now())
		if left <= 0 {
			return nil
		}
		t := time.NewTimer(min(left, p.step))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
