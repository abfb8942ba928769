package echo

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

var (
	t0     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	local  = netip.MustParseAddrPort("192.0.2.1:5000")
	remote = netip.MustParseAddrPort("198.51.100.1:7")
)

// TestClientScripted drives a client by hand: send, time out, retransmit
// with backoff, stale and malformed echoes, completion.
func TestClientScripted(t *testing.T) {
	c := NewClient(ClientConfig{Local: local, Peer: remote, Count: 2, Size: 8, RTO: 100 * time.Millisecond, MaxRTO: 150 * time.Millisecond})
	if _, ok := c.PollTimeout(); ok {
		t.Fatal("deadline before Start")
	}
	c.Start(t0)
	m, ok := c.PollWrite()
	if !ok || len(m.Message) != 8 || m.Transport.Local != local || m.Transport.Peer != remote {
		t.Fatalf("first message %+v", m)
	}
	if _, ok := c.PollWrite(); ok {
		t.Fatal("two messages")
	}
	d, _ := c.PollTimeout()
	if !d.Equal(t0.Add(100 * time.Millisecond)) {
		t.Fatalf("deadline %v", d)
	}
	_ = c.HandleTimeout(t0.Add(50 * time.Millisecond)) // early: nothing
	if _, ok := c.PollWrite(); ok {
		t.Fatal("retransmitted early")
	}
	_ = c.HandleTimeout(d)
	if _, ok := c.PollWrite(); !ok || c.Stats().Retransmissions != 1 {
		t.Fatal("no retransmission")
	}
	if d2, _ := c.PollTimeout(); !d2.Equal(d.Add(150 * time.Millisecond)) { // doubled, capped
		t.Fatalf("backoff deadline %v", d2)
	}
	if err := c.HandleRead(shared.TaggedBytes{Now: d, Message: []byte{1, 2}}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("malformed: %v", err)
	}
	wrong := append([]byte(nil), m.Message...)
	wrong[3] = 9
	_ = c.HandleRead(shared.TaggedBytes{Now: d, Message: wrong})
	if c.Stats().Stale != 1 || c.Stats().Completed != 0 {
		t.Fatalf("stats %+v", c.Stats())
	}
	_ = c.HandleRead(shared.TaggedBytes{Now: d, Message: m.Message})
	m2, _ := c.PollWrite()
	_ = c.HandleRead(shared.TaggedBytes{Now: d, Message: m2.Message})
	if !c.Done() || c.Err() != nil || c.Stats().Completed != 2 || !c.Finished().Equal(d) {
		t.Fatalf("not done: %+v", c.Stats())
	}
	if _, ok := c.PollTimeout(); ok {
		t.Fatal("deadline after done")
	}
}

func TestClientGivesUp(t *testing.T) {
	c := NewClient(ClientConfig{Local: local, Peer: remote, MaxRetransmits: 2})
	c.Start(t0)
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		d, ok := c.PollTimeout()
		if !ok {
			break
		}
		err = c.HandleTimeout(d)
	}
	if !errors.Is(err, ErrGaveUp) || !c.Done() || c.Stats().Retransmissions != 2 {
		t.Fatalf("err %v stats %+v", err, c.Stats())
	}
}

func TestServer(t *testing.T) {
	s := NewServer(1)
	in := shared.TaggedBytes{Now: t0, Transport: shared.TransportContext{Local: remote, Peer: local}, Message: []byte("hi")}
	if err := s.HandleRead(in); err != nil {
		t.Fatal(err)
	}
	if err := s.HandleRead(in); !errors.Is(err, shared.ErrQueueFull) || s.Stats.Dropped != 1 {
		t.Fatalf("full outbox: %v", err)
	}
	in.Message[0] = 'X' // the server copied what it kept
	out, ok := s.PollWrite()
	if !ok || string(out.Message) != "hi" || out.Transport.Local != remote || out.Transport.Peer != local {
		t.Fatalf("echo %+v", out)
	}
	if _, ok := s.PollTimeout(); ok || s.HandleTimeout(t0) != nil {
		t.Fatal("server has no timers")
	}
}
