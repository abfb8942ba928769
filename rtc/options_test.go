package rtc

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"

	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

// TestDataChannelOptions: every RTCDataChannelInit option set on one side is
// what the other side's channel reports (DCEP carries them, RFC 8832 §5.1),
// and partially reliable channels deliver over a lossy link.
func TestDataChannelOptions(t *testing.T) {
	sim := netsim.New(netsim.Config{Seed: 41})
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond})
	a := newPeer(t, sim, 41, "a", addrA)
	b := newPeer(t, sim, 41, "b", addrB)
	three, life := uint16(3), uint16(150)
	specs := map[string]DataChannelInit{
		"rexmit":   {Unordered: true, MaxRetransmits: &three, Protocol: "p1", Priority: PriorityHigh},
		"lifetime": {MaxPacketLifeTime: &life, Protocol: "p2", Priority: PriorityVeryLow},
		"reliable": {Priority: PriorityMedium},
	}
	local := map[string]*DataChannel{}
	for label, init := range specs {
		dc, err := a.pc.CreateDataChannel(label, init)
		if err != nil {
			t.Fatal(err)
		}
		local[label] = dc
	}
	negotiate(t, a, b, nil)
	if err := sim.Run(func() bool {
		for l := range specs {
			if b.channel(l) == nil {
				return false
			}
		}
		return true
	}, 20000); err != nil {
		t.Fatal(err)
	}
	for label, init := range specs {
		checkRemoteOptions(t, label, init, local[label], b.channel(label))
	}
	// Partially reliable channels still deliver over loss.
	sim.SetDefaultLink(netsim.LinkConfig{Delay: 10 * time.Millisecond, Loss: 0.2})
	for range 20 {
		if err := local["rexmit"].Send([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := sim.RunFor(5*time.Second, 100000); err != nil {
		t.Fatal(err)
	}
	if n := len(b.Reads); n == 0 || n > 20 {
		t.Errorf("partially reliable: %d of 20 delivered", n)
	}
}

// checkRemoteOptions compares the options of a local channel with what
// the peer's handle of it reports.
func checkRemoteOptions(t *testing.T, label string, init DataChannelInit, l, r *DataChannel) {
	t.Helper()
	{
		if r.Ordered() == init.Unordered || r.Protocol() != init.Protocol || r.Priority() != init.Priority {
			t.Errorf("%s: remote ordered %v protocol %q priority %v", label, r.Ordered(), r.Protocol(), r.Priority())
		}
		if (init.MaxRetransmits == nil) != (r.MaxRetransmits() == nil) || (init.MaxPacketLifeTime == nil) != (r.MaxPacketLifeTime() == nil) {
			t.Errorf("%s: reliability not carried", label)
		}
		if init.MaxRetransmits != nil && *r.MaxRetransmits() != *init.MaxRetransmits {
			t.Errorf("%s: maxRetransmits %d", label, *r.MaxRetransmits())
		}
		if init.MaxPacketLifeTime != nil && *r.MaxPacketLifeTime() != *init.MaxPacketLifeTime {
			t.Errorf("%s: maxPacketLifeTime %d", label, *r.MaxPacketLifeTime())
		}
		// a offered, b answered active: b is the DTLS client and a the
		// server, so a's in-band ids are odd (RFC 8832 §6).
		id, ok := l.ID()
		rid, _ := r.ID()
		if !ok || id != rid || id%2 != 1 {
			t.Errorf("%s: id %d, remote %d, assigned %v", label, id, rid, ok)
		}
	}
}

// TestLimitQueuedMessages: the read queue never holds more than
// MaxQueuedMessages; what does not fit waits in SCTP (its receive window
// slows the sender) and nothing is lost on a reliable channel.
func TestLimitQueuedMessages(t *testing.T) {
	sim, _, b, dcs := connectedPair(t, 42, 1, Configuration{}, Configuration{MaxQueuedMessages: 2})
	b.pc.out.reads.Clear()
	// Read nothing on b: bypass the test wrapper's draining.
	sim.Remove(b)
	raw := &rawPeer{pc: b.pc}
	sim.Add(raw, addrB)
	dropped := b.pc.Stats().Dropped
	for i := range 4 {
		if err := dcs[0].SendText(strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sim.RunFor(time.Second, 10000); err != nil {
		t.Fatal(err)
	}
	if n := b.pc.out.reads.Len(); n != 2 {
		t.Errorf("read queue holds %d, want the limit 2", n)
	}
	if raw.queueFull != 0 || b.pc.Stats().Dropped != dropped {
		t.Errorf("%d queue-full errors, %d dropped: messages were lost", raw.queueFull, b.pc.Stats().Dropped-dropped)
	}
	var got []string
	for {
		m, ok := b.pc.PollRead()
		if !ok {
			break
		}
		got = append(got, string(m.Data))
	}
	if strings.Join(got, ",") != "0,1,2,3" {
		t.Errorf("read %q, want 0,1,2,3 in order", got)
	}
}

// rawPeer drives a PeerConnection without reading its messages.
type rawPeer struct {
	pc        *PeerConnection
	queueFull int
}

func (r *rawPeer) HandleRead(m sharedTaggedBytes) error {
	err := r.pc.HandleRead(m)
	r.note(err)
	return nil
}
func (r *rawPeer) HandleTimeout(now time.Time) error    { r.note(r.pc.HandleTimeout(now)); return nil }
func (r *rawPeer) PollWrite() (sharedTaggedBytes, bool) { return r.pc.PollWrite() }
func (r *rawPeer) PollTimeout() (time.Time, bool)       { return r.pc.PollTimeout() }
func (r *rawPeer) note(err error) {
	if err != nil && errorsIsQueueFull(err) {
		r.queueFull++
	}
}

type sharedTaggedBytes = shared.TaggedBytes

func errorsIsQueueFull(err error) bool { return errors.Is(err, shared.ErrQueueFull) }
