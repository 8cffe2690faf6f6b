package backoff

import (
	"testing"
	"time"
)

func TestExponential(t *testing.T) {
	base, max := 2*time.Second, 15*time.Second
	for _, c := range []struct {
		attempt int
		want    time.Duration
	}{{1, 2 * time.Second}, {2, 4 * time.Second}, {3, 8 * time.Second}, {4, 15 * time.Second}, {40, 15 * time.Second}} {
		for range 50 {
			got := Exponential(c.attempt, base, max)
			if got < c.want || got > c.want+c.want/10 {
				t.Fatalf("attempt %d: waited %s, want %s plus at most 10%%", c.attempt, got, c.want)
			}
		}
	}
}
