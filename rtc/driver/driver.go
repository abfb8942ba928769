// Package driver runs sansrtc PeerConnections on real UDP sockets: it binds
// sockets on host addresses, runs the sans-I/O drive loop with timers on one
// goroutine for every PeerConnection it owns, and offers goroutine-safe
// handles. It starts one reader goroutine per socket (batched reads with
// recvmmsg where the platform has it) and none per data channel. Writes go
// out in batches (sendmmsg), and on Linux runs of equal-size datagrams to
// one peer leave as one segmented buffer (UDP_SEGMENT, see
// Config.DisableSegmentation): the same datagrams on the wire for a
// fraction of the per-datagram cost. A PeerConnection that offers
// ReleaseWrite gets its sent datagrams back for reuse.
//
//	d := driver.New(driver.Config{Addresses: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
//	defer d.Close()
//	conn, _ := d.NewPeerConnection(rtc.Configuration{}, driver.Handler{
//		OnMessage: func(c *driver.Conn, m rtc.Message) { m.Channel.Send(m.Data) }, // runs on the loop
//	})
//	offer, _ := conn.OfferAfterGathering(ctx)
//
// Callbacks run on the driver goroutine: inside them, the PeerConnection
// and its DataChannels may be used directly (they must not block). Anywhere
// else, use Conn.Do or the Conn helpers. A callback must not call Conn.Do,
// Send, Close or the other helpers (they wait for the driver goroutine,
// which is running the callback): call the PeerConnection directly, or
// start a goroutine (go conn.Close()).
package driver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/sansrtc/rtc/rtc"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ErrClosed reports use of a closed driver or connection.
var ErrClosed = errors.New("driver: closed")

// Config configures a Driver.
type Config struct {
	// Addresses are the host addresses to bind a socket on for each
	// PeerConnection. If nil, every unicast address of every up interface
	// that Filter accepts is used.
	Addresses []netip.Addr
	// Filter selects enumerated addresses. If nil, loopback and global
	// unicast IPv4 addresses are used (no link-local, no IPv6).
	Filter func(netip.Addr) bool
	// InboxSize bounds the datagrams waiting for the loop. If zero, 4096.
	InboxSize int
	// DisableSegmentation turns off UDP generic segmentation offload
	// (Linux UDP_SEGMENT): by default, consecutive datagrams of one size to
	// one peer go to the kernel as one buffer that it cuts into the same
	// datagrams, which saves most of the per-datagram cost of sending. It
	// is also turned off on its own when the kernel or device refuses it.
	DisableSegmentation bool
}

// Handler holds the callbacks of one connection. Each runs on the driver
// goroutine and must not block; nil callbacks are skipped.
type Handler struct {
	OnEvent   func(c *Conn, e rtc.Event)
	OnMessage func(c *Conn, m rtc.Message)
	// OnError receives errors returned by the PeerConnection's Handle*
	// calls (also reported as events where they concern state).
	OnError func(c *Conn, err error)
}

// Driver owns the loop goroutine and the sockets of its connections.
type Driver struct {
	cfg    Config
	inbox  chan *[]datagram
	cmds   chan func()
	done   chan struct{}
	closed sync.Once
	wg     sync.WaitGroup

	// Loop-goroutine state.
	conns  map[*Conn]struct{}
	bySock map[*socket]*Conn
}

// New starts a driver.
func New(cfg Config) *Driver {
	if cfg.InboxSize <= 0 {
		cfg.InboxSize = 4096
	}
	d := &Driver{cfg: cfg, inbox: make(chan *[]datagram, cfg.InboxSize), cmds: make(chan func(), 64),
		done: make(chan struct{}), conns: map[*Conn]struct{}{}, bySock: map[*socket]*Conn{}}
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

// Conn is a goroutine-safe handle on one PeerConnection run by a Driver.
type Conn struct {
	d       *Driver
	pc      *rtc.PeerConnection
	h       Handler
	socks   []*socket
	closed  bool
	dirty   bool
	waiters []func() // run after every drive (gathering waits)
	// release hands sent datagrams back to the PeerConnection for reuse,
	// if it offers that (ReleaseWrite); nil otherwise.
	release func([]byte)
}

// writeReleaser is a PeerConnection that takes back the datagrams
// PollWrite returned once they are sent, to reuse them.
type writeReleaser interface{ ReleaseWrite([]byte) }

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
	c := &Conn{d: d, h: h}
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
	})
	if err != nil {
		c.closeSockets()
		return nil, err
	}
	return c, nil
}

