package mdns

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ResponderStats counts what a Responder saw. Read with Responder.Stats.
type ResponderStats struct {
	ResponsesSent uint64 // answers and announcements returned by PollWrite
	Goodbyes      uint64 // TTL 0 records sent by Unpublish and Close
	Questions     uint64 // questions asking for one of our records (not suppressed)
	RateLimited   uint64 // of those, the ones delayed or folded into an answer already due (RFC 6762 §6)
	Suppressed    uint64 // questions whose known answer already held our record (RFC 6762 §7.1)
	Legacy        uint64 // queries not from port 5353 (legacy unicast, not answered)
	Conflicts     uint64 // responses giving our names another address (EventConflict)
	Malformed     uint64 // datagrams that did not parse (dropped)
	OffLink       uint64 // datagrams from off-link sources (dropped)
	Ignored       uint64 // messages with a non-zero OPCODE or RCODE
}

// published is one name we answer for.
type published struct {
	name string // "<uuid>.local", lowercase
	addr netip.Addr
	// owed has one bit per local on which a multicast of the record is
	// due at due[i] (an answer or an announcement).
	owed uint8
	due  []time.Time // one per local
	last []time.Time // last multicast on each local (zero: never)
	// announce has one bit per local still owed its second announcement
	// (RFC 6762 §8.3: "at least two unsolicited responses, one second apart").
	announce uint8
	goodbye  uint8 // locals owed a goodbye (TTL 0) before the record goes
	gone     bool  // unpublished: removed once the goodbyes are out
	// started is false from Publish until the next time the machine is
	// given: the latest time seen may be stale (a Responder with nothing
	// to do is not called), and the announcements count from real time.
	started bool
}

// Responder publishes our own host candidates under random "<uuid>.local"
// names (draft-ietf-mmusic-mdns-ice-candidates §3.1.1) and answers queries
// for them (RFC 6762 §6). It is a sans-I/O machine: the caller owns the
// multicast socket(s) named in Config.Locals.
//
// What is reduced from RFC 6762: no probing (§8.1; the draft: the name is
// a fresh random UUID, so the agent skips it), two announcements one second
// apart on each Local (§8.3), no conflict resolution (§9; a conflicting
// answer is reported as EventConflict and counted), every answer multicast
// (a QU question gets a multicast answer, which §5.4 allows when the
// record was not multicast recently), no answers to legacy unicast queries
// (§6.7, source port not 5353), and one record per datagram.
type Responder struct {
	cfg     Config
	locals  []netip.AddrPort
	all     uint8
	clock   shared.Clock
	records []published
	events  shared.EventQueue[Event]
	stats   ResponderStats
	closed  bool
}

// NewResponder returns a Responder.
func NewResponder(cfg Config) (*Responder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Responder{cfg: cfg, locals: cfg.locals(), events: shared.NewEventQueue[Event](cfg.maxEvents())}
	r.all = uint8(1<<len(r.locals) - 1)
	r.events.SetName("mdns responder events")
	return r, nil
}

// Stats returns the counters.
func (r *Responder) Stats() ResponderStats { return r.stats }

// Publish gives addr a new random name "<uuid>.local" drawn from
// Config.Rand, announces it, and answers queries for it from now on. An
// address already published keeps its name (returned again, no new
// event). It also queues EventPublished. Errors: ErrBadAddress,
// ErrTooManyNames (Config.MaxNames), ErrClosed, or the Rand error.
func (r *Responder) Publish(addr netip.Addr) (string, error) {
	if r.closed {
		return "", ErrClosed
	}
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsUnspecified() || addr.IsMulticast() {
		return "", ErrBadAddress
	}
	for i := range r.records {
		if p := &r.records[i]; p.addr == addr && !p.gone {
			return p.name, nil
		}
	}
	if len(r.records) >= r.cfg.maxNames() {
		return "", ErrTooManyNames
	}
	name, err := r.draw()
	if err != nil {
		return "", err
	}
	r.add(name, addr)
	return name, r.events.Report(nil)
}

