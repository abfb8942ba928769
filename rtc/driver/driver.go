package driver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sansrtc/rtc/rtc"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ErrClosed reports use of a closed driver or connection.
var ErrClosed = fmt.Errorf("driver: closed: %w", shared.ErrClosed)

// Config configures a Driver.
type Config struct {
	// Addresses are the host addresses to bind a socket on for each
	// PeerConnection. If nil, every unicast address of every up interface
	// that Filter accepts is used.
	Addresses []netip.Addr
	// Filter selects enumerated addresses. If nil, loopback and global
	// unicast IPv4 addresses are used (no link-local, no IPv6).
	Filter func(netip.Addr) bool
	// InboxSize bounds the datagram batches waiting for the loop. If zero,
	// 4096.
	InboxSize int
	// DisableSegmentation turns off UDP generic segmentation offload
	// (Linux UDP_SEGMENT): by default, consecutive datagrams of one size to
	// one peer go to the kernel as one buffer that it cuts into the same
	// datagrams, which saves most of the per-datagram cost of sending. It
	// is also turned off on its own when the kernel or device refuses it.
	DisableSegmentation bool
	// KeepFailed keeps a PeerConnection that reached "failed" (for an ICE
	// restart) instead of closing it and releasing its sockets at once.
	KeepFailed bool
	// MaxSendQueue bounds the bytes Conn.Send queues per connection for
	// the loop; a Send beyond it fails with ErrSendQueueFull. If zero,
	// 16 MiB.
	MaxSendQueue int
	// Logger receives the driver's log lines (see the package doc for the
	// levels). If nil, nothing is logged.
	Logger *slog.Logger
}

func (c *Config) maxSendQueue() int {
	if c.MaxSendQueue <= 0 {
		return 16 << 20
	}
	return c.MaxSendQueue
}

// Handler holds the callbacks of one connection. Each runs on the driver
// goroutine and must not block; nil callbacks are skipped.
type Handler struct {
	OnEvent   func(c *Conn, e rtc.Event)
	OnMessage func(c *Conn, m rtc.Message)
	// OnError receives errors returned by the PeerConnection's Handle*
	// calls (also reported as events where they concern state), and a
	// *SendError for a queued message the PeerConnection refused.
	OnError func(c *Conn, err error)
}

// Driver owns the loop goroutine and the sockets of its connections.
type Driver struct {
	cfg    Config
	log    *slog.Logger
	inbox  chan *[]datagram
	cmds   chan func()
	wake   chan struct{} // a Send queued into an idle connection
	done   chan struct{}
	closed sync.Once
	wg     sync.WaitGroup
	nextID atomic.Int64

	sendMu    sync.Mutex
	sendReady []*Conn // connections whose send queue went from empty to not empty

	// Loop-goroutine state.
	conns     map[*Conn]struct{}
	bySock    map[*socket]*Conn
	timers    timerHeap
	ready     []*Conn // connections to drive in this pass
	sendSpare []*Conn
	// longestPass is the longest time one wake-up of the loop took, by
	// passClock if a test set it (thread CPU time, to tell our stalls
	// from the machine's), else by the wall clock.
	longestPass time.Duration
	passClock   func() time.Duration
}

// New starts a driver.
func New(cfg Config) *Driver {
	if cfg.InboxSize <= 0 {
		cfg.InboxSize = 4096
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Driver{cfg: cfg, log: log, inbox: make(chan *[]datagram, cfg.InboxSize), cmds: make(chan func(), 64),
		wake: make(chan struct{}, 1), done: make(chan struct{}), conns: map[*Conn]struct{}{}, bySock: map[*socket]*Conn{}}
	d.wg.Add(1)
	go d.loop()
	return d
}

// HostAddresses lists the addresses New would bind with cfg.
func HostAddresses(cfg Config) ([]netip.Addr, error) {
	if cfg.Addresses != nil {
		return cfg.Addresses, nil
	}
	filter := cfg.Filter
	if filter == nil {
		filter = func(a netip.Addr) bool { return a.Is4() && (a.IsLoopback() || a.IsGlobalUnicast()) }
	}
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			if filter(ip) {
				out = append(out, ip)
			}
		}
	}
	return out, nil
}

