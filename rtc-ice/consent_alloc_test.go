package ice

import (
	"testing"
	"time"
	"unsafe"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TestConsentNoAllocs: on a connected pair, a consent check each way
// (RFC 7675 §5.1: request, response, both sides' bookkeeping) allocates
// nothing in steady state when the caller hands written buffers back
// (issue 18: idle cost per PeerConnection).
func TestConsentNoAllocs(t *testing.T) {
	pa, pb, sim, _ := hostPair(t, 1)
	if err := sim.Run(func() bool { return pa.nominated() && pb.nominated() }, 10000); err != nil {
		t.Fatal(err)
	}
	now := sim.Now()
	// deliver moves what from wrote to to, as the network would, and
	// gives the buffers back; it returns how many datagrams moved.
	deliver := func(from, to *Agent) int {
		n := 0
		for {
			m, ok := from.PollWrite()
			if !ok {
				return n
			}
			n++
			in := shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: m.Transport.Peer, Peer: m.Transport.Local, Protocol: m.Transport.Protocol}, Message: m.Message}
			if err := to.HandleRead(in); err != nil {
				t.Fatal(err)
			}
			from.ReleaseWrite(m.Message)
			for {
				if _, ok := to.PollEvent(); !ok {
					break
				}
			}
		}
	}
	sent := 0
	cycle := func() {
		// Past the longest consent interval (1.2 × 5 s): both sides check.
		now = now.Add(6 * time.Second)
		for _, p := range []*peer{pa, pb} {
			if err := p.a.HandleTimeout(now); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			sent += deliver(pa.a, pb.a)
			sent += deliver(pb.a, pa.a)
		}
	}
	for range 5 {
		cycle() // reach steady state: buffers and queues grown
	}
	sent = 0
	allocs := testing.AllocsPerRun(20, cycle)
	if sent < 4*21 {
		t.Fatalf("%d datagrams in 21 cycles, want a request and a response each way per cycle", sent)
	}
	if pa.a.ConnectionState() != StateCompleted && pa.a.ConnectionState() != StateConnected {
		t.Fatalf("A: %v", pa.a.ConnectionState())
	}
	t.Logf("%v allocs per consent cycle (%d datagrams)", allocs, sent)
	if allocs != 0 {
		t.Fatalf("%v allocs per consent cycle (a check and its response each way), want 0", allocs)
	}
	// ReleaseIdle (an idle connection, issue 18): the free list and the
	// queues' storage go; the next consent checks take back what they use
	// once, and steady state allocates nothing again.
	for _, p := range []*peer{pa, pb} {
		if p.a.free.Len() == 0 {
			t.Fatal("nothing kept for reuse before ReleaseIdle")
		}
		p.a.ReleaseIdle()
		if p.a.free != nil {
			t.Fatal("free list kept after ReleaseIdle")
		}
	}
	for range 3 {
		cycle()
	}
	if allocs := testing.AllocsPerRun(20, cycle); allocs != 0 {
		t.Fatalf("%v allocs per consent cycle after ReleaseIdle and three cycles, want 0", allocs)
	}
	if st := pa.a.ConnectionState(); st != StateCompleted && st != StateConnected {
		t.Fatalf("A after ReleaseIdle: %v", st)
	}
	// The STUN parse scratch does not keep the last datagram read (the
	// caller's buffer) alive.
	for _, p := range []*peer{pa, pb} {
		if p.a.msg.Raw != nil {
			t.Errorf("the agent keeps the last STUN datagram read (%d bytes)", len(p.a.msg.Raw))
		}
	}
}

// TestAgentSize: the Agent struct fits the 1408-byte size class (1448
// bytes, the 1536-byte class, before): its one-byte fields are grouped
// without padding (issue 18).
func TestAgentSize(t *testing.T) {
	if n := unsafe.Sizeof(Agent{}); n > 1408 {
		t.Errorf("Agent is %d bytes, want at most 1408", n)
	}
}