// PublishName publishes a name drawn by the caller (NewName) for addr:
// an application whose names are drawn elsewhere (one name per address per
// PeerConnection, draft-ietf-mmusic-mdns-ice-candidates §3.1.1, so several
// names may stand for one address) has this Responder answer for them. It
// announces the name and queues EventPublished like Publish. Publishing a
// name again for the same address does nothing. Errors: ErrBadName (not a
// "<uuid>.local" name), ErrBadAddress, ErrNameInUse (published for another
// address), ErrTooManyNames (Config.MaxNames, which counts withdrawn names until
// their goodbyes are out), ErrClosed.
func (r *Responder) PublishName(name string, addr netip.Addr) error {
	if r.closed {
		return ErrClosed
	}
	if !IsICEName(name) {
		return ErrBadName
	}
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsUnspecified() || addr.IsMulticast() {
		return ErrBadAddress
	}
	name = canonical(name)
	if i := r.index(name); i >= 0 && !r.records[i].gone {
		if r.records[i].addr == addr {
			return nil
		}
		return ErrNameInUse
	}
	if len(r.records) >= r.cfg.maxNames() {
		return ErrTooManyNames
	}
	r.add(name, addr)
	return r.events.Report(nil)
}

func (r *Responder) add(name string, addr netip.Addr) {
	n := len(r.locals)
	times := make([]time.Time, 2*n)
	p := published{name: name, addr: addr, owed: r.all, announce: r.all, due: times[:n:n], last: times[n:]}
	r.records = append(r.records, p)
	r.events.Push(Event{Kind: EventPublished, Name: name, Addr: addr})
}

// Unpublish stops answering for name and sends a goodbye for it (RFC 6762
// §10.1: the record with TTL 0) on every Local.
func (r *Responder) Unpublish(name string) error {
	if r.closed {
		return ErrClosed
	}
	i := r.index(canonical(name))
	if i < 0 || r.records[i].gone {
		return ErrUnknownName
	}
	r.retire(&r.records[i])
	return nil
}

func (r *Responder) retire(p *published) {
	p.gone, p.owed, p.announce, p.goodbye = true, 0, 0, r.all
}

// HandleEvent runs a Command: CmdPublish (Addr) is Publish, CmdUnpublish
// (Name) is Unpublish.
func (r *Responder) HandleEvent(c Command) error {
	if r.closed {
		return ErrClosed
	}
	switch c.Kind {
	case CmdPublish:
		_, err := r.Publish(c.Addr)
		return err
	case CmdUnpublish:
		return r.Unpublish(c.Name)
	}
	return ErrBadCommand
}

// HandleWrite is not used: it returns ErrNoData (ErrClosed after Close).
func (r *Responder) HandleWrite([]byte) error {
	if r.closed {
		return ErrClosed
	}
	return ErrNoData
}

// PollRead never returns anything: mDNS has no application data.
func (r *Responder) PollRead() ([]byte, bool) { return nil, false }

// PollEvent returns the next EventPublished or EventConflict.
func (r *Responder) PollEvent() (Event, bool) { return r.events.Pop() }

// advance records the time; records published since the previous time
// are announced now.
func (r *Responder) advance(t time.Time) time.Time {
	now := r.clock.Advance(t)
	if now.IsZero() {
		return now
	}
	for i := range r.records {
		if p := &r.records[i]; !p.started {
			p.started = true
			for j := range p.due {
				p.due[j] = now
			}
		}
	}
	return now
}