// Close closes every connection and the sockets, and waits for the
// goroutines to end.
func (d *Driver) Close() error {
	d.closed.Do(func() {
		close(d.done)
	})
	d.wg.Wait()
	return nil
}

// Run closes the driver when ctx ends, then returns.
func (d *Driver) Run(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-d.done:
	}
	d.Close()
}

// do runs f on the loop goroutine and waits.
func (d *Driver) do(f func()) error {
	ran := make(chan struct{})
	select {
	case d.cmds <- func() { f(); close(ran) }:
	case <-d.done:
		return ErrClosed
	}
	select {
	case <-ran:
		return nil
	case <-d.done:
		return ErrClosed
	}
}

// NewPeerConnection creates a PeerConnection with one socket per host
// address (added as host candidates).
func (d *Driver) NewPeerConnection(cfg rtc.Configuration, h Handler) (*Conn, error) {
	addrs, err := HostAddresses(d.cfg)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("driver: no host address to bind")
	}
	c := &Conn{d: d, h: h, id: d.nextID.Add(1), hidx: -1, start: time.Now(), done: make(chan struct{})}
	c.log = d.log.With("conn", c.id)
	for _, a := range addrs {
		s, err := listen(a, d.cfg.DisableSegmentation)
		if err != nil {
			c.closeSockets()
			return nil, err
		}
		c.socks = append(c.socks, s)
		cfg.LocalAddresses = append(cfg.LocalAddresses, s.local)
	}
	pc, err := rtc.NewPeerConnection(cfg)
	if err != nil {
		c.closeSockets()
		return nil, err
	}
	c.pc = pc
	if r, ok := any(pc).(writeReleaser); ok {
		c.release = r.ReleaseWrite
	}
	err = d.do(func() {
		d.conns[c] = struct{}{}
		for _, s := range c.socks {
			d.bySock[s] = c
			d.wg.Add(1)
			go func(s *socket) {
				defer d.wg.Done()
				s.readLoop(func(b *[]datagram) bool {
					select {
					case d.inbox <- b:
						return true
					case <-d.done:
						return false
					}
				})
			}(s)
		}
		d.schedule(c)
	})
	if err != nil {
		c.closeSockets()
		return nil, err
	}
	c.log.Debug("created", "local", c.LocalAddresses())
	return c, nil
}

// loop is the driver goroutine.
func (d *Driver) loop() {
	defer d.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := time.Hour
		if len(d.timers) > 0 {
			wait = max(time.Until(d.timers[0].deadline), 0)
		}
		timer.Reset(wait)
		var woke time.Time
		var cpu time.Duration
		select {
		case <-d.done:
			d.shutdown()
			return
		case f := <-d.cmds:
			woke = d.passStart(&cpu)
			f()
		case b := <-d.inbox:
			woke = d.passStart(&cpu)
			d.receive(b)
			// Take what else is already waiting before flushing.
			d.receiveWaiting()
		case <-d.wake:
			woke = d.passStart(&cpu)
		case <-timer.C:
			woke = d.passStart(&cpu)
			// Datagrams that arrived first count first: after the loop was
			// held up (a busy machine), an acknowledgement waiting in the
			// inbox must not lose the race against a retransmission timer.
			d.receiveWaiting()
			d.fireTimers(time.Now())
		}
		d.takeSends()
		d.driveReady()
		d.passEnd(woke, cpu)
	}
}

func (d *Driver) passStart(cpu *time.Duration) time.Time {
	if d.passClock != nil {
		*cpu = d.passClock()
	}
	return time.Now()
}

func (d *Driver) passEnd(woke time.Time, cpu time.Duration) {
	took := time.Since(woke)
	if d.passClock != nil {
		took = d.passClock() - cpu
	}
	d.longestPass = max(d.longestPass, took)
}

