package netsim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Sim is a simulated network: endpoints, the links between their hosts, NAT
// boxes, a virtual clock and the datagrams in flight. It is driven by Step,
// Run or RunFor from a single goroutine (a test); it is not safe for
// concurrent use.
type Sim struct {
	cfg   Config
	rng   *rand.Rand
	start time.Time
	now   time.Time

	eps    []*endpoint                  // in Add order: the drain and tie-break order
	byAddr map[netip.AddrPort]*endpoint // exact addresses, and IP:0 wildcards

	defLink LinkConfig
	links   map[hostPair]*link
	order   []*link // links in creation order, for Links()

	nats        []*NAT
	natByPublic map[netip.Addr]*NAT
	natByHost   map[netip.Addr]*NAT

	flight  flightHeap
	nextID  uint64
	scratch []byte

	trace   trace
	stats   Stats
	lastErr error
	stepErr error // an error to return from the current step
}

type endpoint struct {
	w     shared.Wire
	addrs []netip.AddrPort
	stats EndpointStats
}

type hostPair struct{ from, to netip.Addr }

// Stats counts what happened in the whole network.
type Stats struct {
	Steps         int    // steps taken (deliveries plus timer firings)
	Sent          uint64 // datagrams endpoints returned from PollWrite (plus Inject)
	Delivered     uint64 // datagrams handed to HandleRead, duplicates included
	Timeouts      uint64 // HandleTimeout calls
	NoRoute       uint64 // datagrams to an address nobody owns
	Unreachable   uint64 // datagrams whose destination disappeared in flight
	NATDropped    uint64 // datagrams dropped by a NAT (no mapping, filtered, hairpin denied)
	WrongSource   uint64 // datagrams sent from an address that is not the sender's
	ReadErrors    uint64 // errors returned by HandleRead
	TimeoutErrors uint64 // errors returned by HandleTimeout
}

// EndpointStats counts one endpoint's traffic.
type EndpointStats struct {
	Sent, Received         uint64
	BytesSent, BytesRecv   uint64
	ReadErrors, TimeErrors uint64
	Timeouts               uint64
}

// New returns an empty network whose clock reads cfg.Start.
func New(cfg Config) *Sim {
	s := &Sim{
		cfg:         cfg,
		rng:         rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x6e657473696d2121)),
		start:       cfg.start(),
		byAddr:      make(map[netip.AddrPort]*endpoint),
		links:       make(map[hostPair]*link),
		natByPublic: make(map[netip.Addr]*NAT),
		natByHost:   make(map[netip.Addr]*NAT),
		trace:       trace{limit: cfg.traceLimit()},
	}
	s.now = s.start
	return s
}

// Now returns the virtual time.
func (s *Sim) Now() time.Time { return s.now }

// Start returns the virtual time the network started at.
func (s *Sim) Start() time.Time { return s.start }

// Elapsed returns the virtual time since the start.
func (s *Sim) Elapsed() time.Duration { return s.now.Sub(s.start) }

// Stats returns the network-wide counters.
func (s *Sim) Stats() Stats { return s.stats }

// LastError returns the last error an endpoint returned from HandleRead or
// HandleTimeout, as an *EndpointError, or nil.
func (s *Sim) LastError() error { return s.lastErr }

// Add attaches an endpoint that receives every datagram sent to one of addrs
// and sends from them. An address with port 0 is a wildcard: the endpoint
// receives datagrams to any port of that IP (an exact address registered by
// another endpoint wins). A datagram the endpoint returns from PollWrite
// leaves from Transport.Local (or addrs[0] if Local is the zero value or
// has an unspecified IP) and is routed by Transport.Peer. A Local that is not
// one of addrs is dropped as WrongSource unless Config.AllowSpoofing is set.
//
// Add panics if addrs is empty or an address is already taken: those are
// mistakes in a test's setup.
func (s *Sim) Add(ep shared.Wire, addrs ...netip.AddrPort) {
	if len(addrs) == 0 {
		panic("netsim: Add needs at least one address")
	}
	e := &endpoint{w: ep, addrs: append([]netip.AddrPort(nil), addrs...)}
	for _, a := range addrs {
		if !a.IsValid() {
			panic("netsim: Add: invalid address")
		}
		if _, dup := s.byAddr[a]; dup {
			panic("netsim: Add: address " + a.String() + " already taken")
		}
		if s.natByPublic[a.Addr()] != nil {
			panic("netsim: Add: address " + a.String() + " is a NAT's public address")
		}
	}
	for _, a := range addrs {
		s.byAddr[a] = e
	}
	s.eps = append(s.eps, e)
}

