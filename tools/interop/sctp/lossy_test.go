package sctp

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/logging"
	pion "github.com/pion/sctp"
	ours "github.com/sansrtc/rtc/rtc-sctp"
	"github.com/sansrtc/rtc/tools/internal/peers"
)

// lossyConn drops a fraction of the packets written to it.
type lossyConn struct {
	*peers.MemConn
	mu   sync.Mutex
	rng  *rand.Rand
	loss float64
}

func (c *lossyConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	drop := c.rng.Float64() < c.loss
	c.mu.Unlock()
	if drop {
		return len(p), nil
	}
	return c.MemConn.Write(p)
}

// TestPionLossy moves 2 MB each way between rtc-sctp and Pion with 5% of
// the packets dropped in both directions, then sends partially reliable
// messages from ours to Pion (exercising FORWARD TSN).
func TestPionLossy(t *testing.T) {
	oc, pc := peers.MemPipe(4096)
	loc := &lossyConn{MemConn: oc, rng: rand.New(rand.NewPCG(1, 2)), loss: 0.05}
	lpc := &lossyConn{MemConn: pc, rng: rand.New(rand.NewPCG(3, 4)), loss: 0.05}
	d := newDriverConn(t, ours.Config{PeerMaxMessageSize: 65536, RTOMin: 50 * time.Millisecond}, oc, loc)
	must(t, d.do(func(a *ours.Association) error { return a.Connect(time.Now()) }))
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	pa, err := pion.ServerWithOptions(pion.WithNetConn(lpc), pion.WithLoggerFactory(lf))
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	d.waitEvent(t, ours.EventConnected)

	const total = 2 << 20
	src := make([]byte, total)
	for i := range src {
		src[i] = byte(i*31 + i>>9)
	}
	go func() {
		for off := 0; off < total; {
			n := min(30000, total-off)
			err := d.do(func(a *ours.Association) error {
				return a.HandleWrite(ours.Message{Stream: 1, PPID: 53, Data: src[off : off+n]})
			})
			if err != nil {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			off += n
		}
	}()
	ps, err := pa.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 1<<17)
	for len(got) < total {
		must(t, ps.SetReadDeadline(time.Now().Add(20*time.Second)))
		n, _, err := ps.ReadSCTP(buf)
		if err != nil {
			t.Fatalf("pion read after %d bytes: %v", len(got), err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, src) {
		t.Fatal("pion received different bytes")
	}
	// Pion -> ours.
	werr := make(chan error, 1)
	go func() {
		for off := 0; off < total; off += 30000 {
			if _, err := ps.WriteSCTP(src[off:min(off+30000, total)], 53); err != nil {
				werr <- err
				return
			}
		}
		werr <- nil
	}()
	var back []byte
	for len(back) < total {
		m := d.read(t)
		back = append(back, m.Data...)
	}
	must(t, <-werr)
	if !bytes.Equal(back, src) {
		t.Fatal("ours received different bytes")
	}
	// Partially reliable unordered messages: Pion must skip the abandoned
	// ones (FORWARD TSN) and keep the association healthy.
	for i := range 200 {
		must(t, d.do(func(a *ours.Association) error {
			return a.HandleWrite(ours.Message{Stream: 3, PPID: 53, Unordered: true, Policy: ours.PRRetransmits, Data: []byte{byte(i), 1, 2, 3}})
		}))
	}
	ps3, err := pa.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	n3 := 0
	for {
		must(t, ps3.SetReadDeadline(time.Now().Add(2*time.Second)))
		if _, _, err := ps3.ReadSCTP(buf); err != nil {
			break
		}
		n3++
	}
	var st ours.Stats
	must(t, d.do(func(a *ours.Association) error { st = a.Stats(); return nil }))
	t.Logf("PR messages: Pion got %d of 200, we abandoned %d, sent %d FORWARD TSNs; rtx %d fast %d t3 %d",
		n3, st.AbandonedMessages, st.ForwardTSNsSent, st.Retransmissions, st.FastRetransmits, st.T3Expirations)
	if n3 == 0 || n3 > 200 {
		t.Fatalf("Pion got %d PR messages", n3)
	}
	// The association still works both ways after FORWARD TSN.
	must(t, d.do(func(a *ours.Association) error {
		return a.HandleWrite(ours.Message{Stream: 1, PPID: 51, Data: []byte("still here")})
	}))
	must(t, ps.SetReadDeadline(time.Now().Add(20*time.Second)))
	if n, _, err := ps.ReadSCTP(buf); err != nil || string(buf[:n]) != "still here" {
		t.Fatalf("after PR: %q %v", buf[:n], err)
	}
	// Pion sends partially reliable ordered messages to us: our receiver
	// must follow its FORWARD TSNs and keep delivering in order.
	ps5, err := pa.OpenStream(5, 53)
	if err != nil {
		t.Fatal(err)
	}
	ps5.SetReliabilityParams(false, pion.ReliabilityTypeRexmit, 0)
	for i := range 200 {
		if _, err := ps5.WriteSCTP([]byte{byte(i), 9, 9, 9}, 53); err != nil {
			t.Fatal(err)
		}
	}
	ps5.SetReliabilityParams(false, pion.ReliabilityTypeReliable, 0)
	if _, err := ps5.WriteSCTP([]byte("last"), 53); err != nil {
		t.Fatal(err)
	}
	last, count := -1, 0
	for {
		m := d.read(t)
		if m.Stream != 5 {
			continue
		}
		if string(m.Data) == "last" {
			break
		}
		if int(m.Data[0]) <= last {
			t.Fatalf("ordered PR stream out of order: %d after %d", m.Data[0], last)
		}
		last = int(m.Data[0])
		count++
	}
	must(t, d.do(func(a *ours.Association) error { st = a.Stats(); return nil }))
	t.Logf("Pion's PR messages: we got %d of 200 in order; %d stale fragments dropped", count, st.Stale)
}

var _ io.Reader = (*lossyConn)(nil)
var _ net.Conn = (*lossyConn)(nil)
