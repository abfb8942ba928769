package sctp

import (
	"fmt"
	"net/netip"
	"os"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
)

var (
	addrA = netip.MustParseAddrPort("192.0.2.1:5000")
	addrB = netip.MustParseAddrPort("198.51.100.1:5000")
)

// pattern is the byte at offset i of a bulk transfer: no need to keep
// 100 MB around to check it.
func pattern(i int) byte { return byte(uint32(i)*2654435761>>13) ^ byte(i>>16) }

// app is a test endpoint: an association plus the application on top of
// it. It writes src as fast as the send buffer allows and checks what
// arrives.
type app struct {
	t      testing.TB
	a      *Association
	total  int // bytes to send
	off    int
	msg    int
	stream uint16
	tmpl   Message
	buf    []byte
	ready  int // offset whose bytes buf holds
	// receive side
	got      int
	checkSeq bool
	reads    []Message
	keep     bool
	events   []Event
	onRead   func(Message)
	onSend   func([]byte)
	fail     string
}

func newApp(t testing.TB, cfg Config, local, peer netip.AddrPort) *app {
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.SetTransport(shared.TransportContext{Local: local, Peer: peer})
	return &app{t: t, a: a, keep: true, ready: -1}
}

func (p *app) feed() {
	for p.off < p.total {
		n := min(p.msg, p.total-p.off)
		if cap(p.buf) < n {
			p.buf = make([]byte, n)
			p.ready = -1
		}
		b := p.buf[:n]
		if p.ready != p.off {
			for i := range b {
				b[i] = pattern(p.off + i)
			}
			p.ready = p.off
		}
		m := p.tmpl
		m.Data = b
		if err := p.a.HandleWrite(m); err != nil {
			return
		}
		p.off += n
	}
}

func (p *app) drain() {
	for e, ok := p.a.PollEvent(); ok; e, ok = p.a.PollEvent() {
		p.events = append(p.events, e)
	}
	for m, ok := p.a.PollRead(); ok; m, ok = p.a.PollRead() {
		if p.checkSeq && p.fail == "" {
			for i, c := range m.Data {
				if c != pattern(p.got+i) {
					p.fail = fmt.Sprintf("byte %d differs", p.got+i)
					break
				}
			}
		}
		p.got += len(m.Data)
		if p.onRead != nil {
			p.onRead(m)
		}
		if p.keep {
			p.reads = append(p.reads, m)
		}
	}
}

func (p *app) HandleRead(m shared.TaggedBytes) error {
	err := p.a.HandleRead(m)
	p.drain()
	return err
}

func (p *app) PollWrite() (shared.TaggedBytes, bool) {
	if p.a.State() == StateEstablished {
		p.feed()
	}
	m, ok := p.a.PollWrite()
	if !ok {
		p.drain()
	} else if p.onSend != nil {
		p.onSend(m.Message)
	}
	return m, ok
}

func (p *app) HandleTimeout(now time.Time) error {
	err := p.a.HandleTimeout(now)
	p.drain()
	return err
}

func (p *app) PollTimeout() (time.Time, bool) { return p.a.PollTimeout() }

