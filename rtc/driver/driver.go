package driver

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
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
	// SinglePort runs every PeerConnection of the driver on one UDP socket
	// per host address instead of one socket each (issue 18): datagrams
	// from a known 5-tuple go to its connection, new 5-tuples by the local
	// ufrag in a STUN Binding request's USERNAME (see port.go). Two
	// connections of one such driver cannot connect to each other. ICE
	// servers work: STUN server responses are routed by transaction ID,
	// and TURN over UDP uses a socket of the connection's own
	// (portservers.go).
	SinglePort bool
	// Port is the UDP port of the SinglePort sockets. If zero, the kernel
	// picks one.
	Port int
	// PublicIP, if valid, is the address the SinglePort socket is
	// advertised as (host candidate) instead of the bound one, for a server
	// behind a static 1:1 NAT (a cloud VM). It needs SinglePort and exactly
	// one host address.
	PublicIP netip.Addr
	// ICELite makes every PeerConnection of the driver an ICE-lite agent
	// (RFC 8445 §2.5, rtc.Configuration.ICELite), as a server with a
	// public address (SinglePort, PublicIP) usually is: it gathers host
	// candidates only, sends no connectivity checks of its own, answers
	// the full peer's and is always controlled by it (§6.1.1), so the
	// peer nominates. ICE servers are refused with it (a lite agent has
	// no server-reflexive or relayed candidates, §2.5).
	ICELite bool
	// Loops is the number of loop goroutines; each owns a shard of the
	// connections (assigned in turn) with its own inbox, timers and
	// queues, so there is no lock shared between loops on the per-packet
	// path. If zero, GOMAXPROCS.
	Loops int
	// Resolver, if set, resolves the hostnames of remote candidates (the
	// mDNS ".local" names of stock browsers; an MDNSResolver, say): the
	// driver asks it for every name the PeerConnection holds unresolved
	// (see resolve.go) and answers with PeerConnection.ResolveHostname.
	// If nil, such candidates stay unpaired and only the peer's checks
	// (peer-reflexive candidates) connect.
	Resolver HostResolver
	// TLSRoots are the roots that verify turns: servers (TURN over TLS,
	// turn_tcp.go). If nil, the system roots are used.
	TLSRoots *x509.CertPool
	// DNS resolves the host names of ICE server URLs, which the
	// PeerConnection asks for with rtc.EventResolveICEServer: the driver
	// looks them up on a goroutine of its own (never on a loop, and never
	// in NewPeerConnection) and answers with ResolveICEServer. If nil,
	// net.DefaultResolver.
	DNS *net.Resolver
	// ICETCP gives every connection a listening TCP port per host address
	// for passive ICE-TCP candidates, and dials active ones when asked
	// (RFC 6544, tcp.go). UDP pairs keep priority. A connection accepted
	// on such a port must deliver a check the PeerConnection accepts
	// within 5 s, or it is closed (tcpport.go).
	ICETCP bool
	// TCPPort, if not zero, turns ICE-TCP on with one listening TCP port
	// per host address shared by every connection of the driver (the
	// passive candidates; negative: a port the kernel picks), instead of
	// a port per connection: a new TCP connection's first RFC 4571 frame
	// must be an ICE check, whose USERNAME's local ufrag names the
	// connection it goes to (tcpport.go). With PublicIP the passive
	// candidates advertise that address. Works with and without
	// SinglePort.
	TCPPort int
	// MaxPendingTCP bounds the connections on the shared TCP port that
	// wait for their first frame; beyond it the oldest waiting one is
	// closed (Stats.TCPEvicted). If zero, 256.
	MaxPendingTCP int
}

func (c *Config) maxPendingTCP() int {
	if c.MaxPendingTCP <= 0 {
		return defaultMaxPendingTCP
	}
	return c.MaxPendingTCP
}

func (c *Config) loops() int {
	if c.Loops <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return c.Loops
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
	OnEvent func(c *Conn, e rtc.Event)
	// OnMessage receives data channel messages (m.Data is the caller's)
	// and decrypted RTP and RTCP (m.Kind MessageRTP, MessageRTCP): their
	// m.Data is valid during the call only (the driver gives the buffer
	// back to the PeerConnection afterwards); copy what must outlive it.
	// A reflector or SFU writes from here: m.Transceiver.Sender().WriteRTP
	// or c.PeerConnection().WriteRTCP, sent in the same loop pass.
	OnMessage func(c *Conn, m rtc.Message)
	// OnError receives errors returned by the PeerConnection's Handle*
	// calls (also reported as events where they concern state), and a
	// *SendError for a queued message the PeerConnection refused.
	OnError func(c *Conn, err error)
}