// Remove detaches an endpoint: it stops being polled, and datagrams in
// flight to it are dropped (Unreachable) when they arrive. It reports
// whether the endpoint was attached.
func (s *Sim) Remove(ep shared.Wire) bool {
	for i, e := range s.eps {
		if e.w != ep {
			continue
		}
		for _, a := range e.addrs {
			delete(s.byAddr, a)
		}
		s.eps = append(s.eps[:i], s.eps[i+1:]...)
		return true
	}
	return false
}

// EndpointStats returns the counters of an attached endpoint.
func (s *Sim) EndpointStats(ep shared.Wire) (EndpointStats, bool) {
	for _, e := range s.eps {
		if e.w == ep {
			return e.stats, true
		}
	}
	return EndpointStats{}, false
}

// SetDefaultLink sets the configuration of every link that has none of its
// own. It applies to datagrams sent from now on.
func (s *Sim) SetDefaultLink(cfg LinkConfig) { s.defLink = cfg }

// SetLink sets the configuration of one direction of the path between two
// hosts: datagrams whose source IP on the wire is from and whose destination
// IP is to. For a host behind a NAT, the source on the wire is the NAT's
// public address (toward hosts outside) and the destination of datagrams
// toward it is the NAT's public address too. It applies to datagrams sent
// from now on; queue and burst state carry over.
func (s *Sim) SetLink(from, to netip.Addr, cfg LinkConfig) {
	l := s.link(from, to)
	c := cfg
	l.cfg = &c
}

// SetLinkBoth sets the same configuration in both directions between a and b.
func (s *Sim) SetLinkBoth(a, b netip.Addr, cfg LinkConfig) {
	s.SetLink(a, b, cfg)
	s.SetLink(b, a, cfg)
}

// ClearLink makes the link from→to follow the default again.
func (s *Sim) ClearLink(from, to netip.Addr) {
	if l := s.links[hostPair{from, to}]; l != nil {
		l.cfg = nil
	}
}

// LinkStats returns the counters of the link from→to (zero if no datagram
// ever used it).
func (s *Sim) LinkStats(from, to netip.Addr) LinkStats {
	if l := s.links[hostPair{from, to}]; l != nil {
		return l.stats
	}
	return LinkStats{}
}

// Links returns the counters of every link that carried traffic or was
// configured, in creation order.
func (s *Sim) Links() []LinkStats {
	out := make([]LinkStats, len(s.order))
	for i, l := range s.order {
		out[i] = l.stats
	}
	return out
}

func (s *Sim) link(from, to netip.Addr) *link {
	k := hostPair{from, to}
	l := s.links[k]
	if l == nil {
		l = &link{}
		l.stats.From, l.stats.To = from, to
		s.links[k] = l
		s.order = append(s.order, l)
	}
	return l
}

// InFlight returns how many datagrams are on the links.
func (s *Sim) InFlight() int { return len(s.flight) }

// Inject sends a datagram into the network as if an endpoint at from had
// sent it to to, at the current virtual time: for garbage, spoofed or
// replayed datagrams in tests. The payload is copied. It is routed, NATed and
// subjected to the links like any other datagram.
func (s *Sim) Inject(from, to netip.AddrPort, payload []byte) {
	s.send(nil, shared.TaggedBytes{
		Now:       s.now,
		Transport: shared.TransportContext{Local: from, Peer: to},
		Message:   append([]byte(nil), payload...),
	})
}

// Next returns the time of the next event (a delivery or an endpoint
// deadline), after draining what endpoints have to send; false if there is
// none.
func (s *Sim) Next() (time.Time, bool) {
	s.drain()
	t, _, _, ok := s.next()
	return t, ok
}

// next finds the earliest event: a delivery (which wins ties) or the
// earliest endpoint deadline (the first endpoint in Add order wins ties).
func (s *Sim) next() (at time.Time, ep *endpoint, deliver bool, ok bool) {
	if len(s.flight) > 0 {
		at, deliver, ok = s.flight[0].at, true, true
	}
	for _, e := range s.eps {
		d, has := e.w.PollTimeout()
		if !has {
			continue
		}
		if !ok || d.Before(at) {
			at, ep, deliver, ok = d, e, false, true
		}
	}
	return at, ep, deliver, ok
}