// HandleRead takes one datagram read from an mDNS socket (borrowed for the
// call). A query from an on-link source and port 5353 is answered for each
// question (QTYPE A, AAAA or ANY, class IN or ANY) naming one of our
// records of that family, on the Local it arrived on (Transport.Local),
// unless its known-answer section already holds the record with at least
// half our TTL (RFC 6762 §7.1). RFC 6762 §6: "a Multicast DNS responder
// MUST NOT (except in the one special case of answering probe queries)
// multicast a record on a given interface until at least one second has
// elapsed since the last time that record was multicast on that particular
// interface": a question within that second is folded into the answer due
// at its end, so a flood of queries costs one answer per name per second
// per Local. A response giving one of our names another address is
// reported (EventConflict). Off-link datagrams are counted and ErrOffLink
// returned; malformed ones are counted and their parse error returned.
func (r *Responder) HandleRead(msg shared.TaggedBytes) error {
	now := r.advance(msg.Now)
	if r.closed {
		return nil
	}
	m, err := Parse(msg.Message)
	if err != nil {
		r.stats.Malformed++
		return r.events.Report(err)
	}
	if m.Opcode() != 0 || m.RCode() != 0 { // RFC 6762 §18.3, §18.11
		r.stats.Ignored++
		return nil
	}
	if !r.cfg.onLink(msg.Transport.Peer.Addr()) {
		r.stats.OffLink++
		return ErrOffLink
	}
	if m.Response() {
		if msg.Transport.Peer.Port() != Port { // RFC 6762 §6
			r.stats.OffLink++
			return ErrOffLink
		}
		r.checkConflicts(&m)
		return r.events.Report(nil)
	}
	if msg.Transport.Peer.Port() != Port {
		r.stats.Legacy++
		return nil
	}
	li := localIndex(r.locals, msg.Transport.Local)
	for i := range m.Questions {
		r.question(now, li, &m, &m.Questions[i])
	}
	return nil
}

func (r *Responder) question(now time.Time, li int, m *Message, q *Question) {
	if q.Class != ClassIN && q.Class != ClassANY {
		return
	}
	i := r.index(canonical(q.Name))
	if i < 0 || r.records[i].gone {
		return
	}
	p := &r.records[i]
	rec := AddressRecord(p.name, p.addr, r.cfg.ttl(), true)
	if q.Type != TypeANY && q.Type != rec.Type {
		return
	}
	if r.knownAnswer(m, &rec) {
		r.stats.Suppressed++
		return
	}
	r.stats.Questions++
	bit := uint8(1) << li
	if p.owed&bit != 0 {
		r.stats.RateLimited++
		return
	}
	due := now
	if !p.last[li].IsZero() && p.last[li].Add(time.Second).After(now) {
		due = p.last[li].Add(time.Second)
		r.stats.RateLimited++
	}
	p.owed |= bit
	p.due[li] = due
}

// knownAnswer reports whether the query's answer section holds rec with at
// least half its TTL (RFC 6762 §7.1).
func (r *Responder) knownAnswer(m *Message, rec *Record) bool {
	for i := range m.Answers {
		a := &m.Answers[i]
		if a.Type == rec.Type && a.Class == ClassIN && canonical(a.Name) == rec.Name &&
			bytes.Equal(a.Data, rec.Data) && a.TTL >= rec.TTL/2 {
			return true
		}
	}
	return false
}

func (r *Responder) checkConflicts(m *Message) {
	for _, sec := range [...][]Record{m.Answers, m.Additionals} {
		for i := range sec {
			a := &sec[i]
			addr, ok := a.Addr()
			if !ok || a.TTL == 0 {
				continue
			}
			j := r.index(canonical(a.Name))
			if j < 0 || r.records[j].gone || r.records[j].addr == addr.Unmap() {
				continue
			}
			r.stats.Conflicts++
			r.events.Push(Event{Kind: EventConflict, Name: r.records[j].name, Addr: addr.Unmap()})
		}
	}
}

