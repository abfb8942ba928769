package mdns

import (
	"net/netip"
	"slices"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// QuerierStats counts what a Querier saw. Read with Querier.Stats.
type QuerierStats struct {
	QueriesSent uint64 // query datagrams returned by PollWrite
	Resolved    uint64 // EventResolved, from the network or the cache
	CacheHits   uint64 // Resolve answered from the cache
	Failed      uint64 // EventFailed
	Unsolicited uint64 // A/AAAA records for names not asked (ignored)
	Goodbyes    uint64 // TTL 0 records that removed a cached name (RFC 6762 §10.1)
	Malformed   uint64 // datagrams that did not parse (dropped)
	OffLink     uint64 // responses from off-link sources or not from port 5353 (dropped)
	Ignored     uint64 // responses with a non-zero OPCODE or RCODE, unusable addresses
}

// query is one name being asked.
type query struct {
	name  string    // as the caller gave it
	key   string    // canonical
	start time.Time // first transmission (zero until the first time seen after Resolve)
	sends int       // transmissions scheduled so far
	owed  uint8     // locals still owed the current transmission
}

type cached struct {
	key    string
	addr   netip.Addr
	expiry time.Time
}

// Querier resolves the ".local" names of remote ICE candidates over mDNS
// (RFC 6762 one-shot queries with retransmission, §5.2). It is a sans-I/O
// machine: the caller owns the multicast socket(s) named in Config.Locals.
//
// Resolve (or HandleEvent(Command{Kind: CmdResolve})) starts asking; every
// query comes out of PollWrite, to the group of its Local. Responses go
// into HandleRead; EventResolved or EventFailed comes out of PollEvent.
// PollRead never returns anything and HandleWrite is not used.
type Querier struct {
	cfg     Config
	locals  []netip.AddrPort
	all     uint8 // one bit per local
	clock   shared.Clock
	pending []query
	cache   []cached
	events  shared.EventQueue[Event]
	stats   QuerierStats
	closed  bool
}

// NewQuerier returns a Querier.
func NewQuerier(cfg Config) (*Querier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	q := &Querier{cfg: cfg, locals: cfg.locals(), events: shared.NewEventQueue[Event](cfg.maxEvents())}
	q.all = uint8(1<<len(q.locals) - 1)
	q.events.SetName("mdns querier events")
	return q, nil
}

// Stats returns the counters.
func (q *Querier) Stats() QuerierStats { return q.stats }

// Resolve starts asking for name, which must be of the form
// "<uuid>.local" (IsICEName; ErrBadName otherwise). A name in the cache
// resolves at once (EventResolved without a query); a name already being
// asked is not asked twice. More than Config.MaxNames names at once is
// ErrTooManyNames. The query schedule starts at the latest time the
// machine has seen (the first HandleTimeout or HandleRead, if none yet).
func (q *Querier) Resolve(name string) error {
	if q.closed {
		return ErrClosed
	}
	if !IsICEName(name) {
		return ErrBadName
	}
	key, now := canonical(name), q.clock.Now()
	if i := q.cacheIndex(key); i >= 0 {
		if !q.cache[i].expiry.After(now) {
			q.removeCached(i)
		} else {
			q.stats.CacheHits++
			q.stats.Resolved++
			q.events.Push(Event{Kind: EventResolved, Name: name, Addr: q.cache[i].addr})
			return q.events.Report(nil)
		}
	}
	if q.pendingIndex(key) >= 0 {
		return nil
	}
	if len(q.pending) >= q.cfg.maxNames() {
		return ErrTooManyNames
	}
	// The first query goes out at once; the schedule counts from the next
	// time the machine is given (the latest time seen may be stale: a
	// Querier with nothing to do is not called), and PollTimeout reports
	// now until then.
	q.pending = append(q.pending, query{name: name, key: key, sends: 1, owed: q.all})
	return nil
}

// HandleEvent runs a Command: CmdResolve (Name) is Resolve.
func (q *Querier) HandleEvent(c Command) error {
	if q.closed {
		return ErrClosed
	}
	if c.Kind != CmdResolve {
		return ErrBadCommand
	}
	return q.Resolve(c.Name)
}

// HandleWrite is not used: it returns ErrNoData (ErrClosed after Close).
func (q *Querier) HandleWrite([]byte) error {
	if q.closed {
		return ErrClosed
	}
	return ErrNoData
}

// PollRead never returns anything: mDNS has no application data.
func (q *Querier) PollRead() ([]byte, bool) { return nil, false }

// PollEvent returns the next EventResolved or EventFailed.
func (q *Querier) PollEvent() (Event, bool) { return q.events.Pop() }

// advance records the time; queries asked since the previous time start
// now.
func (q *Querier) advance(t time.Time) time.Time {
	now := q.clock.Advance(t)
	if !now.IsZero() {
		for i := range q.pending {
			if q.pending[i].start.IsZero() {
				q.pending[i].start = now
			}
		}
	}
	return now
}

// HandleRead takes one datagram read from an mDNS socket (the bytes are
// borrowed for the call). Queries (ours looping back, other hosts') are
// ignored: feed the same datagrams to a Responder. A response is accepted
// only from an on-link source (Config.Networks) and port 5353 (RFC 6762
// §6: "MUST silently ignore any Multicast DNS responses they receive where
// the source UDP port is not 5353"); otherwise it is counted and
// ErrOffLink returned. Every A or AAAA record in the answer and additional
// sections is matched to the names asked; records for other names are
// counted in Stats.Unsolicited and ignored. A malformed datagram is counted
// and its parse error returned.
func (q *Querier) HandleRead(msg shared.TaggedBytes) error {
	now := q.advance(msg.Now)
	if q.closed {
		return nil
	}
	m, err := Parse(msg.Message)
	if err != nil {
		q.stats.Malformed++
		return q.events.Report(err)
	}
	if !m.Response() {
		return nil
	}
	// RFC 6762 §18.3 and §18.11: messages with a non-zero OPCODE or RCODE
	// "MUST be silently ignored".
	if m.Opcode() != 0 || m.RCode() != 0 {
		q.stats.Ignored++
		return nil
	}
	if msg.Transport.Peer.Port() != Port || !q.cfg.onLink(msg.Transport.Peer.Addr()) {
		q.stats.OffLink++
		return ErrOffLink
	}
	for _, sec := range [...][]Record{m.Answers, m.Additionals} {
		for i := range sec {
			q.answer(now, &sec[i])
		}
	}
	return q.events.Report(nil)
}

// answer applies one record of a response.
func (q *Querier) answer(now time.Time, r *Record) {
	addr, ok := r.Addr()
	if !ok || r.Class != ClassIN {
		return
	}
	key := canonical(r.Name)
	pi, ci := q.pendingIndex(key), q.cacheIndex(key)
	if pi < 0 && ci < 0 {
		q.stats.Unsolicited++
		return
	}
	if r.TTL == 0 { // RFC 6762 §10.1: a goodbye removes the record
		if ci >= 0 {
			q.removeCached(ci)
			q.stats.Goodbyes++
		}
		return
	}
	addr = addr.Unmap()
	if addr.IsUnspecified() || addr.IsMulticast() {
		q.stats.Ignored++
		return
	}
	ttl := min(time.Duration(r.TTL)*time.Second, maxCacheTTL)
	q.putCache(key, addr, now.Add(ttl))
	if pi >= 0 {
		q.stats.Resolved++
		q.events.Push(Event{Kind: EventResolved, Name: q.pending[pi].name, Addr: addr})
		q.removePending(pi)
	}
}

// PollWrite returns the next query datagram. It asks for both A and AAAA
// records of one name, with ID 0 (RFC 6762 §18.1) and no other flags,
// from Transport.Local (a Config.Locals entry) to its group. The bytes
// belong to the caller.
func (q *Querier) PollWrite() (shared.TaggedBytes, bool) {
	for i := range q.pending {
		p := &q.pending[i]
		if p.owed == 0 {
			continue
		}
		li := lowestBit(p.owed)
		p.owed &^= 1 << li
		qu := q.cfg.UnicastResponse && p.sends == 1
		m := Message{Questions: []Question{
			{Name: p.key, Type: TypeA, Class: ClassIN, UnicastResponse: qu},
			{Name: p.key, Type: TypeAAAA, Class: ClassIN, UnicastResponse: qu},
		}}
		b, err := m.AppendTo(nil)
		if err != nil { // cannot happen: IsICEName names always encode
			continue
		}
		q.stats.QueriesSent++
		local := q.locals[li]
		return shared.TaggedBytes{
			Now:       q.clock.Now(),
			Transport: shared.TransportContext{Local: local, Peer: group(local), Protocol: shared.UDP},
			Message:   b,
		}, true
	}
	return shared.TaggedBytes{}, false
}

// HandleTimeout retransmits queries that are due (RFC 6762 §5.2: "the
// interval between the first two queries MUST be at least one second, the
// intervals between successive queries MUST increase by at least a factor
// of two"; 1 s, 2 s, 4 s, ... capped at Config.MaxInterval) and fails
// those asked for Config.Timeout (EventFailed). A caller that is late
// gets one transmission, not a burst. Calling it early is harmless.
func (q *Querier) HandleTimeout(t time.Time) error {
	now := q.advance(t)
	if q.closed || now.IsZero() {
		return nil
	}
	timeout := q.cfg.timeout()
	keep := q.pending[:0]
	for _, p := range q.pending {
		if !now.Before(p.start.Add(timeout)) {
			q.stats.Failed++
			q.events.Push(Event{Kind: EventFailed, Name: p.name})
			continue
		}
		for {
			off := q.offset(p.sends)
			if off >= timeout || p.start.Add(off).After(now) {
				break
			}
			p.sends++
			p.owed = q.all
		}
		keep = append(keep, p)
	}
	clear(q.pending[len(keep):])
	q.pending = keep
	return q.events.Report(nil)
}

// offset returns when transmission k (0 is the first) is due, after the start.
func (q *Querier) offset(k int) time.Duration {
	var off time.Duration
	iv, ceil := time.Second, q.cfg.maxInterval()
	for range k {
		off += iv
		iv = min(2*iv, ceil)
	}
	return off
}

// deadline returns the earliest retransmission or failure time.
func (q *Querier) deadline() time.Time {
	var d time.Time
	timeout := q.cfg.timeout()
	for i := range q.pending {
		p := &q.pending[i]
		next := p.start.Add(timeout)
		if off := q.offset(p.sends); off < timeout {
			next = p.start.Add(off)
		}
		d = shared.Earliest(d, next)
	}
	return d
}

// owed reports whether a query waits in PollWrite, or a query waits for
// the time to start its schedule.
func (q *Querier) owed() bool {
	for i := range q.pending {
		if q.pending[i].owed != 0 || q.pending[i].start.IsZero() {
			return true
		}
	}
	return false
}

// PollTimeout returns the next retransmission or failure time; the latest
// time seen while a query waits in PollWrite or an event in PollEvent, and
// after a Resolve, until the next HandleTimeout gives the current time.
func (q *Querier) PollTimeout() (time.Time, bool) {
	return q.clock.Timeout(q.deadline(), q.owed() || q.events.Len() > 0)
}

// TimeoutReason returns "pending" while output waits, "query" while names
// are being asked, and "" when there is no deadline.
func (q *Querier) TimeoutReason() string {
	switch {
	case q.owed() || q.events.Len() > 0:
		return "pending"
	case len(q.pending) > 0:
		return "query"
	}
	return ""
}

// Close stops asking: pending names are dropped without events, the cache
// and the queued events are cleared. Closing twice is harmless.
func (q *Querier) Close() error {
	q.closed = true
	clear(q.pending)
	q.pending = q.pending[:0]
	q.cache = nil
	q.events.Clear()
	return nil
}

func (q *Querier) pendingIndex(key string) int {
	for i := range q.pending {
		if q.pending[i].key == key {
			return i
		}
	}
	return -1
}

func (q *Querier) removePending(i int) {
	q.pending = slices.Delete(q.pending, i, i+1)
}

func (q *Querier) cacheIndex(key string) int {
	for i := range q.cache {
		if q.cache[i].key == key {
			return i
		}
	}
	return -1
}

func (q *Querier) removeCached(i int) {
	q.cache = slices.Delete(q.cache, i, i+1)
}

// putCache stores an answer; when the cache is full the entry expiring
// first (an expired one, if any) makes room.
func (q *Querier) putCache(key string, addr netip.Addr, expiry time.Time) {
	if i := q.cacheIndex(key); i >= 0 {
		q.cache[i].addr, q.cache[i].expiry = addr, expiry
		return
	}
	if len(q.cache) >= q.cfg.maxCache() {
		oldest := 0
		for i := range q.cache {
			if q.cache[i].expiry.Before(q.cache[oldest].expiry) {
				oldest = i
			}
		}
		q.removeCached(oldest)
	}
	q.cache = append(q.cache, cached{key: key, addr: addr, expiry: expiry})
}

func lowestBit(m uint8) int {
	for i := range 8 {
		if m&(1<<i) != 0 {
			return i
		}
	}
	return 0
}

// Both machines are shared.Protocol machines with a TimeoutReason.
var (
	_ shared.Protocol[[]byte, []byte, Command, Event] = (*Querier)(nil)
	_ shared.Protocol[[]byte, []byte, Command, Event] = (*Responder)(nil)
	_ shared.TimeoutReasoner                          = (*Querier)(nil)
	_ shared.TimeoutReasoner                          = (*Responder)(nil)
)
