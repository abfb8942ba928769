package congestion

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Impairment is what the Relay does to one direction.
type Impairment struct {
	// Loss is the fraction (0..1) of SRTP/SRTCP packets dropped, drawn
	// from the relay's seeded generator. STUN and DTLS pass (RFC 7983
	// demultiplexing: only first bytes 128..191 are dropped) so that
	// connection setup does not depend on the seed.
	Loss float64
	// Rate limits the direction to Rate bits per second: packets leave a
	// FIFO queue no faster than Rate (a token bucket one packet deep, the
	// serialization of a bottleneck link). Zero means unlimited.
	Rate int
	// Queue bounds the bytes waiting in that queue; a packet that does
	// not fit is dropped (tail drop). If zero, Rate/8/4 (250 ms at Rate).
	Queue int
}

// Config configures a Relay.
type Config struct {
	// Up impairs browser to peer (the "a" side to the "b" side), Down the
	// reverse.
	Up, Down Impairment
	// Seed seeds the loss generator.
	Seed uint64
}

// DirStats counts one direction.
type DirStats struct {
	In, Out           uint64 // packets received, packets sent on
	InBytes           uint64 // bytes received (what the sender put on the wire)
	OutBytes          uint64 // bytes sent on
	Lost, Overflow    uint64 // dropped by Loss, dropped by a full queue
	MaxQueueBytes     int    // the deepest the queue was
	WriteErrors       uint64 // sends that failed
	UnknownSource     uint64 // packets from an address that is not the expected end
	QueueDelayMaxNano int64  // the longest a packet waited in the queue
}

// Relay is a UDP relay on 127.0.0.1 with two sockets: A faces the browser
// (its address goes into the SDP the browser receives) and B faces the peer
// (its address goes into the SDP the peer receives). Packets from the
// browser's address on A go out of B to the peer; packets from the peer's
// address on B go out of A to the browser.
type Relay struct {
	a, b      *net.UDPConn
	browser   atomic.Pointer[netip.AddrPort]
	peer      atomic.Pointer[netip.AddrPort]
	up, down  *link
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewRelay opens the two sockets on 127.0.0.1 and starts relaying.
func NewRelay(cfg Config) (*Relay, error) {
	for _, im := range []Impairment{cfg.Up, cfg.Down} {
		if err := im.check(); err != nil {
			return nil, err
		}
	}
	lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	a, err := net.ListenUDP("udp4", lo)
	if err != nil {
		return nil, err
	}
	b, err := net.ListenUDP("udp4", lo)
	if err != nil {
		a.Close()
		return nil, err
	}
	r := &Relay{a: a, b: b}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5a5a))
	var mu sync.Mutex // the two directions share the generator
	draw := func() float64 { mu.Lock(); defer mu.Unlock(); return rng.Float64() }
	r.up = newLink(cfg.Up, draw, b, r.peer.Load)
	r.down = newLink(cfg.Down, draw, a, r.browser.Load)
	for _, l := range []*link{r.up, r.down} {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); l.drain() }()
	}
	r.wg.Add(2)
	go func() { defer r.wg.Done(); r.read(a, r.browser.Load, r.up) }()
	go func() { defer r.wg.Done(); r.read(b, r.peer.Load, r.down) }()
	return r, nil
}

// A is the browser-facing address (put it in the SDP the browser receives).
func (r *Relay) A() netip.AddrPort { return r.a.LocalAddr().(*net.UDPAddr).AddrPort() }

// B is the peer-facing address (put it in the SDP the peer receives).
func (r *Relay) B() netip.AddrPort { return r.b.LocalAddr().(*net.UDPAddr).AddrPort() }

// SetBrowser sets where the browser's packets come from (its candidate).
func (r *Relay) SetBrowser(ap netip.AddrPort) { r.browser.Store(&ap) }

// SetPeer sets where the peer's packets come from (its candidate).
func (r *Relay) SetPeer(ap netip.AddrPort) { r.peer.Store(&ap) }

// SetUp changes the browser-to-peer impairment from now on (packets
// already queued keep their departure times).
func (r *Relay) SetUp(im Impairment) error { return r.up.set(im) }

// SetDown changes the peer-to-browser impairment from now on.
func (r *Relay) SetDown(im Impairment) error { return r.down.set(im) }

// Up returns the browser-to-peer counters, Down the reverse.
func (r *Relay) Up() DirStats   { return r.up.stats() }
func (r *Relay) Down() DirStats { return r.down.stats() }

