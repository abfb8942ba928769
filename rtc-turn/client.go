package turn

import (
	"cmp"
	"errors"
	"net/netip"
	"slices"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// Lifetimes fixed by RFC 8656.
const (
	permissionLifetime = 300 * time.Second // §9: "300 seconds (5 minutes)"
	channelLifetime    = 600 * time.Second // §12: "10 minutes"
	permissionRefresh  = 240 * time.Second // refresh a minute early
	channelRefresh     = 540 * time.Second
	defaultLifetime    = 600 * time.Second // §7.2: the default allocation lifetime
	// minLifetime and maxLifetime bound the lifetime a server gives, so a
	// LIFETIME of 0 cannot make the refresh due after every answer
	// (setLifetime); §7.2 suggests servers cap at 3600 s.
	minLifetime = 30 * time.Second
	maxLifetime = 3600 * time.Second
)

type clientState uint8

const (
	stateIdle       clientState = iota // Allocate not called yet
	stateAllocating                    // Allocate in flight (with auth retries)
	stateAllocated                     // relayed address usable
	stateFailed                        // allocation failed or lost
	stateClosing                       // deallocating after Close
	stateClosed
)

type reqKind uint8

const (
	reqAllocate reqKind = iota
	reqRefresh
	reqPermission
	reqChannelBind
)

// request is what an outstanding transaction was for; rebuilt with a new
// transaction ID on a 401/438 retry.
type request struct {
	kind     reqKind
	peers    []netip.Addr
	peer     netip.AddrPort
	channel  uint16
	lifetime uint32
	authed   bool // sent with credentials
	retries  int
}

type permission struct {
	installed bool
	pending   bool
	refreshAt time.Time
	queue     []Datagram
}

type channel struct {
	num       uint16
	peer      netip.AddrPort
	bound     bool
	pending   bool
	refreshAt time.Time
}

// Client is a TURN client (RFC 8656, compatible with RFC 5766 servers) for
// one allocation. It never touches a socket: the caller sends what
// PollWrite returns from Config.Local to Config.Server and feeds what the
// server sends to HandleRead. Over TCP/TLS it frames the stream itself.
type Client struct {
	cfg   Config
	clock shared.Clock
	tx    *stun.Client
	reqs  map[stun.TransactionID]*request
	state clientState

	realm, nonce string
	algs         []stun.PasswordAlgorithm // offered by the server
	alg          stun.PasswordAlgorithm   // 0: MD5 without PASSWORD-ALGORITHM
	integ        *stun.Integrity

	relayed, mapped netip.AddrPort
	lifetime        time.Duration
	refreshAt       time.Time
	refreshing      bool
	lastSent        time.Time // last datagram to the server, for keepalives

	perms    map[netip.Addr]*permission
	chans    map[netip.AddrPort]*channel
	byNum    map[uint16]*channel
	nextChan uint16

	deferred []*request // started before the first time was known

	free shared.FreeList // buffers handed back with ReleaseWrite/ReleaseRead

	closeDone bool  // the deallocation ended (Deallocated)
	closeErr  error // and how

	framer *Framer
	out    shared.Queue[shared.TaggedBytes]
	reads  shared.Queue[Datagram]
	events shared.EventQueue[Event]
	msg    stun.Message
	stats  Stats
}

// NewClient returns an idle client; call Allocate to start.
func NewClient(cfg Config) (*Client, error) {
	if !cfg.Server.IsValid() || !cfg.Local.IsValid() || cfg.Username == "" {
		return nil, ErrBadConfig
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	q := cfg.maxQueue()
	c := &Client{
		cfg:      cfg,
		tx:       stun.NewClient(stun.Config{RTO: cfg.RTO}),
		reqs:     make(map[stun.TransactionID]*request),
		perms:    make(map[netip.Addr]*permission),
		chans:    make(map[netip.AddrPort]*channel),
		byNum:    make(map[uint16]*channel),
		nextChan: MinChannel,
		out:      shared.NewQueue[shared.TaggedBytes](q),
		reads:    shared.NewQueue[Datagram](q),
		events:   shared.NewEventQueue[Event](q),
	}
	c.events.SetName("turn events")
	if cfg.Protocol == shared.TCP {
		c.framer = NewFramer(cfg.maxStreamBuffer())
	}
	return c, nil
}

// Stats returns counters.
func (c *Client) Stats() Stats { return c.stats }

// Server returns the server address the client talks to.
func (c *Client) Server() netip.AddrPort { return c.cfg.Server }

// RelayedAddress returns the relayed transport address once allocated.
func (c *Client) RelayedAddress() (netip.AddrPort, bool) {
	return c.relayed, c.state == stateAllocated
}

// MappedAddress returns the server-reflexive address the server saw
// (XOR-MAPPED-ADDRESS of the Allocate response) once allocated.
func (c *Client) MappedAddress() (netip.AddrPort, bool) {
	return c.mapped, c.state == stateAllocated
}

// Allocate starts the allocation (RFC 8656 §7.1). The first request goes
// without credentials; the server's 401 supplies realm and nonce.
func (c *Client) Allocate() error {
	switch c.state {
	case stateIdle, stateFailed:
	case stateClosing, stateClosed:
		return ErrClosed
	default:
		return nil
	}
	c.state = stateAllocating
	return c.start(&request{kind: reqAllocate})
}

// CreatePermission installs a permission for peer's IP address (RFC 8656
// §9); the port is ignored. HandleWrite does this by itself on first use.
func (c *Client) CreatePermission(peer netip.AddrPort) error {
	if c.state != stateAllocated {
		return ErrNotAllocated
	}
	ip := peer.Addr().Unmap()
	p := c.perms[ip]
	if p == nil {
		if len(c.perms) >= c.cfg.maxPermissions() {
			return ErrLimit
		}
		p = &permission{}
		c.perms[ip] = p
	}
	if p.pending {
		return nil
	}
	p.pending = true
	return c.start(&request{kind: reqPermission, peers: []netip.Addr{ip}})
}

// BindChannel binds a channel to peer (RFC 8656 §11); later writes to it
// use ChannelData. HandleWrite does this by itself unless Config.NoChannels.
func (c *Client) BindChannel(peer netip.AddrPort) error {
	if c.state != stateAllocated {
		return ErrNotAllocated
	}
	peer = unmap(peer)
	ch := c.chans[peer]
	if ch == nil {
		if len(c.chans) >= c.cfg.maxChannels() || c.nextChan > MaxChannel {
			return ErrLimit
		}
		ch = &channel{num: c.nextChan, peer: peer}
		c.nextChan++
		c.chans[peer] = ch
		c.byNum[ch.num] = ch
	}
	if ch.pending {
		return nil
	}
	ch.pending = true
	return c.start(&request{kind: reqChannelBind, peer: peer, channel: ch.num})
}

func unmap(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()) }

// HandleEvent applies a Command.
func (c *Client) HandleEvent(cmd Command) (err error) {
	defer func() { err = c.reportLostEvents(err) }()
	if c.state == stateClosing || c.state == stateClosed {
		return ErrClosed
	}
	switch cmd.Kind {
	case CmdAllocate:
		return c.Allocate()
	case CmdCreatePermission:
		return c.CreatePermission(cmd.Peer)
	case CmdBindChannel:
		return c.BindChannel(cmd.Peer)
	}
	return errors.New("turn: unknown command")
}

// HandleWrite sends d.Data to d.Peer through the relay: as ChannelData on
// a bound channel, else in a Send indication (RFC 8656 §10). Before the
// peer's permission is installed the datagram waits (at most MaxPending per
// peer IP). d.Data is copied.
func (c *Client) HandleWrite(d Datagram) (err error) {
	defer func() { err = c.reportLostEvents(err) }()
	if c.state == stateClosing || c.state == stateClosed {
		return ErrClosed
	}
	if c.state != stateAllocated {
		return ErrNotAllocated
	}
	d.Peer = unmap(d.Peer)
	if ch := c.chans[d.Peer]; ch != nil && ch.bound {
		return c.sendChannelData(ch, d.Data)
	}
	ip := d.Peer.Addr()
	p := c.perms[ip]
	if p == nil || !p.installed {
		if err := c.CreatePermission(d.Peer); err != nil {
			return err
		}
		p = c.perms[ip]
		if len(p.queue) >= c.cfg.maxPending() {
			return ErrLimit
		}
		p.queue = append(p.queue, Datagram{Peer: d.Peer, Data: append([]byte(nil), d.Data...)})
		if !c.cfg.NoChannels && c.chans[d.Peer] == nil {
			c.BindChannel(d.Peer)
		}
		return nil
	}
	if !c.cfg.NoChannels && c.chans[d.Peer] == nil {
		c.BindChannel(d.Peer)
	}
	return c.sendIndication(d)
}

// ReleaseWrite hands back a buffer from PollWrite, or ReleaseRead one from
// PollRead's Datagram.Data, once the caller is done with it; the client
// reuses it, so a steady data flow allocates nothing. Optional.
func (c *Client) ReleaseWrite(b []byte) { c.release(b) }

// ReleaseRead: see ReleaseWrite.
func (c *Client) ReleaseRead(b []byte) { c.release(b) }

// bufferBounds: the client keeps up to 32 released buffers of 256 bytes to
// 128 KiB (a ChannelData message of up to 64 KiB fits; larger ones are let
// go).
var bufferBounds = shared.BufferBounds{Count: 32, MinCap: 256, MaxCap: 128 << 10}

func (c *Client) release(b []byte) { c.free.Put(b, bufferBounds) }

// buffer returns an empty buffer with room for n bytes.
func (c *Client) buffer(n int) []byte { return c.free.Get(n, bufferBounds) }

func (c *Client) sendChannelData(ch *channel, data []byte) error {
	b := AppendChannelData(c.buffer(channelHeaderSize+len(data)+3), ch.num, data, c.cfg.Protocol == shared.TCP)
	if err := c.push(b); err != nil {
		return err
	}
	c.stats.DataSent++
	c.stats.ChannelDataOut++
	return nil
}

func (c *Client) sendIndication(d Datagram) error {
	var id stun.TransactionID
	if _, err := c.cfg.rand().Read(id[:]); err != nil {
		return err
	}
	b := stun.NewBuilder(make([]byte, 0, 64+len(d.Data)), stun.MessageType{Method: stun.MethodSend, Class: stun.ClassIndication}, id)
	b.AddXORPeerAddress(d.Peer)
	b.AddData(d.Data)
	b.AddFingerprint()
	msg, err := b.Bytes()
	if err != nil {
		return err
	}
	if err := c.push(msg); err != nil {
		return err
	}
	c.stats.DataSent++
	return nil
}

func (c *Client) transport() shared.TransportContext {
	return shared.TransportContext{Local: c.cfg.Local, Peer: c.cfg.Server, Protocol: c.cfg.Protocol}
}

func (c *Client) push(b []byte) error {
	c.lastSent = c.clock.Now()
	return c.out.Push(shared.TaggedBytes{Now: c.clock.Now(), Transport: c.transport(), Message: b})
}

// keepaliveAt is when an idle client next sends a keepalive (zero: never).
func (c *Client) keepaliveAt() time.Time {
	ka := c.cfg.keepalive()
	if ka == 0 || c.state != stateAllocated || c.lastSent.IsZero() {
		return time.Time{}
	}
	return c.lastSent.Add(ka)
}

// sendKeepalive sends a Binding indication to the server: it needs no
// answer, and it refreshes the NAT binding between client and server.
func (c *Client) sendKeepalive() {
	var id stun.TransactionID
	if _, err := c.cfg.rand().Read(id[:]); err != nil {
		return
	}
	b := stun.NewBuilder(c.buffer(28), stun.BindingIndication, id)
	b.AddFingerprint()
	if msg, err := b.Bytes(); err == nil {
		if c.push(msg) == nil {
			c.stats.Keepalives++
		}
	}
}

// PollWrite returns the next message for the server. The bytes belong to
// the caller.
func (c *Client) PollWrite() (shared.TaggedBytes, bool) { return c.out.Pop() }

// PollRead returns the next datagram relayed from a peer. The bytes belong
// to the caller.
func (c *Client) PollRead() (Datagram, bool) { return c.reads.Pop() }

// PollEvent returns the next event.
func (c *Client) PollEvent() (Event, bool) { return c.events.Pop() }

func (c *Client) event(e Event) {
	// The shared event rule: a full queue drops and counts the new event,
	// and the Handle* call reports it (reportLostEvents).
	if c.events.Len() == c.events.Cap() {
		c.stats.Dropped++
	}
	c.events.Push(e)
}

// reportLostEvents adds the event queue's unreported loss to err (an
// error wrapping shared.ErrQueueFull); the good path does not allocate.
func (c *Client) reportLostEvents(err error) error { return c.events.Report(err) }

// HandleRead feeds what arrived from the server: a datagram over UDP, or
// any chunk of the stream over TCP/TLS. msg.Message is borrowed for the
// call.
func (c *Client) HandleRead(msg shared.TaggedBytes) (err error) {
	defer func() { err = c.reportLostEvents(err) }()
	if c.state == stateClosed {
		return ErrClosed
	}
	c.clock.Advance(msg.Now)
	if c.framer == nil {
		return c.handleMessage(msg.Message)
	}
	if err := c.framer.Push(msg.Message); err != nil {
		c.stats.Dropped++
		return err
	}
	var first error
	for {
		m, ok, err := c.framer.Next()
		if err != nil {
			c.stats.Dropped++
			return err
		}
		if !ok {
			return first
		}
		if err := c.handleMessage(m); err != nil && first == nil {
			first = err
		}
	}
}

func (c *Client) handleMessage(b []byte) error {
	if IsChannelData(b) {
		num, data, err := ParseChannelData(b)
		if err != nil {
			c.stats.Dropped++
			return err
		}
		// RFC 8656 §12.4: ChannelData on a channel that is not bound (or of
		// an allocation that is gone) is discarded.
		ch := c.byNum[num]
		if ch == nil || !ch.bound || c.state != stateAllocated {
			c.stats.Dropped++
			return ErrBadMessage
		}
		c.stats.ChannelDataIn++
		return c.deliver(ch.peer, data)
	}
	if err := stun.Parse(b, &c.msg); err != nil {
		c.stats.Dropped++
		return err
	}
	switch c.msg.Type.Class {
	case stun.ClassIndication:
		if c.msg.Type.Method != stun.MethodData {
			c.stats.Dropped++
			return ErrBadMessage
		}
		peer, err1 := c.msg.XORPeerAddress()
		data, err2 := c.msg.Data()
		if err1 != nil || err2 != nil {
			c.stats.Dropped++
			return ErrBadMessage
		}
		// RFC 8656 §10.4: without an allocation, or from a peer without
		// an installed permission, the indication is discarded.
		peer = unmap(peer)
		if p := c.perms[peer.Addr()]; c.state != stateAllocated || p == nil || !p.installed {
			c.stats.Dropped++
			return ErrNoPermission
		}
		return c.deliver(peer, data)
	case stun.ClassSuccess, stun.ClassError:
		err := c.tx.HandleRead(shared.TaggedBytes{Now: c.clock.Now(), Transport: c.transport(), Message: b})
		c.drainTx()
		if err != nil {
			c.stats.Dropped++
		}
		return err
	}
	c.stats.Dropped++
	return ErrBadMessage
}

func (c *Client) deliver(peer netip.AddrPort, data []byte) error {
	if err := c.reads.Push(Datagram{Peer: peer, Data: append(c.buffer(len(data)), data...)}); err != nil {
		c.stats.Dropped++
		return err
	}
	c.stats.DataReceived++
	return nil
}

// PollTimeout returns the next deadline: a retransmission, a refresh or a
// keepalive; the latest time seen while output waits to be polled (the
// shared drain rule). Before the client was ever told the time, a request
// started then (see Allocate) is sent by the first HandleTimeout, and
// PollTimeout reports the Unix epoch to ask for it.
func (c *Client) PollTimeout() (time.Time, bool) {
	d, _ := c.deadline()
	if c.clock.Now().IsZero() && len(c.deferred) > 0 {
		return time.Unix(0, 0), true
	}
	return c.clock.Timeout(d, c.pending())
}

// TimeoutReason names why PollTimeout reports its deadline: "pending",
// "start" (a request waits for the first time), "rtx" or "timeout" (a
// request, RFC 8489 §6.2.1), "keepalive", "refresh", "permission",
// "channel", or "" for none.
func (c *Client) TimeoutReason() string {
	if c.pending() {
		return "pending"
	}
	_, why := c.deadline()
	return why
}

func (c *Client) pending() bool {
	return c.out.Len() > 0 || c.reads.Len() > 0 || c.events.Len() > 0
}

// deadline returns the earliest timer and its name.
func (c *Client) deadline() (time.Time, string) {
	if c.state == stateClosed {
		return time.Time{}, ""
	}
	if len(c.deferred) > 0 {
		return c.clock.Now(), "start"
	}
	var d time.Time
	why := ""
	pick := func(t time.Time, reason string) {
		if e := shared.Earliest(d, t); !e.IsZero() && e != d {
			d, why = e, reason
		}
	}
	if t, ok := c.tx.PollTimeout(); ok {
		pick(t, c.tx.TimeoutReason())
	}
	if c.state == stateAllocated {
		pick(c.keepaliveAt(), "keepalive")
		if !c.refreshing {
			pick(c.refreshAt, "refresh")
		}
		for _, p := range c.perms {
			if p.installed && !p.pending {
				pick(p.refreshAt, "permission")
			}
		}
		for _, ch := range c.chans {
			if ch.bound && !ch.pending {
				pick(ch.refreshAt, "channel")
			}
		}
	}
	return d, why
}

// HandleTimeout retransmits requests and refreshes the allocation (RFC 8656
// §8), permissions (§9) and channels (§12) before they expire.
func (c *Client) HandleTimeout(now time.Time) (err error) {
	defer func() { err = c.reportLostEvents(err) }()
	if c.state == stateClosed {
		return nil // nothing runs after the allocation is gone
	}
	now = c.clock.Advance(now)
	for len(c.deferred) > 0 && !now.IsZero() {
		req := c.deferred[0]
		c.deferred = c.deferred[1:]
		c.retry(req)
	}
	c.tx.HandleTimeout(now)
	c.drainTx()
	if c.state != stateAllocated {
		return nil
	}
	if ka := c.keepaliveAt(); !ka.IsZero() && !now.Before(ka) {
		c.sendKeepalive()
	}
	if !c.refreshing && !c.refreshAt.IsZero() && !now.Before(c.refreshAt) {
		c.refreshing = true
		c.start(&request{kind: reqRefresh, lifetime: c.requestedLifetime()})
	}
	var due []netip.Addr
	for ip, p := range c.perms {
		if p.installed && !p.pending && !now.Before(p.refreshAt) {
			p.pending = true
			due = append(due, ip)
		}
	}
	if len(due) > 0 {
		// Map order is random; sort so a seeded run replays exactly.
		slices.SortFunc(due, netip.Addr.Compare)
		c.start(&request{kind: reqPermission, peers: due})
	}
	var dueChans []*channel
	for _, ch := range c.chans {
		if ch.bound && !ch.pending && !now.Before(ch.refreshAt) {
			ch.pending = true
			dueChans = append(dueChans, ch)
		}
	}
	slices.SortFunc(dueChans, func(a, b *channel) int { return cmp.Compare(a.num, b.num) })
	for _, ch := range dueChans {
		c.start(&request{kind: reqChannelBind, peer: ch.peer, channel: ch.num})
	}
	return nil
}

func (c *Client) requestedLifetime() uint32 {
	if c.cfg.Lifetime > 0 {
		return uint32(c.cfg.Lifetime / time.Second)
	}
	return uint32(defaultLifetime / time.Second)
}

// Close deallocates (a Refresh with LIFETIME 0, RFC 8656 §8) when
// allocated, and reports EventDeallocated at once; every other request is
// forgotten. The Refresh comes out of PollWrite, and HandleRead and
// HandleTimeout carry it to its end (Deallocated); nothing more comes out
// of PollEvent or PollRead (the shared contract). Writes and commands
// return ErrClosed.
func (c *Client) Close() error {
	switch c.state {
	case stateClosing, stateClosed:
		return nil
	}
	for id := range c.reqs {
		if err := c.tx.HandleEvent(stun.Command{Cancel: id}); err != nil {
			c.stats.Dropped++ // cannot happen: reqs only holds outstanding IDs
		}
		delete(c.reqs, id)
	}
	c.deferred = nil
	if c.state != stateAllocated {
		c.state = stateClosed
		c.closeDone = true
		return nil
	}
	c.state = stateClosing
	c.event(Event{Kind: EventDeallocated})
	return c.start(&request{kind: reqRefresh, lifetime: 0})
}

// Deallocated reports whether the deallocation Close started has ended,
// and how: nil when the server confirmed it, an error when it refused or
// never answered (the allocation then expires on its own).
func (c *Client) Deallocated() (bool, error) { return c.closeDone, c.closeErr }

// The client speaks the shared sans-I/O contract.
var _ shared.Protocol[Datagram, Datagram, Command, Event] = (*Client)(nil)
