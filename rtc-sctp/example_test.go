package sctp_test

import (
	"fmt"
	"time"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// pump runs the drive loop for two associations wired back to back: after
// any Handle* call, drain PollWrite (into the other side's HandleRead),
// PollEvent and PollRead; when nothing moves, jump to the next deadline.
func pump(now time.Time, a, b *sctp.Association, rounds int) {
	eps := [2]*sctp.Association{a, b}
	for range rounds {
		moved := false
		for i, e := range eps {
			for p, ok := e.PollWrite(); ok; p, ok = e.PollWrite() {
				check(eps[1-i].HandleRead(shared.TaggedBytes{Now: now, Message: p.Message}))
				moved = true
			}
			for ev, ok := e.PollEvent(); ok; ev, ok = e.PollEvent() {
				fmt.Printf("side %d: %v\n", i, ev.Kind)
				moved = true
			}
			for m, ok := e.PollRead(); ok; m, ok = e.PollRead() {
				fmt.Printf("side %d: stream %d ppid %d %q\n", i, m.Stream, m.PPID, m.Data)
				moved = true
			}
		}
		if !moved {
			d, ok := a.PollTimeout()
			if d2, ok2 := b.PollTimeout(); ok2 && (!ok || d2.Before(d)) {
				d, ok = d2, true
			}
			if !ok {
				return
			}
			now = d
			check(a.HandleTimeout(now))
			check(b.HandleTimeout(now))
		}
	}
}

// check prints an error, so that the example's output shows it.
func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
	}
}

// Two associations connect (both send INIT, as WebRTC peers do), exchange
// a message and shut down.
func Example() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, err := sctp.New(sctp.Config{})
	check(err)
	b, err := sctp.New(sctp.Config{})
	check(err)
	check(a.Connect(now))
	check(b.Connect(now))
	pump(now, a, b, 20)

	check(a.HandleWrite(sctp.Message{Stream: 1, PPID: 51, Data: []byte("hello")}))
	pump(now, a, b, 20)

	check(a.Close())
	pump(now, a, b, 20)
	// Output:
	// side 1: Connected
	// side 0: Connected
	// side 0: BufferedAmountLow
	// side 1: stream 1 ppid 51 "hello"
	// side 0: Closed
	// side 1: Shutdown
	// side 1: Closed
}

// A data channel is closed by resetting its outgoing stream (RFC 8831
// §6.7); the peer learns it and resets its own side.
func ExampleAssociation_ResetStreams() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, err := sctp.New(sctp.Config{})
	check(err)
	b, err := sctp.New(sctp.Config{})
	check(err)
	check(a.Connect(now))
	pump(now, a, b, 20)
	check(a.ResetStreams(3))
	pump(now, a, b, 20)
	// Output:
	// side 1: Connected
	// side 0: Connected
	// side 1: IncomingStreamsReset
	// side 0: OutgoingStreamsReset
}