// Close stops the relay and waits for its goroutines.
func (r *Relay) Close() {
	r.closeOnce.Do(func() {
		r.a.Close()
		r.b.Close()
		r.up.close()
		r.down.close()
	})
	r.wg.Wait()
}

func (r *Relay) read(c *net.UDPConn, from func() *netip.AddrPort, l *link) {
	buf := make([]byte, 65536)
	for {
		n, src, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if want := from(); want == nil || *want != src {
			l.mu.Lock()
			l.s.UnknownSource++
			l.mu.Unlock()
			continue
		}
		l.send(buf[:n])
	}
}

type packet struct {
	b      []byte
	enq    time.Time
	depart time.Time
}

// link is one direction: loss, then the rate-limited queue, then the send.
type link struct {
	im    Impairment
	draw  func() float64
	out   *net.UDPConn
	to    func() *netip.AddrPort
	mu    sync.Mutex
	s     DirStats
	queue []packet
	bytes int
	next  time.Time // when the link is free again
	wake  chan struct{}
	done  chan struct{}
}

func (im Impairment) check() error {
	if im.Loss < 0 || im.Loss > 1 || im.Rate < 0 || im.Queue < 0 {
		return fmt.Errorf("congestion: bad impairment %+v", im)
	}
	return nil
}

func (im Impairment) withDefaults() Impairment {
	if im.Rate > 0 && im.Queue == 0 {
		im.Queue = im.Rate / 8 / 4
	}
	return im
}

func (l *link) set(im Impairment) error {
	if err := im.check(); err != nil {
		return err
	}
	l.mu.Lock()
	l.im = im.withDefaults()
	l.mu.Unlock()
	return nil
}

func newLink(im Impairment, draw func() float64, out *net.UDPConn, to func() *netip.AddrPort) *link {
	return &link{im: im.withDefaults(), draw: draw, out: out, to: to, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (l *link) stats() DirStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s
}

func (l *link) close() { close(l.done) }

// media reports an SRTP or SRTCP packet (RFC 7983 section 7: first byte
// 128..191).
func media(b []byte) bool { return len(b) > 0 && b[0] >= 128 && b[0] <= 191 }

func (l *link) send(b []byte) {
	l.mu.Lock()
	l.s.In++
	l.s.InBytes += uint64(len(b))
	if l.im.Loss > 0 && media(b) && l.draw() < l.im.Loss {
		l.s.Lost++
		l.mu.Unlock()
		return
	}
	if l.im.Rate == 0 && len(l.queue) == 0 {
		l.mu.Unlock()
		l.write(b)
		return
	}
	if l.im.Rate > 0 && l.bytes+len(b) > l.im.Queue {
		l.s.Overflow++
		l.mu.Unlock()
		return
	}
	now := time.Now()
	start := l.next
	if start.Before(now) {
		start = now
	}
	if l.im.Rate > 0 {
		l.next = start.Add(time.Duration(int64(len(b)) * 8 * int64(time.Second) / int64(l.im.Rate)))
	} else {
		l.next = start // the rest of a queue left by an earlier limit
	}
	l.queue = append(l.queue, packet{b: append([]byte(nil), b...), enq: now, depart: l.next})
	l.bytes += len(b)
	l.s.MaxQueueBytes = max(l.s.MaxQueueBytes, l.bytes)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *link) write(b []byte) {
	to := l.to()
	if to == nil {
		return
	}
	_, err := l.out.WriteToUDPAddrPort(b, *to)
	l.mu.Lock()
	if err != nil {
		l.s.WriteErrors++
	} else {
		l.s.Out++
		l.s.OutBytes += uint64(len(b))
	}
	l.mu.Unlock()
}

// drain sends the queued packets at their departure times.
func (l *link) drain() {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		l.mu.Lock()
		var p packet
		ok := len(l.queue) > 0
		if ok {
			p = l.queue[0]
		}
		l.mu.Unlock()
		if !ok {
			select {
			case <-l.wake:
				continue
			case <-l.done:
				return
			}
		}
		if d := time.Until(p.depart); d > 0 {
			t.Reset(d)
			select {
			case <-t.C:
			case <-l.done:
				return
			}
		}
		l.mu.Lock()
		l.queue = l.queue[1:]
		l.bytes -= len(p.b)
		if w := time.Since(p.enq).Nanoseconds(); w > l.s.QueueDelayMaxNano {
			l.s.QueueDelayMaxNano = w
		}
		l.mu.Unlock()
		l.write(p.b)
	}
}