func (c *Conn) closeSockets() {
	for _, s := range c.socks {
		_ = s.conn.Close()
	}
}

// LocalAddresses returns the bound host addresses.
func (c *Conn) LocalAddresses() []netip.AddrPort {
	out := make([]netip.AddrPort, len(c.socks))
	for i, s := range c.socks {
		out[i] = s.local
	}
	return out
}

// Do runs f with the PeerConnection on the driver goroutine, then drives it
// (sends what it produced, delivers events). f must not block.
func (c *Conn) Do(f func(pc *rtc.PeerConnection) error) error {
	var ferr error
	err := c.d.do(func() {
		if c.closed {
			ferr = ErrClosed
			return
		}
		ferr = f(c.pc)
		c.d.drive(c)
	})
	if err != nil {
		return err
	}
	return ferr
}

// Close closes the PeerConnection and its sockets.
func (c *Conn) Close() error {
	return c.Do(func(pc *rtc.PeerConnection) error {
		err := pc.Close()
		c.d.flushConn(c)
		c.d.closeConn(c)
		return err
	})
}

// waitGathering waits until ICE gathering completed, then returns the
// local description (with every candidate, as SIGNALING.md wants).
func (c *Conn) waitGathering(ctx context.Context) (rtc.SessionDescription, error) {
	done := make(chan rtc.SessionDescription, 1)
	err := c.d.do(func() {
		check := func() bool {
			if c.pc.ICEGatheringState() == rtc.ICEGatheringComplete {
				done <- c.pc.LocalDescription()
				return true
			}
			return false
		}
		if !check() {
			c.waiters = append(c.waiters, func() {
				if check() {
					c.waiters = nil
				}
			})
		}
	})
	if err != nil {
		return rtc.SessionDescription{}, err
	}
	select {
	case d := <-done:
		return d, nil
	case <-ctx.Done():
		return rtc.SessionDescription{}, ctx.Err()
	}
}

// OfferAfterGathering creates and applies an offer and returns it once
// gathering completed.
func (c *Conn) OfferAfterGathering(ctx context.Context) (rtc.SessionDescription, error) {
	err := c.Do(func(pc *rtc.PeerConnection) error {
		o, err := pc.CreateOffer()
		if err != nil {
			return err
		}
		return pc.SetLocalDescription(o)
	})
	if err != nil {
		return rtc.SessionDescription{}, err
	}
	return c.waitGathering(ctx)
}

// AnswerAfterGathering applies a remote offer, creates and applies the
// answer and returns it once gathering completed.
func (c *Conn) AnswerAfterGathering(ctx context.Context, offer string) (rtc.SessionDescription, error) {
	err := c.Do(func(pc *rtc.PeerConnection) error {
		if err := pc.SetRemoteDescription(rtc.SessionDescription{Type: rtc.SDPTypeOffer, SDP: offer}); err != nil {
			return err
		}
		a, err := pc.CreateAnswer()
		if err != nil {
			return err
		}
		return pc.SetLocalDescription(a)
	})
	if err != nil {
		return rtc.SessionDescription{}, err
	}
	return c.waitGathering(ctx)
}

// SetAnswer applies the remote answer.
func (c *Conn) SetAnswer(answer string) error {
	return c.Do(func(pc *rtc.PeerConnection) error {
		return pc.SetRemoteDescription(rtc.SessionDescription{Type: rtc.SDPTypeAnswer, SDP: answer})
	})
}