// Driver owns the loop goroutines and the sockets of its connections.
type Driver struct {
	cfg      Config
	log      *slog.Logger
	shards   []*shard
	done     chan struct{}
	closed   sync.Once
	wg       sync.WaitGroup // the loops
	readers  sync.WaitGroup // the socket readers
	nextID   atomic.Int64
	ports    ports // SinglePort routing
	unrouted atomic.Uint64
	tcp      tcpPort // ICE-TCP: the shared port and admission counters (tcpport.go)
}

// Stats are the driver's own counters.
type Stats struct {
	// Unrouted counts datagrams on a SinglePort socket that belonged to no
	// connection (dropped).
	Unrouted uint64
	// ICE-TCP connections accepted on a passive port (shared or a
	// connection's own, tcpport.go): TCPAdmitted were handed to a
	// PeerConnection that accepted their first check; TCPRejected were
	// closed because their first frame was not an ICE check, named no
	// connection, was refused by the PeerConnection, or found its slots
	// taken; TCPTimedOut did not deliver a first frame in time; TCPEvicted
	// were closed, still waiting, to make room for a newer one.
	TCPAdmitted, TCPRejected, TCPTimedOut, TCPEvicted uint64
}

// Stats returns the driver's counters.
func (d *Driver) Stats() Stats {
	t := &d.tcp
	return Stats{Unrouted: d.unrouted.Load(), TCPAdmitted: t.admitted.Load(), TCPRejected: t.rejected.Load(),
		TCPTimedOut: t.timedOut.Load(), TCPEvicted: t.evicted.Load()}
}

// shard is one loop goroutine and the connections it runs.
type shard struct {
	d     *Driver
	index int
	inbox chan *[]datagram
	cmds  chan func()
	wake  chan struct{} // a Send queued into an idle connection

	// poller reads the own sockets of this loop's connections (made at
	// the first, ownPoller); pollerStopped: the loop ended.
	pollerMu                    sync.Mutex
	poller                      *ownPoller
	pollerStopped, pollerFailed bool

	sendMu    sync.Mutex
	sendReady []*Conn // connections whose send queue went from empty to not empty

	// Loop-goroutine state.
	conns     map[*Conn]struct{}
	bySock    map[*socket]*Conn
	timers    timerHeap
	ready     []*Conn // connections to drive in this pass
	sendSpare []*Conn
	writers   map[*socket]*writer // this loop's writers on the shared sockets
	flushQ    []*writer           // shared writers with datagrams to send at the end of the pass
	// longestPass is the longest time one wake-up of the loop took, by
	// passClock if a test set it (thread CPU time, to tell our stalls
	// from the machine's), else by the wall clock.
	longestPass time.Duration
	passClock   func() time.Duration
	now         int64 // the time the current pass started, Unix nanoseconds
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
	d := &Driver{cfg: cfg, log: log, done: make(chan struct{})}
	for range cfg.loops() {
		s := &shard{d: d, index: len(d.shards), writers: map[*socket]*writer{}, inbox: make(chan *[]datagram, cfg.InboxSize), cmds: make(chan func(), 64),
			wake: make(chan struct{}, 1), conns: map[*Conn]struct{}{}, bySock: map[*socket]*Conn{}}
		d.shards = append(d.shards, s)
		d.wg.Add(1)
		go s.loop()
	}
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
		d.wg.Wait() // the loops tore their connections down
		d.ports.mu.Lock()
		for _, so := range d.ports.socks {
			_ = so.conn.Close()
		}
		d.ports.mu.Unlock()
		d.closeTCP() // tcpport.go
	})
	d.readers.Wait()
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

// do runs f on the shard's loop goroutine and waits.
func (s *shard) do(f func()) error {
	ran := make(chan struct{})
	select {
	case s.cmds <- func() { f(); close(ran) }:
	case <-s.d.done:
		return ErrClosed
	}
	select {
	case <-ran:
		return nil
	case <-s.d.done:
		return ErrClosed
	}
}

