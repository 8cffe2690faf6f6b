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
	return &pacer{perMinute: perMinute, burst: burst, now: now, step: 100 * time.Millisecond, limiters: map[string]*rate.Limiter{}}
}

func (p *pacer) limiter(key string) *rate.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.limiters[key]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(p.perMinute/60), p.burst)
		p.limiters[key] = l
	}
	return l
}

// wait takes the next insert slot of connection key. When the slot is more
// than maxWait away it gives the slot back and returns how long to wait, so
// that the caller can snooze its job rather than hold a worker; otherwise it
// waits for the slot and returns 0.
func (p *pacer) wait(ctx context.Context, key string, maxWait time.Duration) (time.Duration, error) {
	if p.perMinute <= 0 {
		return 0, nil // pacing off
	}
	l := p.limiter(key)
	now := p.now()
	r := l.ReserveN(now, 1)
	if !r.OK() {
		return maxWait, nil
	}
	delay := r.DelayFrom(now)
	if delay > maxWait {
		r.CancelAt(now)
		return delay, nil
	}
	due := now.Add(delay)
	for {
		left := due.Sub(p.now())
		if left <= 0 {
			return 0, nil
		}
		t := time.NewTimer(min(left, p.step))
		select {
		case <-ctx.Done():
			t.Stop()
			r.CancelAt(p.now())
			return 0, ctx.Err()
		case <-t.C:
		}
	}
}
