package onboard

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// The pacer's slots, taken from many goroutines at once on a clock that
// moves on its own, never put more than rate+burst in any minute, and a
// slot further away than maxWait is not taken.
func TestPacerSlots(t *testing.T) {
	var mu sync.Mutex
	clock := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(7 * time.Millisecond) // every look moves time on
		return clock
	}
	p := newPacer(95, 1, now)

	var dues []time.Time
	var wg sync.WaitGroup
	var dmu sync.Mutex
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 60 {
				due, ahead, ok := p.reserve("ten/con", time.Hour)
				if !ok {
					t.Errorf("no slot within an hour (ahead %s)", ahead)
					return
				}
				dmu.Lock()
				dues = append(dues, due)
				dmu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(dues, time.Time.Compare)
	for i, j := 0, 0; j < len(dues); j++ {
		for dues[j].Sub(dues[i]) >= time.Minute {
			i++
		}
		if n := j - i + 1; n > 96 {
			t.Fatalf("%d slots within a minute, want at most 96", n)
		}
	}

	// A slot more than maxWait away is refused, and takes nothing.
	q := newPacer(60, 1, func() time.Time { return clock })
	if _, ahead, ok := q.reserve("k", time.Second); !ok || ahead != 0 {
		t.Fatalf("first slot: ok %v, ahead %s", ok, ahead)
	}
	due, _, ok := q.reserve("k", 1500*time.Millisecond)
	if !ok || due.Sub(clock) != time.Second {
		t.Fatalf("second slot due in %s (ok %v), want 1s", due.Sub(clock), ok)
	}
	if _, ahead, ok := q.reserve("k", 1500*time.Millisecond); ok || ahead < 1900*time.Millisecond {
		t.Fatalf("third slot: ok %v, ahead %s; want refused, about 2s ahead", ok, ahead)
	}
	if _, ahead, _ := q.reserve("k", 1500*time.Millisecond); ahead > 2100*time.Millisecond {
		t.Fatalf("a refused slot was taken: the next is %s ahead", ahead)
	}
	// Pacing off: no wait at all.
	off := newPacer(-1, 1, time.Now)
	if d, err := off.wait(context.Background(), "k", 0); d != 0 || err != nil {
		t.Fatalf("pacing off waited %s, %v", d, err)
	}
}
