package pacer_test

import (
	"fmt"
	"time"

	"github.com/sansrtc/rtc/rtc-interceptor/pacer"
)

// The drive loop: push packets as they are produced, poll at every
// deadline. Audio overtakes the video queued before it, and the video
// leaves at the pacing rate (1 Mbit/s × 2.5).
func Example() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := pacer.New[string](pacer.Config{}, 1_000_000)
	for _, v := range []string{"video 1", "video 2", "video 3"} {
		if err := p.Push(start, v, 1200, pacer.ClassVideo); err != nil {
			fmt.Println(err)
		}
	}
	if err := p.Push(start, "audio", 100, pacer.ClassAudio); err != nil {
		fmt.Println(err)
	}
	now := start
	for {
		for {
			it, ok := p.Poll(now)
			if !ok {
				break
			}
			fmt.Printf("%-8v %s\n", now.Sub(start), it.Value)
		}
		d, ok := p.PollTimeout()
		if !ok {
			break
		}
		now = d
	}
	// Output:
	// 0s       audio
	// 320µs    video 1
	// 4.16ms   video 2
	// 8ms      video 3
}