// PollWrite returns the next response: a goodbye, or an answer or
// announcement that is due, each one A or AAAA record with the cache-flush
// bit (RFC 6762 §10.2, our names are unique), ID 0, QR and AA set and no
// question (RFC 6762 §6: "Multicast DNS responses MUST NOT contain any
// questions in the Question Section"), from a Local to its group. The
// bytes belong to the caller.
func (r *Responder) PollWrite() (shared.TaggedBytes, bool) {
	now := r.clock.Now()
	for i := range r.records {
		p := &r.records[i]
		if p.goodbye != 0 {
			li := lowestBit(p.goodbye)
			p.goodbye &^= 1 << li
			name, addr := p.name, p.addr
			if p.goodbye == 0 {
				r.records = slices.Delete(r.records, i, i+1)
			}
			r.stats.Goodbyes++
			return r.response(li, name, addr, 0), true
		}
		for li := range r.locals {
			bit := uint8(1) << li
			if !p.started || p.owed&bit == 0 || p.due[li].After(now) {
				continue
			}
			p.owed &^= bit
			p.last[li] = now
			if p.announce&bit != 0 {
				p.announce &^= bit
				p.owed |= bit
				p.due[li] = now.Add(time.Second)
			}
			r.stats.ResponsesSent++
			return r.response(li, p.name, p.addr, r.cfg.ttl()), true
		}
	}
	return shared.TaggedBytes{}, false
}

func (r *Responder) response(li int, name string, addr netip.Addr, ttl uint32) shared.TaggedBytes {
	m := Message{Flags: FlagResponse | FlagAuthoritative, Answers: []Record{AddressRecord(name, addr, ttl, true)}}
	b, _ := m.AppendTo(nil) // a "<uuid>.local" name always encodes
	local := r.locals[li]
	return shared.TaggedBytes{
		Now:       r.clock.Now(),
		Transport: shared.TransportContext{Local: local, Peer: group(local), Protocol: shared.UDP},
		Message:   b,
	}
}

// pending reports whether PollWrite has something to return now, and the
// earliest later due time.
func (r *Responder) pending() (bool, time.Time) {
	now := r.clock.Now()
	var d time.Time
	for i := range r.records {
		p := &r.records[i]
		if p.goodbye != 0 || !p.started {
			return true, d // a goodbye waits, or the time to announce
		}
		for li := range r.locals {
			if p.owed&(1<<li) == 0 {
				continue
			}
			if !p.due[li].After(now) {
				return true, d
			}
			d = shared.Earliest(d, p.due[li])
		}
	}
	return false, d
}

// HandleTimeout records the time: answers and announcements due by then
// come out of PollWrite. It never fails.
func (r *Responder) HandleTimeout(t time.Time) error {
	r.advance(t)
	return nil
}

// PollTimeout returns when the next rate-limited answer or announcement is
// due; the latest time seen while a response or an event waits, and after
// a Publish, until the next HandleTimeout gives the current time.
func (r *Responder) PollTimeout() (time.Time, bool) {
	out, d := r.pending()
	return r.clock.Timeout(d, out || r.events.Len() > 0)
}

// TimeoutReason returns "pending" while output waits, "answer" while an
// answer or announcement waits for its time, and "" when there is no
// deadline.
func (r *Responder) TimeoutReason() string {
	out, d := r.pending()
	switch {
	case out || r.events.Len() > 0:
		return "pending"
	case !d.IsZero():
		return "answer"
	}
	return ""
}

// Close sends a goodbye for every name (out of PollWrite) and stops
// answering; queued events are dropped. Closing twice is harmless.
func (r *Responder) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	for i := range r.records {
		if !r.records[i].gone {
			r.retire(&r.records[i])
		}
	}
	r.events.Clear()
	return nil
}

// draw returns a new name not in use here; a repeated draw (a broken
// Rand) is retried three times, then refused.
func (r *Responder) draw() (string, error) {
	for range 4 {
		name, err := newName(r.cfg.rand())
		if err != nil {
			return "", err
		}
		if r.index(name) < 0 {
			return name, nil
		}
	}
	return "", errors.New("mdns: Config.Rand keeps drawing names already in use")
}

func (r *Responder) index(key string) int {
	for i := range r.records {
		if r.records[i].name == key {
			return i
		}
	}
	return -1
}
