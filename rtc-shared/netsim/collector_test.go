package netsim_test

import (
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// upper is a toy protocol: every datagram comes out of PollRead as a
// string and produces an event counting them; HandleWrite sends a string.
type upper struct {
	peer, local netip.AddrPort
	reads       []string
	events      []int
	out         []shared.TaggedBytes
	n           int
}

func (u *upper) HandleRead(m shared.TaggedBytes) error {
	u.n++
	u.reads = append(u.reads, string(m.Message))
	u.events = append(u.events, u.n)
	return nil
}

func (u *upper) PollRead() (string, bool) {
	if len(u.reads) == 0 {
		return "", false
	}
	r := u.reads[0]
	u.reads = u.reads[1:]
	return r, true
}

func (u *upper) HandleWrite(s string) error {
	u.out = append(u.out, shared.TaggedBytes{Transport: shared.TransportContext{Local: u.local, Peer: u.peer}, Message: []byte(s)})
	return nil
}

func (u *upper) HandleEvent(struct{}) error { return nil }

func (u *upper) PollEvent() (int, bool) {
	if len(u.events) == 0 {
		return 0, false
	}
	e := u.events[0]
	u.events = u.events[1:]
	return e, true
}

func (u *upper) PollWrite() (shared.TaggedBytes, bool) {
	if len(u.out) == 0 {
		return shared.TaggedBytes{}, false
	}
	m := u.out[0]
	u.out = u.out[1:]
	return m, true
}

func (u *upper) HandleTimeout(time.Time) error  { return nil }
func (u *upper) PollTimeout() (time.Time, bool) { return time.Time{}, false }
func (u *upper) Close() error                   { return nil }

func TestCollector(t *testing.T) {
	sim := netsim.New(netsim.Config{})
	pa := &upper{local: clientAddr, peer: serverAddr}
	pb := &upper{local: serverAddr, peer: clientAddr}
	a := netsim.Collect[string, string, struct{}, int](pa)
	b := netsim.Collect[string, string, struct{}, int](pb)
	var seen []string
	b.OnRead = func(s string) { seen = append(seen, s) }
	sim.Add(a, clientAddr)
	sim.Add(b, serverAddr)
	for _, s := range []string{"one", "two", "three"} {
		_ = pa.HandleWrite(s)
	}
	if err := sim.Run(func() bool { return len(b.Reads) == 3 }, 100); err != nil {
		t.Fatal(err)
	}
	if b.Reads[2] != "three" || len(b.Events) != 3 || b.Events[2] != 3 || len(seen) != 3 {
		t.Fatalf("reads %v events %v", b.Reads, b.Events)
	}
}