// Step drains every endpoint's PollWrite, then performs the earliest event:
// it delivers the earliest due datagram, or fires the earliest endpoint
// deadline by calling HandleTimeout with exactly that deadline (or with the
// current time if the deadline is already past), advancing the virtual
// clock to it; then it drains every endpoint again, in Add order, routing
// each datagram by Transport.Peer. It reports false if there was nothing to
// do. The error is ErrFlood, or with Config.StopOnError an *EndpointError.
func (s *Sim) Step() (bool, error) {
	s.stepErr = nil
	s.drain()
	if s.stepErr != nil {
		return false, s.stepErr
	}
	at, ep, deliver, ok := s.next()
	if !ok {
		return false, nil
	}
	if at.After(s.now) {
		s.now = at
	}
	s.stats.Steps++
	if deliver {
		p := heap.Pop(&s.flight).(*packet)
		s.arrive(p)
	} else {
		s.stats.Timeouts++
		ep.stats.Timeouts++
		if err := ep.w.HandleTimeout(s.now); err != nil {
			s.stats.TimeoutErrors++
			ep.stats.TimeErrors++
			s.endpointError(ep, "HandleTimeout", err)
		}
	}
	s.drain()
	return true, s.stepErr
}

func (s *Sim) endpointError(e *endpoint, op string, err error) {
	ee := &EndpointError{Endpoint: e.w, Op: op, Step: s.stats.Steps, Err: err}
	s.lastErr = ee
	if s.cfg.StopOnError && s.stepErr == nil {
		s.stepErr = ee
	}
}

// Run steps the network until until() reports true (checked before every
// step; a nil until means "until idle"). It returns nil when the condition
// holds, ErrIdle if nothing is left to happen first (nil for a nil until),
// and an error wrapping ErrStepLimit after maxSteps steps (0 means
// DefaultMaxSteps). Step caps catch livelocks, such as an endpoint whose
// deadline never moves past the current time.
func (s *Sim) Run(until func() bool, maxSteps int) error {
	if maxSteps <= 0 {
		maxSteps = DefaultMaxSteps
	}
	for n := 0; ; n++ {
		s.stepErr = nil
		s.drain()
		if s.stepErr != nil {
			return s.stepErr
		}
		if until != nil && until() {
			return nil
		}
		if n >= maxSteps {
			return fmt.Errorf("%w: %d steps, virtual time %v", ErrStepLimit, n, s.Elapsed())
		}
		did, err := s.Step()
		if err != nil {
			return err
		}
		if !did {
			if until == nil {
				return nil
			}
			return fmt.Errorf("%w (virtual time %v)", ErrIdle, s.Elapsed())
		}
	}
}

// RunFor steps the network through every event up to now+d, then sets the
// clock to now+d. It returns an error wrapping ErrStepLimit after maxSteps
// steps (0 means DefaultMaxSteps).
func (s *Sim) RunFor(d time.Duration, maxSteps int) error {
	if maxSteps <= 0 {
		maxSteps = DefaultMaxSteps
	}
	end := s.now.Add(d)
	for n := 0; ; n++ {
		s.stepErr = nil
		s.drain()
		if s.stepErr != nil {
			return s.stepErr
		}
		at, _, _, ok := s.next()
		if !ok || at.After(end) {
			if end.After(s.now) {
				s.now = end
			}
			return nil
		}
		if n >= maxSteps {
			return fmt.Errorf("%w: %d steps, virtual time %v", ErrStepLimit, n, s.Elapsed())
		}
		if _, err := s.Step(); err != nil {
			return err
		}
	}
}

// drain collects every endpoint's pending datagrams, in Add order.
func (s *Sim) drain() {
	limit := s.cfg.maxBurst()
	for _, e := range s.eps {
		for n := 0; ; n++ {
			if n >= limit {
				if s.stepErr == nil {
					s.stepErr = fmt.Errorf("%w: more than %d datagrams from %v", ErrFlood, limit, e.addrs[0])
				}
				break
			}
			m, ok := e.w.PollWrite()
			if !ok {
				break
			}
			s.send(e, m)
		}
	}
}

// packet is a datagram in flight.
type packet struct {
	id       uint64
	at       time.Time // arrival
	from, to netip.AddrPort
	msg      []byte
	proto    shared.TransportProtocol
	ecn      shared.ECN
	link     *link
	index    int // in the heap
}