// NewPeerConnection creates a PeerConnection with one socket per host
// address (added as host candidates).
func (d *Driver) NewPeerConnection(cfg rtc.Configuration, h Handler) (*Conn, error) {
	if cfg.Now.IsZero() {
		cfg.Now = time.Now() // the certificate's validity starts a day before
	}
	addrs, err := HostAddresses(d.cfg)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("driver: no host address to bind")
	}
	if d.cfg.PublicIP.IsValid() && !d.cfg.SinglePort {
		return nil, fmt.Errorf("driver: PublicIP needs SinglePort")
	}
	if d.cfg.ICELite {
		if len(cfg.ICEServers) > 0 {
			return nil, fmt.Errorf("driver: ICELite does not use ICE servers (a lite agent has host candidates only, RFC 8445 §2.5)")
		}
		cfg.ICELite = true
	}
	id := d.nextID.Add(1)
	sh := d.shards[int(id)%len(d.shards)]
	c := &Conn{d: d, s: sh, h: h, id: id, hidx: -1, start: time.Now(), done: make(chan struct{})}
	c.log = d.log.With("conn", c.id)
	if d.cfg.SinglePort {
		socks, err := d.sharedSockets(addrs)
		if err != nil {
			return nil, err
		}
		c.socks = socks
	} else {
		c.own = true
		p := sh.ownPoller()
		for _, a := range addrs {
			var so *socket
			var err error
			if p != nil {
				so, err = p.listen(a, d.cfg.DisableSegmentation)
			} else {
				so, err = listen(a, d.cfg.DisableSegmentation)
			}
			if err != nil {
				c.closeSockets()
				return nil, err
			}
			c.socks = append(c.socks, so)
		}
	}
	for _, so := range c.socks {
		cfg.LocalAddresses = append(cfg.LocalAddresses, so.adv)
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
	err = sh.do(func() {
		sh.conns[c] = struct{}{}
		for _, so := range c.socks {
			c.writers = append(c.writers, sh.writerFor(c, so))
		}
		if c.own {
			for _, so := range c.socks {
				sh.bySock[so] = c
				if so.poller != nil {
					if err := so.poller.add(so); err != nil {
						c.report(err) // nothing is read: the connection fails its checks
					}
					continue
				}
				d.readers.Add(1)
				go func(so *socket) {
					defer d.readers.Done()
					so.readLoop(func(b *[]datagram) bool {
						select {
						case sh.inbox <- b:
							return true
						case <-d.done:
							return false
						}
					})
				}(so)
			}
		}
		sh.schedule(c)
	})
	if err != nil {
		c.closeSockets()
		return nil, err
	}
	if d.cfg.ICETCP || d.cfg.TCPPort != 0 {
		if err := c.startICETCP(); err != nil { // tcp.go
			c.Close()
			return nil, err
		}
	}
	c.log.Debug("created", "local", c.LocalAddresses())
	return c, nil
}

// loop is the driver goroutine.
func (s *shard) loop() {
	defer s.d.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := time.Hour
		if len(s.timers) > 0 {
			wait = max(time.Duration(s.timers.next()-time.Now().UnixNano()), 0)
		}
		timer.Reset(wait)
		var woke time.Time
		var cpu time.Duration
		select {
		case <-s.d.done:
			s.shutdown()
			return
		case f := <-s.cmds:
			woke = s.passStart(&cpu)
			f()
		case b := <-s.inbox:
			woke = s.passStart(&cpu)
			s.receive(b)
			// Take what else is already waiting before flushing.
			s.receiveWaiting()
		case <-s.wake:
			woke = s.passStart(&cpu)
		case <-timer.C:
			woke = s.passStart(&cpu)
			// Datagrams that arrived first count first: after the loop was
			// held up (a busy machine), an acknowledgement waiting in the
			// inbox must not lose the race against a retransmission timer.
			s.receiveWaiting()
			s.fireTimers(time.Now())
		}
		s.takeSends()
		s.driveReady()
		s.flushWriters()
		s.passEnd(woke, cpu)
	}
}

func (s *shard) passStart(cpu *time.Duration) time.Time {
	if s.passClock != nil {
		*cpu = s.passClock()
	}
	now := time.Now()
	s.now = now.UnixNano()
	return now
}

func (s *shard) passEnd(woke time.Time, cpu time.Duration) {
	took := time.Since(woke)
	if s.passClock != nil {
		took = s.passClock() - cpu
	}
	s.longestPass = max(s.longestPass, took)
}

// receiveWaiting takes the batches already in the inbox.
func (s *shard) receiveWaiting() {
	for {
		select {
		case b := <-s.inbox:
			s.receive(b)
		default:
			return
		}
	}
}

// fireTimers runs HandleTimeout on every connection whose deadline passed;
// the others are not touched.
func (s *shard) fireTimers(now time.Time) {
	n := now.UnixNano()
	for len(s.timers) > 0 && s.timers.next() <= n {
		c := s.timers.pop()
		c.handleErr(c.pc.HandleTimeout(now))
		s.markReady(c)
	}
}

func (s *shard) markReady(c *Conn) {
	if !c.dirty {
		c.dirty = true
		s.ready = append(s.ready, c)
	}
}

