package sctp

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

// RFC 9260 §6.1 (A): "If the sender continues to receive SACKs from the
// peer while doing zero window probing, the unacknowledged window probes
// SHOULD NOT increment the error counter for the association". A reader
// that pauses for minutes, while its SCTP keeps acknowledging the probes
// with a_rwnd 0, must not make the sender give up; backpressure still
// stops writes at the send buffer limit.
func TestZeroWindowProbesDoNotFail(t *testing.T) {
	for _, pause := range []time.Duration{3 * time.Minute, 10 * time.Minute} {
		t.Run(fmt.Sprint(pause), func(t *testing.T) {
			p := newPair(t, Config{PeerMaxMessageSize: -1, SendBufferSize: 256 << 10},
				Config{ReceiveBufferSize: 64 << 10})
			p.delay = 20 * time.Millisecond
			p.connect()
			p.paused[1] = true
			msg := bytes.Repeat([]byte("z"), 1000)
			var sent int
			for {
				err := p.ep[0].HandleWrite(Message{Stream: 1, PPID: 53, Data: msg})
				if err == ErrSendBufferFull {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				sent++
			}
			end := p.now.Add(pause)
			p.run(func() bool { return !p.now.Before(end) || p.ep[0].State() == StateClosed }, 1_000_000)
			if p.ep[0].State() != StateEstablished {
				t.Fatalf("sender gave up after %v: %v", p.now.Sub(epoch), p.ep[0].Err())
			}
			// Backpressure: what was accepted while the peer did not read
			// is bounded by our send buffer and its receive window.
			for p.ep[0].HandleWrite(Message{Stream: 1, PPID: 53, Data: msg}) == nil {
				sent++
			}
			if limit := (256<<10 + 64<<10) / len(msg); sent > limit {
				t.Fatalf("%d messages accepted while the peer did not read, limit %d", sent, limit)
			}
			p.paused[1] = false
			p.run(func() bool { return len(p.reads[1]) == sent }, 1_000_000)
			if p.ep[0].State() != StateEstablished || p.ep[1].State() != StateEstablished {
				t.Fatal("closed")
			}
		})
	}
}

// A peer that stops answering during zero window probing still makes the
// association fail: only probes the peer answered are forgiven.
func TestZeroWindowSilentPeerFails(t *testing.T) {
	p := newPair(t, Config{PeerMaxMessageSize: -1, SendBufferSize: 256 << 10, RTOMax: 5 * time.Second},
		Config{ReceiveBufferSize: 64 << 10})
	p.delay = 20 * time.Millisecond
	p.connect()
	p.paused[1] = true
	msg := bytes.Repeat([]byte("z"), 1000)
	for p.ep[0].HandleWrite(Message{Stream: 1, PPID: 53, Data: msg}) == nil {
	}
	silent := p.now.Add(time.Minute)
	p.drop = func(from int, _ []byte) bool { return from == 1 && !p.now.Before(silent) }
	p.run(func() bool { return p.ep[0].State() == StateClosed }, 1_000_000)
	if p.ep[0].Err() != ErrRetransmissionLimit {
		t.Fatalf("closed with %v", p.ep[0].Err())
	}
	if took := p.now.Sub(silent); took > 2*time.Minute {
		t.Fatalf("failure took %v after the peer went silent", took)
	}
}