// send routes one datagram an endpoint (nil for Inject) wrote.
func (s *Sim) send(e *endpoint, m shared.TaggedBytes) {
	from, to := m.Transport.Local, m.Transport.Peer
	if e != nil && (!from.IsValid() || from.Addr().IsUnspecified()) {
		from = e.addrs[0]
	}
	s.stats.Sent++
	if e != nil {
		e.stats.Sent++
		e.stats.BytesSent += uint64(len(m.Message))
	}
	s.nextID++
	p := &packet{id: s.nextID, from: from, to: to, msg: m.Message, proto: m.Transport.Protocol, ecn: m.Transport.ECN}
	rec := Record{ID: p.id, Sent: s.now, From: from, To: to, Size: len(m.Message), Payload: m.Message}

	fate := InFlight
	if e != nil && !s.cfg.AllowSpoofing && !e.owns(from) {
		fate = WrongSource
		s.stats.WrongSource++
	} else {
		fate = s.translateOut(p)
	}
	rec.From = p.from
	if fate == InFlight && !s.routable(p.to) {
		fate = NoRoute
	}
	switch fate {
	case InFlight, WrongSource:
	case NoRoute:
		s.stats.NoRoute++
	default:
		s.stats.NATDropped++
	}
	if fate != InFlight {
		rec.Fate = fate
		s.trace.add(rec)
		return
	}

	l := s.link(p.from.Addr(), p.to.Addr())
	p.link = l
	cfg := &s.defLink
	if l.cfg != nil {
		cfg = l.cfg
	}
	v := l.transmit(s.rng, cfg, s.now, len(p.msg), p.ecn)
	rec.Fate = v.fate
	if v.fate != InFlight {
		s.trace.add(rec)
		return
	}
	if v.flipBit >= 0 {
		// Corrupt a copy: the sender's bytes stay as they were sent.
		p.msg = append([]byte(nil), p.msg...)
		p.msg[v.flipBit/8] ^= 1 << (v.flipBit % 8)
		rec.Payload, rec.Corrupted = p.msg, true
	}
	if v.ce {
		p.ecn = shared.ECNCE
	}
	p.at = v.at
	rec.Arrival = v.at
	s.trace.add(rec)
	heap.Push(&s.flight, p)
	if v.dup {
		s.nextID++
		c := *p
		c.id = s.nextID
		rec.ID, rec.Duplicate = c.id, true
		s.trace.add(rec)
		heap.Push(&s.flight, &c)
	}
}

// owns reports whether a is one of the endpoint's addresses (or matches
// one of its port-0 wildcards).
func (e *endpoint) owns(a netip.AddrPort) bool {
	for _, x := range e.addrs {
		if x == a || (x.Port() == 0 && x.Addr() == a.Addr()) {
			return true
		}
	}
	return false
}

// routable reports whether some endpoint or NAT owns the address.
func (s *Sim) routable(to netip.AddrPort) bool {
	if !to.IsValid() {
		return false
	}
	return s.natByPublic[to.Addr()] != nil || s.lookup(to) != nil
}

func (s *Sim) lookup(a netip.AddrPort) *endpoint {
	if e := s.byAddr[a]; e != nil {
		return e
	}
	return s.byAddr[netip.AddrPortFrom(a.Addr(), 0)]
}

// arrive hands a datagram that crossed its link to its destination.
func (s *Sim) arrive(p *packet) {
	p.link.stats.Delivered++
	p.link.stats.DeliveredBytes += uint64(len(p.msg))
	dst := p.to
	if n := s.natByPublic[dst.Addr()]; n != nil {
		priv, fate := n.inbound(s.now, p.from, dst)
		if fate != InFlight {
			s.stats.NATDropped++
			s.setFate(p.id, fate)
			return
		}
		dst = priv
	}
	e := s.lookup(dst)
	if e == nil {
		s.stats.Unreachable++
		s.setFate(p.id, Unreachable)
		return
	}
	s.setFate(p.id, Delivered)
	s.stats.Delivered++
	e.stats.Received++
	e.stats.BytesRecv += uint64(len(p.msg))
	// The message is borrowed by HandleRead; hand over a scratch copy so
	// an endpoint that modifies it in place cannot corrupt the trace or a
	// duplicate, and one that keeps it without copying is caught.
	s.scratch = append(s.scratch[:0], p.msg...)
	err := e.w.HandleRead(shared.TaggedBytes{
		Now:       s.now,
		Transport: shared.TransportContext{Local: dst, Peer: p.from, Protocol: p.proto, ECN: p.ecn},
		Message:   s.scratch,
	})
	if err != nil {
		s.stats.ReadErrors++
		e.stats.ReadErrors++
		s.endpointError(e, "HandleRead", err)
	}
}

func (s *Sim) setFate(id uint64, f Fate) {
	s.trace.update(id, func(r *Record) { r.Fate = f })
}

// flightHeap orders datagrams in flight by arrival time, then send order.
type flightHeap []*packet

func (h flightHeap) Len() int { return len(h) }
func (h flightHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].id < h[j].id
}
func (h flightHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *flightHeap) Push(x any) {
	p := x.(*packet)
	p.index = len(*h)
	*h = append(*h, p)
}
func (h *flightHeap) Pop() any {
	old := *h
	n := len(old)
	p := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return p
}