// driveReady drives the connections marked in this pass.
func (s *shard) driveReady() {
	for i := 0; i < len(s.ready); i++ {
		if c := s.ready[i]; c.dirty && !c.closed {
			s.drive(c)
		}
	}
	clear(s.ready)
	s.ready = s.ready[:0]
}

func (s *shard) receive(batch *[]datagram) {
	now := time.Now()
	defer putBatch(batch)
	for _, dg := range *batch {
		c := dg.conn
		if c == nil {
			c = s.bySock[dg.sock]
		}
		if c != nil && !c.closed {
			err := c.pc.HandleRead(shared.TaggedBytes{Now: now,
				Transport: shared.TransportContext{Local: dg.sock.adv, Peer: dg.from, Protocol: shared.UDP},
				Message:   (*dg.buf)[:dg.n]})
			c.handleErr(err)
			if err == nil && dg.learn {
				// An authenticated check from a new 5-tuple: it is c's now.
				s.d.learnTuple(c, portKey{dg.sock, dg.from})
			}
			s.markReady(c)
		}
		bufPool.Put(dg.buf)
	}
}

// drive drains one connection: queued sends to the PeerConnection, events
// and messages to the callbacks, datagrams to the sockets; then it ends the
// connection if it reached a terminal state, or updates its deadline.
func (s *shard) drive(c *Conn) {
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
			switch e.Kind {
			case rtc.EventTCPConnect:
				c.dialICETCP(e.Transport) // tcp.go
			case rtc.EventResolveICEServer:
				c.resolveICEServer(e.Hostname) // resolve.go
			case rtc.EventPublishHostname:
				c.publishHostname(e.Hostname, e.Addr) // mdns_publish.go
			}
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
			if m.Kind != rtc.MessageData {
				// RTP and RTCP are views of a receive buffer, valid for
				// the callback only: hand the buffer back for reuse.
				c.pc.ReleaseRead(m)
			}
		}
		if s.flushConn(c) {
			progressed = true
		}
		if !progressed {
			break
		}
	}
	if c.ending != nil {
		s.teardown(c, c.ending.reason)
		return
	}
	c.runWaiters()
	s.schedule(c)
}

// flushConn writes the connection's datagrams, batched per socket: its
// own sockets are flushed now, the shared ones at the end of the pass with
// every other connection's datagrams.
func (s *shard) flushConn(c *Conn) bool {
	any := false
	for {
		tb, ok := c.pc.PollWrite()
		if !ok {
			break
		}
		any = true
		if tb.Transport.Protocol == shared.TCP {
			c.writeStream(tb) // TURN over TCP/TLS, turn_tcp.go
			continue
		}
		i := c.sockIndex(tb.Transport.Local)
		if i < 0 || !tb.Transport.Peer.IsValid() {
			c.sendErr(fmt.Errorf("no socket for %v", tb.Transport))
			continue
		}
		if !c.own && s.d.sendShared(c, i, tb) {
			// TURN over UDP left on c's own TURN socket; else the replies
			// to what c sends come back to c (portservers.go).
			continue
		}
		w := c.writers[i]
		w.queue(tb.Transport.Peer, tb.Message, c.release)
		if len(w.pend) >= maxPending {
			c.sendErr(w.flush())
		}
	}
	for _, w := range c.writers {
		if len(w.pend) == 0 {
			continue
		}
		if c.own {
			c.sendErr(w.flush())
		} else if !w.queued {
			w.queued = true
			s.flushQ = append(s.flushQ, w)
		}
	}
	return any
}

// writerFor returns the writer c uses on so: the socket's own, or this
// loop's writer on a shared socket.
func (s *shard) writerFor(c *Conn, so *socket) *writer {
	if c.own {
		return &so.writer
	}
	w := s.writers[so]
	if w == nil {
		w = so.newWriter()
		s.writers[so] = w
	}
	return w
}

// flushWriters sends what the pass queued on shared sockets: one
// sendmmsg (with segmentation) for every connection's datagrams.
func (s *shard) flushWriters() {
	for _, w := range s.flushQ {
		w.queued = false
		if err := w.flush(); err != nil {
			s.d.log.Debug("send on the shared socket", "err", err) // the protocols retransmit
		}
	}
	clear(s.flushQ)
	s.flushQ = s.flushQ[:0]
}

// schedule puts c at its place in the deadline heap.
func (s *shard) schedule(c *Conn) {
	t, ok := c.pc.PollTimeout()
	if !ok || c.closed {
		s.timers.remove(c)
		return
	}
	s.place(c, t.UnixNano())
}

