package datachannel

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"

	sctp "github.com/sansrtc/rtc/rtc-sctp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// State is the W3C RTCDataChannelState of a channel.
type State uint8

const (
	// StateConnecting: created, waiting for the association (in-band and
	// negotiated channels created before it is up).
	StateConnecting State = iota
	// StateOpen: messages may be sent and received.
	StateOpen
	// StateClosing: a close started; the streams are being reset
	// (RFC 8831 §6.7).
	StateClosing
	// StateClosed: both directions of the stream are reset; the id is free.
	StateClosed
)

// String returns the W3C name.
func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateOpen:
		return "open"
	case StateClosing:
		return "closing"
	case StateClosed:
		return "closed"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Options describe a channel to create, as in the W3C RTCDataChannelInit.
type Options struct {
	Label    string
	Protocol string
	// Unordered allows out-of-order delivery (W3C ordered = !Unordered).
	Unordered bool
	// MaxRetransmits, if set, makes the channel partially reliable by
	// retransmission count (RFC 8832 PARTIAL_RELIABLE_REXMIT).
	MaxRetransmits *uint16
	// MaxPacketLifeTime, if set, makes the channel partially reliable by
	// time in milliseconds (PARTIAL_RELIABLE_TIMED). At most one of the two.
	MaxPacketLifeTime *uint16
	// Negotiated channels are agreed out of band on stream ID: no DCEP
	// message is sent, and both sides must create the channel.
	Negotiated bool
	ID         uint16
	// Priority is the DCEP priority (RFC 8832 §5.1: 128 below normal,
	// 256 normal, 512 high, 1024 extra high). Zero means 256.
	Priority uint16
}

// Info describes a channel.
type Info struct {
	ID          uint16
	Label       string
	Protocol    string
	Type        ChannelType
	Reliability uint32 // retransmissions or milliseconds, per Type
	Priority    uint16
	Negotiated  bool
	State       State
}

// Ordered reports whether the channel delivers in order.
func (i *Info) Ordered() bool { return !i.Type.Unordered() }

// Message is one data channel message: HandleWrite sends one, PollRead
// returns the received ones. Binary selects the binary or string PPID.
type Message struct {
	Channel uint16
	Binary  bool
	Data    []byte
}

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventConnected: the SCTP association is up. No fields.
	EventConnected EventKind = iota + 1
	// EventOpen: a channel this side created is open. Sets Channel.
	EventOpen
	// EventDataChannel: the peer opened a channel in-band (the W3C
	// "datachannel" event); it is already open. Sets Channel.
	EventDataChannel
	// EventClosing: the peer started closing a channel. Sets Channel.
	EventClosing
	// EventClose: a channel is closed; its id may be reused. Sets Channel.
	EventClose
	// EventBufferedAmountLow: the channel's bufferedAmount fell to its
	// threshold. Sets Channel.
	EventBufferedAmountLow
	// EventError: a channel-level error (a malformed DCEP message, an
	// oversized partial message). Sets Channel and Err.
	EventError
	// EventClosed: the association ended; every channel is closed. Err
	// says why (nil after a graceful shutdown).
	EventClosed
)