// CreateDataChannel creates a channel.
func (c *Conn) CreateDataChannel(label string, init rtc.DataChannelInit) (*rtc.DataChannel, error) {
	var dc *rtc.DataChannel
	err := c.Do(func(pc *rtc.PeerConnection) error {
		var err error
		dc, err = pc.CreateDataChannel(label, init)
		return err
	})
	return dc, err
}

// Send sends a binary (binary=true) or text message on dc.
func (c *Conn) Send(dc *rtc.DataChannel, data []byte, binary bool) error {
	return c.Do(func(pc *rtc.PeerConnection) error {
		// HandleWrite takes text as bytes: no conversion to a string and back.
		return pc.HandleWrite(rtc.OutgoingMessage{Channel: dc, Data: data, Binary: binary})
	})
}

// loop is the driver goroutine.
func (d *Driver) loop() {
	defer d.wg.Done()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next := d.nextDeadline()
		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), 0)
		}
		timer.Reset(wait)
		select {
		case <-d.done:
			d.shutdown()
			return
		case f := <-d.cmds:
			f()
		case b := <-d.inbox:
			d.receive(b)
			// Take what else is already waiting before flushing.
			d.receiveWaiting()
			d.driveAll()
		case <-timer.C:
			// Datagrams that arrived first count first: after the loop was
			// held up (a busy machine), an acknowledgement waiting in the
			// inbox must not lose the race against a retransmission timer.
			d.receiveWaiting()
			now := time.Now()
			for c := range d.conns {
				if t, ok := c.pc.PollTimeout(); ok && !t.After(now) {
					if err := c.pc.HandleTimeout(now); err != nil && c.h.OnError != nil {
						c.h.OnError(c, err)
					}
					c.dirty = true
				}
			}
			d.driveAll()
		}
	}
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

func (d *Driver) nextDeadline() time.Time {
	var next time.Time
	for c := range d.conns {
		if t, ok := c.pc.PollTimeout(); ok {
			next = shared.Earliest(next, t)
		}
	}
	return next
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
			if err != nil && c.h.OnError != nil {
				c.h.OnError(c, err)
			}
			c.dirty = true
		}
		bufPool.Put(dg.buf)
	}
}

func (d *Driver) driveAll() {
	for c := range d.conns {
		if c.dirty {
			d.drive(c)
		}
	}
}

// drive drains one connection: events and messages to the callbacks,
// datagrams to the sockets.
func (d *Driver) drive(c *Conn) {
	c.dirty = false
	for range 64 { // callbacks may produce more; bounded
		progressed := false
		for {
			e, ok := c.pc.PollEvent()
			if !ok {
				break
			}
			progressed = true
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
	for _, w := range c.waiters {
		w()
	}
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

// sendErr reports a socket write error (an unreachable peer: ICE and SCTP
// retransmit or fail on their own) to OnError; nothing is dropped silently.
func (c *Conn) sendErr(err error) {
	if err != nil && c.h.OnError != nil {
		c.h.OnError(c, fmt.Errorf("driver: send: %w", err))
	}
}

func (c *Conn) sockFor(local netip.AddrPort) *socket {
	for _, s := range c.socks {
		if s.local == local {
			return s
		}
	}
	if len(c.socks) == 1 {
		return c.socks[0]
	}
	return nil
}

func (d *Driver) closeConn(c *Conn) {
	c.closed = true
	delete(d.conns, c)
	for _, s := range c.socks {
		delete(d.bySock, s)
	}
	c.closeSockets()
}

func (d *Driver) shutdown() {
	for c := range d.conns {
		if err := c.pc.Close(); err != nil && c.h.OnError != nil {
			c.h.OnError(c, err)
		}
		d.flushConn(c)
		d.closeConn(c)
	}
	// Readers blocked on the inbox see done; readers blocked in ReadBatch
	// see the closed socket.
}