// place gives c the deadline at (Unix ns), coalesced.
func (s *shard) place(c *Conn, at int64) {
	if c.hidx >= 0 && at == c.due {
		// Unchanged: it keeps its place. A distant deadline that was
		// coalesced stays in its bucket when the connection is driven
		// again (say, for the peer's consent check) once it is near;
		// re-coalescing it then would make it exact and drive the
		// connection alone, with a wake-up and a sendmmsg of its own.
		return
	}
	c.due = at
	s.timers.set(c, coalesce(at, s.now))
}

// Coalescing (issue 18): a deadline at least coalesceAfter away is
// delivered at the next multiple of its bucket (Unix time), so that the
// connections of a loop whose distant timers fall in one bucket are driven
// by one wake-up and their datagrams leave in one sendmmsg. The bucket is
// the largest of 50, 100, 200 and 400 ms that is at most a twentieth of
// the wait, so no timer is late by more than 5% of its wait (timer slack
// in proportion, as an operating system gives its sleepers), and the grids
// nest: a 400 ms boundary is also a 200, 100 and 50 ms one.
//
// The timers this delays are consent checks (RFC 7675 §5.1 wants each
// interval drawn at random from 0.8 to 1.2 times the basic period; rtc-ice
// draws from 0.8 to 1.14, 4–5.7 s by default, so that 5% late is still in
// the range: 200 ms buckets, the draw still spreads the connections over
// eight of them and each check is at most 200 ms late), keepalives (RFC
// 8445 §11, 15 s or more), SCTP heartbeats and retransmissions (RFC 9260 §6.3.1:
// RTO.Min is 1 s; §8.3 jitters heartbeats by ±50% of RTO, and rtc-sctp puts
// them on a 100 ms grid so that those a loop sees under 1 s ahead, kept
// exact here, still come due together) and RTCP report
// intervals of a second or more. Nearer deadlines (a delayed SACK, a
// pacer's next packet, a DTLS flight's or an ICE check's retransmission)
// are kept exact. Measured with tools/bench/driver at 1000 idle pairs:
// 25 ms buckets cost 15–25% more CPU than 50 ms, and 200 ms for the
// consent checks 20–35% less than 50 ms (see README.md).
const (
	coalesceBucket    = int64(50 * time.Millisecond) // the smallest bucket
	coalesceMaxBucket = int64(400 * time.Millisecond)
	coalesceAfter     = 20 * coalesceBucket // 1 s
)

// coalesce returns the time to deliver deadline at, now being the loop's
// time (both Unix nanoseconds).
func coalesce(at, now int64) int64 {
	wait := at - now
	if wait < coalesceAfter {
		return at
	}
	bucket := coalesceBucket
	for bucket < coalesceMaxBucket && 2*bucket <= wait/20 {
		bucket *= 2
	}
	if r := at % bucket; r != 0 {
		at += bucket - r
	}
	return at
}

func (s *shard) closeConn(c *Conn) {
	c.closed = true
	c.unpublishHostnames() // mdns_publish.go
	delete(s.conns, c)
	s.timers.remove(c)
	if !c.own || s.d.cfg.TCPPort != 0 {
		s.d.forget(c)
	}
	if !c.own {
		return
	}
	for _, so := range c.socks {
		delete(s.bySock, so)
	}
	c.closeSockets()
}

func (s *shard) shutdown() {
	for c := range s.conns {
		if err := s.teardown(c, ErrClosed); err != nil {
			c.report(err)
		}
	}
	s.flushWriters()
	// Readers blocked on the inbox see done; readers blocked in ReadBatch
	// see the closed socket; the own-socket poller closes what is left
	// and ends.
	s.pollerMu.Lock()
	s.pollerStopped = true
	p := s.poller
	s.pollerMu.Unlock()
	if p != nil {
		p.stop()
	}
}

// ownPoller returns the loop's reader of connections' own sockets, made
// at the first; nil where the platform has none (or it could not be
// made), or once the loop has ended: each socket then has a reader
// goroutine.
func (s *shard) ownPoller() *ownPoller {
	s.pollerMu.Lock()
	defer s.pollerMu.Unlock()
	if s.poller != nil || s.pollerStopped || s.pollerFailed {
		return s.poller
	}
	d := s.d
	d.readers.Add(1)
	p, err := newOwnPoller(func(b *[]datagram) bool {
		select {
		case s.inbox <- b:
			return true
		case <-d.done:
			return false
		}
	}, d.readers.Done)
	if err != nil {
		d.readers.Done()
		s.pollerFailed = true
		return nil
	}
	s.poller = p
	return p
}