// String returns the kind's name.
func (k EventKind) String() string {
	switch k {
	case EventConnected:
		return "Connected"
	case EventOpen:
		return "Open"
	case EventDataChannel:
		return "DataChannel"
	case EventClosing:
		return "Closing"
	case EventClose:
		return "Close"
	case EventBufferedAmountLow:
		return "BufferedAmountLow"
	case EventError:
		return "Error"
	case EventClosed:
		return "Closed"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is a notification from PollEvent.
type Event struct {
	Kind    EventKind
	Channel uint16
	Err     error
}

// CommandKind selects what HandleEvent does.
type CommandKind uint8

const (
	// CommandConnect starts the association (Connect).
	CommandConnect CommandKind = iota + 1
	// CommandCloseChannel closes Channel (CloseChannel).
	CommandCloseChannel
)

// Command is a control event for HandleEvent.
type Command struct {
	Kind    CommandKind
	Now     time.Time
	Channel uint16
}

// Stats counts what the Manager dropped.
type Stats struct {
	UnknownStream, UnknownPPID, BadDCEP uint64
	MessagesSent, MessagesReceived      uint64
	// EventsDropped counts events lost because the event queue
	// (Config.MaxEvents) was full.
	EventsDropped uint64
	// RefusedOpens counts the peer's DATA_CHANNEL_OPENs refused (stream
	// reset): wrong parity, MaxChannels, MaxOpenLabelBytes or
	// MaxLabelBytes reached.
	RefusedOpens uint64
	// DiscardedPartials counts deprecated partial pieces dropped because
	// their message exceeded the maximum message size.
	DiscardedPartials uint64
}

// The two sides whose channels are counted apart (Config.MaxChannels,
// Config.MaxLabelBytes).
const (
	local  = 0 // opened by this side (Open)
	remote = 1 // opened by the peer (DATA_CHANNEL_OPEN)
)

type channel struct {
	info     Info
	acked    bool // DCEP ACK (or any message) seen: unordered sends allowed
	openSent bool
	inReset  bool
	outReset bool
	partial  []byte // deprecated partial PPIDs being joined
	// discard: the partial message being received exceeded the maximum
	// message size; its pieces are dropped up to its final one.
	discard bool
	side    int // local or remote
	// userQueued: a user message was queued since the last
	// EventBufferedAmountLow.
	userQueued bool
}

// A Manager is a full sans-I/O machine of the shared contract.
var _ shared.Protocol[Message, Message, Command, Event] = (*Manager)(nil)

// Manager runs the data channels of one PeerConnection: it owns the SCTP
// association and speaks DCEP (RFC 8832) on it. It is a sans-I/O machine
// with the same eight verbs: HandleRead/PollWrite carry SCTP packets
// (DTLS application data), HandleWrite/PollRead carry channel messages.
type Manager struct {
	lim      limits
	assoc    *sctp.Association
	clock    shared.Clock
	channels map[uint16]*channel
	events   shared.EventQueue[Event]
	reads    shared.Queue[Message]
	up       bool
	ended    bool
	// readBytes is the size of the messages waiting in reads.
	readBytes int
	// partialBytes is the size of deprecated partial messages being joined.
	partialBytes int
	// count and labelBytes are the channels of each side and the label
	// and protocol bytes they keep.
	count      [2]int
	labelBytes [2]int
	stats      Stats
	buf        []byte // DCEP scratch
}

// limits is the Manager's part of its Config, with the defaults applied.
// The association keeps the SCTP part (issue 18: the Manager kept a second
// copy of the whole Config, 216 bytes, most of them sctp.Config's).
type limits struct {
	dtlsClient        bool
	maxChannels       int
	maxOpenLabelBytes int
	maxLabelBytes     int
	maxReadBuffer     int
	maxMessageSize    int // the largest message accepted from the peer
}

func (c *Config) limits() limits {
	return limits{
		dtlsClient:        c.DTLSClient,
		maxChannels:       c.maxChannels(),
		maxOpenLabelBytes: c.maxOpenLabelBytes(),
		maxLabelBytes:     c.maxLabelBytes(),
		maxReadBuffer:     c.maxReadBuffer(),
		maxMessageSize:    shared.OrDefault(c.SCTP.MaxMessageSize, sctp.DefaultMaxMessageSize),
	}
}

// New returns a Manager with a fresh association.
func New(cfg Config) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, err := sctp.New(cfg.SCTP)
	if err != nil {
		return nil, err
	}
	m := &Manager{
		lim:      cfg.limits(),
		assoc:    a,
		channels: make(map[uint16]*channel),
		events:   shared.NewEventQueue[Event](cfg.maxEvents()),
		reads:    shared.NewQueue[Message](cfg.maxReadBuffer() + 1),
	}
	m.events.SetName("datachannel events")
	return m, nil
}

// ReleaseIdle lets go of what the Manager and its association keep only
// for reuse: the storage of empty queues, the DCEP scratch, and the
// association's packet and message buffers (sctp.Association.ReleaseIdle).
// Nothing queued is touched. The owner calls it when the connection has
// been idle a while (rtc: shared.IdleAfter without a record); the next
// message allocates again.
func (m *Manager) ReleaseIdle() {
	m.events.Release()
	m.reads.Release()
	m.buf = nil
	m.assoc.ReleaseIdle()
}

// Association returns the SCTP association (for stats and tuning).
func (m *Manager) Association() *sctp.Association { return m.assoc }

// Stats returns the counters.
func (m *Manager) Stats() Stats {
	s := m.stats
	s.EventsDropped = m.events.Lost()
	return s
}

// Connect starts the SCTP association. Call it when DTLS is connected;
// both peers call it (RFC 8841 §10.2 lets either side send INIT).
func (m *Manager) Connect(now time.Time) error {
	m.clock.Advance(now)
	if m.ended {
		return ErrClosed
	}
	err := m.assoc.Connect(now)
	m.pump()
	return m.events.Report(err)
}

// admit checks that a channel of side with n bytes of label and protocol
// fits the limits of that side.
func (m *Manager) admit(side, n int) error {
	switch {
	case m.count[side] >= m.lim.maxChannels:
		return ErrTooManyChannels
	case n > m.lim.maxOpenLabelBytes:
		return ErrLabelTooLong
	case m.labelBytes[side]+n > m.lim.maxLabelBytes:
		return ErrLabelBudget
	}
	return nil
}

// add registers ch and counts it for its side.
func (m *Manager) add(ch *channel) {
	m.channels[ch.info.ID] = ch
	m.count[ch.side]++
	m.labelBytes[ch.side] += len(ch.info.Label) + len(ch.info.Protocol)
}

// push queues an event; when the queue is full it is dropped, counted,
// and reported by the Handle* call (events.Report).
func (m *Manager) push(e Event) { m.events.Push(e) }

// Open creates a channel and returns its stream id. An in-band channel
// gets the lowest free id of this side's parity; a negotiated one uses
// opts.ID. EventOpen follows once the channel is open.
func (m *Manager) Open(opts Options) (uint16, error) {
	if m.ended {
		return 0, ErrClosed
	}
	if (opts.MaxRetransmits != nil && opts.MaxPacketLifeTime != nil) || len(opts.Label) > 0xffff || len(opts.Protocol) > 0xffff {
		return 0, ErrBadOptions
	}
	if err := m.admit(local, len(opts.Label)+len(opts.Protocol)); err != nil {
		return 0, err
	}
	id := opts.ID
	if opts.Negotiated {
		if _, used := m.channels[id]; used {
			return 0, ErrStreamInUse
		}
	} else {
		var ok bool
		if id, ok = m.freeID(); !ok {
			return 0, ErrNoFreeStream
		}
	}
	info := Info{ID: id, Label: opts.Label, Protocol: opts.Protocol, Negotiated: opts.Negotiated, Priority: opts.Priority}
	if info.Priority == 0 {
		info.Priority = 256
	}
	switch {
	case opts.MaxRetransmits != nil:
		info.Type, info.Reliability = ChannelPartialReliableRexmit, uint32(*opts.MaxRetransmits)
	case opts.MaxPacketLifeTime != nil:
		info.Type, info.Reliability = ChannelPartialReliableTimed, uint32(*opts.MaxPacketLifeTime)
	}
	if opts.Unordered {
		info.Type |= channelUnorderedBit
	}
	ch := &channel{info: info, acked: opts.Negotiated, side: local}
	m.add(ch)
	m.assoc.SetStreamPriority(id, info.Priority)
	if m.up {
		m.start(ch)
	}
	return id, nil
}

// freeID returns the lowest free stream id of this side's parity
// (RFC 8832 §6: even for the DTLS client, odd for the server).
func (m *Manager) freeID() (uint16, bool) {
	limit := 65535
	if n := m.assoc.OutboundStreams(); n != 0 {
		limit = int(n)
	}
	id := 1
	if m.lim.dtlsClient {
		id = 0
	}
	for ; id < limit; id += 2 {
		if _, used := m.channels[uint16(id)]; !used {
			return uint16(id), true
		}
	}
	return 0, false
}

// start sends DATA_CHANNEL_OPEN for an in-band channel, or opens a
// negotiated one, once the association is up.
func (m *Manager) start(ch *channel) {
	if ch.info.State != StateConnecting {
		return
	}
	if !ch.info.Negotiated && !ch.openSent {
		open := openMessage{typ: ch.info.Type, priority: ch.info.Priority, reliability: ch.info.Reliability,
			label: []byte(ch.info.Label), protocol: []byte(ch.info.Protocol)}
		m.buf = open.appendTo(m.buf[:0])
		// RFC 8832 §6: DATA_CHANNEL_OPEN is sent reliably and ordered.
		if err := m.assoc.HandleWrite(sctp.Message{Stream: ch.info.ID, PPID: PPIDDCEP, Data: m.buf}); err != nil {
			m.push(Event{Kind: EventError, Channel: ch.info.ID, Err: err})
			return
		}
		ch.openSent = true
	}
	ch.info.State = StateOpen
	m.push(Event{Kind: EventOpen, Channel: ch.info.ID})
}

// Channel returns the description of channel id.
func (m *Manager) Channel(id uint16) (Info, bool) {
	ch := m.channels[id]
	if ch == nil {
		return Info{}, false
	}
	return ch.info, true
}

// BufferedAmount returns the bytes queued on the channel and not yet sent
// (W3C bufferedAmount).
func (m *Manager) BufferedAmount(id uint16) int { return m.assoc.BufferedAmount(id) }

// SetBufferedAmountLowThreshold sets the threshold for EventBufferedAmountLow.
func (m *Manager) SetBufferedAmountLowThreshold(id uint16, n int) {
	m.assoc.SetBufferedAmountLowThreshold(id, n)
}

// HandleWrite sends one message on an open channel. Data is copied. An
// empty message is sent as one zero byte with the Empty PPID (RFC 8831 §6.6).
func (m *Manager) HandleWrite(msg Message) error {
	if m.ended {
		return ErrClosed
	}
	ch := m.channels[msg.Channel]
	if ch == nil {
		return ErrUnknownChannel
	}
	if ch.info.State != StateOpen {
		return ErrNotOpen
	}
	sm := sctp.Message{Stream: msg.Channel, Data: msg.Data}
	switch {
	case msg.Binary && len(msg.Data) == 0:
		sm.PPID, sm.Data = PPIDBinaryEmpty, zeroByte[:]
	case msg.Binary:
		sm.PPID = PPIDBinary
	case len(msg.Data) == 0:
		sm.PPID, sm.Data = PPIDStringEmpty, zeroByte[:]
	default:
		sm.PPID = PPIDString
	}
	// RFC 8832 §6: until the peer's first message (the ACK) arrives,
	// the opener sends ordered so the OPEN is delivered first.
	sm.Unordered = ch.info.Type.Unordered() && ch.acked
	switch ch.info.Type & channelPolicyMask {
	case channelPolicyRexmit:
		sm.Policy, sm.PolicyValue = sctp.PRRetransmits, ch.info.Reliability
	case channelPolicyTimed:
		sm.Policy, sm.PolicyValue = sctp.PRLifetime, ch.info.Reliability
	}
	if err := m.assoc.HandleWrite(sm); err != nil {
		return m.events.Report(err)
	}
	ch.userQueued = true
	m.stats.MessagesSent++
	return m.events.Report(nil)
}

var zeroByte = [1]byte{0}

// Send is HandleWrite for one channel.
func (m *Manager) Send(id uint16, data []byte, binary bool) error {
	return m.HandleWrite(Message{Channel: id, Binary: binary, Data: data})
}

// CloseChannel starts closing a channel: queued messages are sent, then
// the outgoing stream is reset; the peer resets its side and EventClose
// follows on both ends (RFC 8831 §6.7).
func (m *Manager) CloseChannel(id uint16) error {
	ch := m.channels[id]
	if ch == nil {
		return ErrUnknownChannel
	}
	switch ch.info.State {
	case StateClosing, StateClosed:
		return nil
	case StateConnecting:
		if !m.up {
			m.closeChannel(ch)
			return nil
		}
	}
	ch.info.State = StateClosing
	return m.resetOutgoing(ch)
}

func (m *Manager) resetOutgoing(ch *channel) error {
	if ch.outReset {
		m.maybeClosed(ch)
		return nil
	}
	if err := m.assoc.ResetStreams(ch.info.ID); err != nil {
		if errors.Is(err, sctp.ErrReconfigUnsupported) {
			// Without RE-CONFIG the stream cannot be reset; close locally.
			m.closeChannel(ch)
			return nil
		}
		return err
	}
	return nil
}

func (m *Manager) maybeClosed(ch *channel) {
	if ch.inReset && ch.outReset {
		m.closeChannel(ch)
	}
}

func (m *Manager) closeChannel(ch *channel) {
	if ch.info.State == StateClosed {
		return
	}
	ch.info.State = StateClosed
	m.partialBytes -= len(ch.partial)
	ch.partial = nil
	delete(m.channels, ch.info.ID)
	m.count[ch.side]--
	m.labelBytes[ch.side] -= len(ch.info.Label) + len(ch.info.Protocol)
	m.push(Event{Kind: EventClose, Channel: ch.info.ID})
}

// HandleEvent runs a Command. After Close it fails with ErrClosed.
func (m *Manager) HandleEvent(c Command) error {
	if m.ended {
		return ErrClosed
	}
	switch c.Kind {
	case CommandConnect:
		return m.Connect(c.Now)
	case CommandCloseChannel:
		return m.events.Report(m.CloseChannel(c.Channel))
	}
	return errBadValue
}

// HandleRead feeds one SCTP packet (DTLS application data). The packet is
// borrowed for the duration of the call.
func (m *Manager) HandleRead(pkt shared.TaggedBytes) error {
	m.clock.Advance(pkt.Now)
	err := m.assoc.HandleRead(pkt)
	m.pump()
	return m.events.Report(err)
}

// HandleTimeout runs the association's timers.
func (m *Manager) HandleTimeout(now time.Time) error {
	m.clock.Advance(now)
	err := m.assoc.HandleTimeout(now)
	m.pump()
	return m.events.Report(err)
}

// PollWrite returns the next SCTP packet for the DTLS layer; the bytes
// belong to the caller.
func (m *Manager) PollWrite() (shared.TaggedBytes, bool) { return m.assoc.PollWrite() }

// AppendPacket appends the next SCTP packet to dst and reports whether
// there was one: PollWrite without the allocation (give it MTU bytes of
// spare capacity; see sctp.Association.AppendPacket).
func (m *Manager) AppendPacket(dst []byte) ([]byte, bool) { return m.assoc.AppendPacket(dst) }

// PollTimeout returns the association's next deadline, or the latest time
// seen while output is pending (an event, or a packet the association
// owes, such as the window update after PollRead freed receive buffer):
// the drain rule of the shared contract. Messages held back by
// MaxReadBuffer are not pending output.
func (m *Manager) PollTimeout() (time.Time, bool) {
	d, ok := m.assoc.PollTimeout()
	if !ok {
		d = time.Time{}
	}
	return m.clock.Timeout(d, m.events.Len() > 0)
}

// TimeoutReason names why PollTimeout reports its deadline: "pending"
// when output waits to be polled, otherwise the association's reason
// prefixed with "sctp/" ("sctp/rtx", "sctp/sack", ...), or "" when there
// is none.
func (m *Manager) TimeoutReason() string {
	if m.events.Len() > 0 {
		return "pending"
	}
	switch r := m.assoc.TimeoutReason(); r {
	case "", "pending":
		return r
	default:
		return "sctp/" + r
	}
}

// PollEvent returns the next event.
func (m *Manager) PollEvent() (Event, bool) {
	m.pump()
	return m.events.Pop()
}

// PollRead returns the next received message; Data belongs to the caller.
func (m *Manager) PollRead() (Message, bool) {
	m.pump()
	msg, ok := m.reads.Pop()
	if ok {
		m.readBytes -= len(msg.Data)
		m.pump()
	}
	return msg, ok
}

// Close shuts the association down gracefully (SHUTDOWN); every channel
// closes with it: EventClose for each and EventClosed are queued at once,
// and nothing more is read or notified. The SHUTDOWN exchange goes on
// through HandleRead, HandleTimeout and PollWrite. Closing twice is
// harmless.
func (m *Manager) Close() error {
	err := m.assoc.Close()
	m.pump()
	return m.events.Report(err)
}

// pump moves the association's events and messages through DCEP.
func (m *Manager) pump() {
	// pump runs after every call and every Poll*, mostly with nothing to
	// move: two empty polls cost 10% of a small message's CPU (issue 18).
	if !m.assoc.Pending() {
		return
	}
	for {
		e, ok := m.assoc.PollEvent()
		if !ok {
			break
		}
		m.handleAssocEvent(e)
	}
	// Messages stay in the association (whose window then closes) while
	// MaxReadBuffer bytes wait for PollRead: a reader that falls behind
	// slows the peer down instead of growing memory.
	for m.reads.Len() < m.reads.Cap() && m.readBytes < m.lim.maxReadBuffer {
		msg, ok := m.assoc.PollRead()
		if !ok {
			break
		}
		m.handleMessage(msg)
	}
}

func (m *Manager) handleAssocEvent(e sctp.Event) {
	switch e.Kind {
	case sctp.EventConnected:
		m.up = true
		m.push(Event{Kind: EventConnected})
		for _, ch := range m.sortedChannels() {
			m.start(ch)
		}
	case sctp.EventIncomingStreamsReset:
		for _, id := range e.Streams {
			ch := m.channels[id]
			if ch == nil {
				continue
			}
			ch.inReset = true
			m.partialBytes -= len(ch.partial)
			ch.partial, ch.discard = nil, false
			if ch.info.State == StateOpen || ch.info.State == StateConnecting {
				// RFC 8831 §6.7: the peer closed; reset our side too.
				ch.info.State = StateClosing
				m.push(Event{Kind: EventClosing, Channel: id})
				m.resetOutgoing(ch)
			}
			m.maybeClosed(ch)
		}
	case sctp.EventOutgoingStreamsReset:
		for _, id := range e.Streams {
			if ch := m.channels[id]; ch != nil {
				ch.outReset = true
				m.maybeClosed(ch)
			}
		}
	case sctp.EventStreamResetFailed:
		for _, id := range e.Streams {
			m.push(Event{Kind: EventError, Channel: id, Err: e.Err})
		}
	case sctp.EventBufferedAmountLow:
		// Only user messages count: DCEP messages are not part of the
		// W3C bufferedAmount.
		if ch := m.channels[e.Stream]; ch != nil && ch.userQueued {
			ch.userQueued = false
			m.push(Event{Kind: EventBufferedAmountLow, Channel: e.Stream})
		}
	case sctp.EventRestarted:
		// RFC 9260 §5.2.4 A: the peer lost its state; every channel is gone.
		for _, ch := range m.sortedChannels() {
			m.closeChannel(ch)
		}
	case sctp.EventClosed:
		m.ended = true
		for _, ch := range m.sortedChannels() {
			m.closeChannel(ch)
		}
		m.push(Event{Kind: EventClosed, Err: e.Err})
	}
}

// sortedChannels returns the channels in id order, so events come out in
// a deterministic order.
func (m *Manager) sortedChannels() []*channel {
	out := slices.Collect(maps.Values(m.channels))
	slices.SortFunc(out, func(x, y *channel) int { return cmp.Compare(x.info.ID, y.info.ID) })
	return out
}

func (m *Manager) handleMessage(msg sctp.Message) {
	if msg.PPID == PPIDDCEP {
		m.handleDCEP(msg)
		return
	}
	ch := m.channels[msg.Stream]
	if ch == nil || ch.info.State == StateClosed {
		m.stats.UnknownStream++
		return
	}
	ch.acked = true
	out := Message{Channel: msg.Stream, Data: msg.Data}
	switch msg.PPID {
	case PPIDString:
	case PPIDBinary:
		out.Binary = true
	case PPIDStringEmpty:
		out.Data = []byte{}
	case PPIDBinaryEmpty:
		out.Binary, out.Data = true, []byte{}
	case PPIDStringPartial, PPIDBinaryPartial:
		// Deprecated (RFC 8831 §8): join until the final, non-partial PPID.
		if ch.discard {
			m.stats.DiscardedPartials++
			return
		}
		// The joined bytes left the association's window: bound them
		// per message and, over all channels, by MaxReadBuffer.
		if len(ch.partial)+len(msg.Data) > m.lim.maxMessageSize || m.partialBytes+len(msg.Data) > m.lim.maxReadBuffer {
			m.dropPartial(ch)
			ch.discard = true
			return
		}
		ch.partial = append(ch.partial, msg.Data...)
		m.partialBytes += len(msg.Data)
		return
	default:
		m.stats.UnknownPPID++
		return
	}
	if ch.discard {
		// The final piece of a message already reported too large.
		ch.discard = false
		m.stats.DiscardedPartials++
		return
	}
	if ch.partial != nil {
		if len(ch.partial)+len(out.Data) > m.lim.maxMessageSize {
			m.dropPartial(ch)
			return
		}
		out.Data = append(ch.partial, out.Data...)
		m.partialBytes -= len(ch.partial)
		ch.partial = nil
	}
	m.readBytes += len(out.Data)
	if err := m.reads.Push(out); err != nil {
		m.readBytes -= len(out.Data)
		m.stats.UnknownStream++
		return
	}
	m.stats.MessagesReceived++
}

// dropPartial drops the partial message of ch that grew too large and
// reports it (RFC 8831 §6.6: the message cannot be delivered).
func (m *Manager) dropPartial(ch *channel) {
	m.partialBytes -= len(ch.partial)
	ch.partial = nil
	m.stats.DiscardedPartials++
	m.push(Event{Kind: EventError, Channel: ch.info.ID, Err: sctp.ErrMessageTooLarge})
}

func (m *Manager) handleDCEP(msg sctp.Message) {
	if len(msg.Data) == 0 {
		m.stats.BadDCEP++
		return
	}
	switch msg.Data[0] {
	case dcepAck:
		if ch := m.channels[msg.Stream]; ch != nil {
			ch.acked = true
		}
	case dcepOpen:
		var open openMessage // on the stack: handleOpen copies what it keeps
		if err := parseOpen(msg.Data, &open); err != nil {
			m.stats.BadDCEP++
			return
		}
		m.handleOpen(msg.Stream, &open)
	default:
		m.stats.BadDCEP++
	}
}

// refuse rejects the peer's channel on stream id by resetting the stream
// (RFC 8831 §6.7), which closes it on the peer's side.
func (m *Manager) refuse(id uint16) {
	m.stats.RefusedOpens++
	if err := m.assoc.ResetStreams(id); err != nil {
		m.push(Event{Kind: EventError, Channel: id, Err: err})
	}
}

// handleOpen creates the channel the peer opened and answers with
// DATA_CHANNEL_ACK (RFC 8832 §6).
func (m *Manager) handleOpen(id uint16, o *openMessage) {
	if _, used := m.channels[id]; used {
		m.stats.BadDCEP++
		return
	}
	if (id%2 == 0) == m.lim.dtlsClient {
		// RFC 8832 §6: the peer must use its own parity.
		m.stats.BadDCEP++
		m.refuse(id)
		return
	}
	if m.admit(remote, len(o.label)+len(o.protocol)) != nil {
		// Over the peer's channel count or label bytes: refuse the
		// channel before keeping any of its bytes.
		m.refuse(id)
		return
	}
	ch := &channel{info: Info{
		ID: id, Label: string(o.label), Protocol: string(o.protocol), Type: o.typ,
		Reliability: o.reliability, Priority: o.priority, State: StateOpen,
	}, acked: true, side: remote}
	if err := m.assoc.HandleWrite(sctp.Message{Stream: id, PPID: PPIDDCEP, Data: []byte{dcepAck}}); err != nil {
		m.stats.BadDCEP++
		return
	}
	m.add(ch)
	m.assoc.SetStreamPriority(id, o.priority)
	m.push(Event{Kind: EventDataChannel, Channel: id})
}