// receiveWaiting takes the batches already in the inbox.
func (d *Driver) receiveWaiting() {
	for {
		select {
		case b := <-d.inbox:
			d.receive(b)
		default:
			return
		}
	}
}

// fireTimers runs HandleTimeout on every connection whose deadline passed;
// the others are not touched.
func (d *Driver) fireTimers(now time.Time) {
	for len(d.timers) > 0 && !d.timers[0].deadline.After(now) {
		c := d.timers.pop()
		c.handleErr(c.pc.HandleTimeout(now))
		d.markReady(c)
	}
}

func (d *Driver) markReady(c *Conn) {
	if !c.dirty {
		c.dirty = true
		d.ready = append(d.ready, c)
	}
}

// driveReady drives the connections marked in this pass.
func (d *Driver) driveReady() {
	for i := 0; i < len(d.ready); i++ {
		if c := d.ready[i]; c.dirty && !c.closed {
			d.drive(c)
		}
	}
	clear(d.ready)
	d.ready = d.ready[:0]
}

func (d *Driver) receive(batch *[]datagram) {
	now := time.Now()
	defer putBatch(batch)
	for _, dg := range *batch {
		c := d.bySock[dg.sock]
		if c != nil && !c.closed {
			err := c.pc.HandleRead(shared.TaggedBytes{Now: now,
				Transport: shared.TransportContext{Local: dg.sock.local, Peer: dg.from, Protocol: shared.UDP},
				Message:   (*dg.buf)[:dg.n]})
			c.handleErr(err)
			d.markReady(c)
		}
		bufPool.Put(dg.buf)
	}
}

// drive drains one connection: queued sends to the PeerConnection, events
// and messages to the callbacks, datagrams to the sockets; then it ends the
// connection if it reached a terminal state, or updates its deadline.
func (d *Driver) drive(c *Conn) {
	c.dirty = false
	for range 64 { // callbacks may produce more; bounded
		progressed := c.handSends()
		for {
			e, ok := c.pc.PollEvent()
			if !ok {
				break
			}
			progressed = true
			c.observe(e)
			if c.h.OnEvent != nil {
				c.h.OnEvent(c, e)
			}
		}
		for {
			m, ok := c.pc.PollRead()
			if !ok {
				break
			}
			progressed = true
			if c.h.OnMessage != nil {
				c.h.OnMessage(c, m)
			}
		}
		if d.flushConn(c) {
			progressed = true
		}
		if !progressed {
			break
		}
	}
	if c.ending != nil {
		d.teardown(c, c.ending.reason)
		return
	}
	c.runWaiters()
	d.schedule(c)
}

// flushConn writes the connection's datagrams, batched per socket.
func (d *Driver) flushConn(c *Conn) bool {
	any := false
	for {
		tb, ok := c.pc.PollWrite()
		if !ok {
			break
		}
		any = true
		s := c.sockFor(tb.Transport.Local)
		if s == nil || !tb.Transport.Peer.IsValid() {
			c.sendErr(fmt.Errorf("no socket for %v", tb.Transport))
			continue
		}
		s.queue(tb.Transport.Peer, tb.Message)
		if len(s.pend) >= maxPending {
			c.sendErr(s.flush(c.release))
		}
	}
	for _, s := range c.socks {
		if len(s.pend) > 0 {
			c.sendErr(s.flush(c.release))
		}
	}
	return any
}

// schedule puts c at its place in the deadline heap.
func (d *Driver) schedule(c *Conn) {
	t, ok := c.pc.PollTimeout()
	if !ok || c.closed {
		d.timers.remove(c)
		return
	}
	d.timers.set(c, t)
}

func (d *Driver) closeConn(c *Conn) {
	c.closed = true
	delete(d.conns, c)
	d.timers.remove(c)
	for _, s := range c.socks {
		delete(d.bySock, s)
	}
	c.closeSockets()
}

func (d *Driver) shutdown() {
	for c := range d.conns {
		d.teardown(c, ErrClosed)
	}
	// Readers blocked on the inbox see done; readers blocked in ReadBatch
	// see the closed socket.
}