func (p *app) has(k EventKind) bool {
	for _, e := range p.events {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func (p *app) event(k EventKind) (Event, bool) {
	for _, e := range p.events {
		if e.Kind == k {
			return e, true
		}
	}
	return Event{}, false
}

// simPair builds two apps on a simulated network and connects them.
func simPair(t testing.TB, seed uint64, link netsim.LinkConfig, cfg Config) (*netsim.Sim, *app, *app) {
	t.Helper()
	sim := netsim.New(netsim.Config{Seed: seed})
	sim.SetDefaultLink(link)
	ca, cb := cfg, cfg
	ca.Rand = netsim.NewRand(seed, "a")
	cb.Rand = netsim.NewRand(seed, "b")
	a := newApp(t, ca, addrA, addrB)
	b := newApp(t, cb, addrB, addrA)
	sim.Add(a, addrA)
	sim.Add(b, addrB)
	t.Cleanup(func() {
		for _, p := range []*app{a, b} {
			if n := p.a.Stats().BadTransitions; n != 0 {
				t.Errorf("seed %d: %d state transitions outside RFC 9260 §4 (last %s)", seed, n, p.a.lastTransition())
			}
		}
	})
	must(t, a.a.Connect(sim.Now()))
	must(t, b.a.Connect(sim.Now()))
	if err := sim.Run(func() bool { return a.has(EventConnected) && b.has(EventConnected) }, 100_000); err != nil {
		t.Fatalf("seed %d: connect: %v", seed, err)
	}
	return sim, a, b
}

func long() bool { return os.Getenv("SANSRTC_LONG") == "1" }

// TestNetsimBulk: RFC 9260 §6: ordered data arrives byte-exact and in
// order over loss, reordering and duplication, for several seeds.
func TestNetsimBulk(t *testing.T) {
	size := map[float64]int{0: 4 << 20, 0.01: 4 << 20, 0.05: 2 << 20, 0.2: 1 << 20}
	seeds := []uint64{1, 2, 3}
	if long() {
		for k := range size {
			size[k] = 100 << 20
		}
		seeds = []uint64{1, 2, 3}
	}
	for _, loss := range []float64{0, 0.01, 0.05, 0.2} {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("loss=%v/seed=%d", loss, seed), func(t *testing.T) {
				if long() {
					t.Parallel()
				}
				// The link MTU equals ours: an oversized packet would vanish.
				link := netsim.LinkConfig{Delay: 10 * time.Millisecond, Jitter: 2 * time.Millisecond,
					Loss: loss, Reorder: 0.02, ReorderDelay: 5 * time.Millisecond, Duplicate: 0.01, MTU: DefaultMTU}
				cfg := Config{PeerMaxMessageSize: -1, DisableInterleaving: seed%2 == 0}
				sim, a, b := simPair(t, seed, link, cfg)
				a.total, a.msg, a.tmpl = size[loss], 1+int(seed)*7919%60000, Message{Stream: 3, PPID: 53}
				b.checkSeq, b.keep = true, false
				start := sim.Now()
				if err := sim.Run(func() bool { return b.got >= a.total || b.fail != "" }, 50_000_000); err != nil {
					t.Fatalf("seed %d: %v after %d/%d bytes; sender %+v", seed, err, b.got, a.total, a.a.Stats())
				}
				if b.fail != "" || b.got != a.total {
					t.Fatalf("seed %d: %s (got %d of %d)", seed, b.fail, b.got, a.total)
				}
				for _, l := range sim.Links() {
					if l.TooBig != 0 {
						t.Fatalf("seed %d: %d packets over the MTU on %v->%v", seed, l.TooBig, l.From, l.To)
					}
				}
				el := sim.Now().Sub(start)
				st := a.a.Stats()
				t.Logf("seed %d: %d bytes in %v virtual (%.1f Mbit/s), rtx %d fast %d t3 %d, I-DATA %v",
					seed, a.total, el, float64(a.total)*8/el.Seconds()/1e6, st.Retransmissions, st.FastRetransmits, st.T3Expirations, st.Interleaving)
			})
		}
	}
}

// TestNetsimGoodput measures goodput on a 100 Mbit/s, 20 ms RTT link
// as a fraction of capacity, at 0% and 1% loss.
func TestNetsimGoodput(t *testing.T) {
	total := 48 << 20
	if long() {
		total = 100 << 20
	}
	for _, loss := range []float64{0, 0.01} {
		t.Run(fmt.Sprintf("loss=%v", loss), func(t *testing.T) {
			link := netsim.LinkConfig{Delay: 10 * time.Millisecond, Loss: loss, Bandwidth: 100e6, QueueBytes: 256 << 10}
			cfg := Config{PeerMaxMessageSize: -1, ReceiveBufferSize: 4 << 20, SendBufferSize: 8 << 20}
			sim, a, b := simPair(t, 7, link, cfg)
			a.total, a.msg, a.tmpl = total, 16<<10, Message{Stream: 1, PPID: 53}
			b.keep = false
			start := sim.Now()
			// Steady state: from a quarter of the transfer to the end,
			// past slow start.
			var mid time.Time
			var midBytes int
			if err := sim.Run(func() bool {
				if mid.IsZero() && b.got >= a.total/4 {
					mid, midBytes = sim.Now(), b.got
				}
				return b.got >= a.total
			}, 50_000_000); err != nil {
				t.Fatalf("%v after %d bytes", err, b.got)
			}
			el := sim.Now().Sub(start)
			whole := float64(b.got) * 8 / el.Seconds()
			gbps := float64(b.got-midBytes) * 8 / sim.Now().Sub(mid).Seconds()
			frac := gbps / 100e6
			st := a.a.Stats()
			// Mathis et al.: rate <= MSS/RTT * 1.22/sqrt(p).
			mss := float64(a.a.mtu - commonHeaderSize - dataHeaderSize)
			mathis := 0.0
			if loss > 0 {
				mathis = mss * 8 / 0.020 * 1.22 / sqrtf(loss)
			}
			t.Logf("loss %v: steady goodput %.1f Mbit/s = %.1f%% of capacity, whole transfer %.1f Mbit/s (Mathis bound %.1f Mbit/s); rtx %d fast %d t3 %d cwnd %d",
				loss, gbps/1e6, frac*100, whole/1e6, mathis/1e6, st.Retransmissions, st.FastRetransmits, st.T3Expirations, st.CWND)
			if loss == 0 && frac < 0.90 {
				t.Errorf("goodput %.1f%% < 90%%", frac*100)
			}
			if loss > 0 && gbps < mathis {
				t.Errorf("goodput %.1f Mbit/s below the Mathis bound %.1f", gbps/1e6, mathis/1e6)
			}
		})
	}
}

func sqrtf(x float64) float64 {
	z := x
	for range 50 {
		z = (z + x/z) / 2
	}
	return z
}
