package pacer

import (
	"errors"
	"fmt"
	"math"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Class is a packet's priority class. Lower classes go first.
type Class uint8

// The classes, highest priority first.
const (
	// ClassAudio: audio is small, steady and the first to hurt when late.
	ClassAudio Class = iota
	// ClassRetransmission: a NACK answer (RTX); the receiver is waiting
	// for it.
	ClassRetransmission
	// ClassVideo: everything else.
	ClassVideo
	numClasses
)

// String names the class.
func (c Class) String() string {
	switch c {
	case ClassAudio:
		return "audio"
	case ClassRetransmission:
		return "retransmission"
	case ClassVideo:
		return "video"
	}
	return "Class(?)"
}

// ErrQueueFull reports that Push found the queue at its packet or byte
// limit: the packet was not taken. The caller drops it (a video encoder
// then asks for a keyframe, or simply skips the frame); nothing is lost
// silently.
var ErrQueueFull = errors.New("pacer: queue full")

// Config configures a Pacer. Each zero field takes the documented default;
// a non-zero value must be in the field's range (the rtc-shared config
// rule): New cannot fail, so a caller that takes a Config from its user
// calls Validate first; New treats a value Validate refuses as zero.
type Config struct {
	// PacingFactor multiplies the target rate to give the pacing rate, so
	// that frames bigger than average leave quickly. If zero, 2.5. It must
	// be at least 1: a pacer slower than the target rate queues without end.
	PacingFactor float64
	// MaxPackets bounds the packets queued over all classes. If zero,
	// 2048. The queue's memory is allocated at New: MaxPackets entries of
	// T plus 24 bytes each.
	MaxPackets int
	// MaxBytes bounds the bytes queued over all classes. If zero, 2 MB.
	MaxBytes int
	// MaxBurst is the longest the pacer lets unused budget accumulate
	// while idle, so a packet after a pause leaves at once but a queue
	// never leaves in one burst. If zero, 5 ms.
	MaxBurst time.Duration
	// PaddingSize is the size of a padding packet the pacer asks for. If
	// zero, 1200 bytes.
	PaddingSize int
}

// Validate applies the config rule of rtc-shared: zero means the default,
// and every other value must be within the field's documented range (NaN
// is refused too). The error names every field out of range and wraps
// shared.ErrInvalidConfig.
func (c *Config) Validate() error {
	const l = "pacer"
	return errors.Join(
		shared.CheckMin(l, "PacingFactor", c.PacingFactor, 1),
		shared.CheckMin(l, "MaxPackets", c.MaxPackets, 1),
		shared.CheckMin(l, "MaxBytes", c.MaxBytes, 1),
		shared.CheckMin(l, "MaxBurst", c.MaxBurst, 1),
		shared.CheckMin(l, "PaddingSize", c.PaddingSize, 1),
	)
}

func (c *Config) factor() float64 {
	if !(c.PacingFactor >= 1) { // zero, refused values and NaN
		return 2.5
	}
	return c.PacingFactor
}

func (c *Config) maxPackets() int {
	if c.MaxPackets <= 0 {
		return 2048
	}
	return c.MaxPackets
}

func (c *Config) maxBytes() int {
	if c.MaxBytes <= 0 {
		return 2 << 20
	}
	return c.MaxBytes
}

func (c *Config) maxBurst() time.Duration {
	if c.MaxBurst <= 0 {
		return 5 * time.Millisecond
	}
	return c.MaxBurst
}

func (c *Config) paddingSize() int {
	if c.PaddingSize <= 0 {
		return 1200
	}
	return c.PaddingSize
}

// Probe is a probe cluster to send (gcc.Probe has the same fields): at
// least MinPackets packets and MinBytes bytes at Bitrate, each marked with
// ID.
type Probe struct {
	ID         int
	Bitrate    int
	MinPackets int
	MinBytes   int
}

// Item is what Poll releases: a queued packet, or a request for padding of
// Size bytes (Padding true, Value zero) that the caller builds (RTX padding
// or a padding-only packet, RFC 3550 §5.1). ProbeCluster is the probe
// cluster id to report with the packet (SentPacket.ProbeCluster), zero
// outside probes.
type Item[T any] struct {
	Value        T
	Size         int
	Class        Class
	Padding      bool
	ProbeCluster int
	Enqueued     time.Time
}

// Stats are a Pacer's counters.
type Stats struct {
	Queued        int    // packets waiting
	QueuedBytes   int    // bytes waiting
	Sent          uint64 // packets released
	SentBytes     uint64
	Padding       uint64 // padding packets requested
	PaddingBytes  uint64
	ProbePackets  uint64 // packets (media or padding) sent in probe clusters
	Probes        uint64 // probe clusters finished
	ProbesDropped uint64 // probe clusters refused (too many waiting)
	Refused       uint64 // packets refused by Push (queue full)
}

type entry[T any] struct {
	v    T
	size int
	at   time.Time
}

// ring is a fixed-capacity FIFO.
type ring[T any] struct {
	buf        []entry[T]
	head, size int
}

func (r *ring[T]) push(e entry[T]) {
	r.buf[(r.head+r.size)%len(r.buf)] = e
	r.size++
}

func (r *ring[T]) pop() entry[T] {
	e := r.buf[r.head]
	r.buf[r.head] = entry[T]{}
	r.head = (r.head + 1) % len(r.buf)
	r.size--
	return e
}

func (r *ring[T]) front() *entry[T] { return &r.buf[r.head] }

const maxProbes = 4

// epsilon absorbs floating-point rounding in the budget, so that a packet
// due at the deadline PollTimeout gave is released then.
const epsilon = 1e-6

// Pacer is a leaky bucket (sans-I/O): packets pushed into it come out of
// Poll no faster than the pacing rate (target × PacingFactor), audio first,
// then retransmissions, then video, each class in order. Probe clusters go
// out at their own rate, with padding when nothing is queued, and padding
// fills up to the padding rate. It is not safe for concurrent use and
// allocates nothing after New.
type Pacer[T any] struct {
	cfg      Config
	queues   [numClasses]ring[T]
	total    int
	bytes    int
	rate     float64 // pacing rate, bits/s
	padRate  float64
	debt     float64 // bytes sent beyond the budget; <0: credit
	padDebt  float64
	last     time.Time
	probes   [maxProbes]Probe
	nprobes  int
	probeAt  time.Time // when the current probe's next packet may go
	pSent    int       // packets and bytes sent in the current probe
	pBytes   int
	pStarted bool
	stats    Stats
}

// New returns a pacer with cfg's limits, paced at rate bits per second.
func New[T any](cfg Config, rate int) *Pacer[T] {
	p := &Pacer[T]{cfg: cfg}
	n := cfg.maxPackets()
	for i := range p.queues {
		// Each class may hold the whole limit; the total is checked
		// (memory: 3 × MaxPackets entries).
		p.queues[i].buf = make([]entry[T], n)
	}
	p.SetRate(rate)
	return p
}

// SetRate sets the target bitrate; the pacing rate is target × factor.
func (p *Pacer[T]) SetRate(bps int) {
	p.rate = max(float64(bps), 1000) * p.cfg.factor()
}

// SetPaddingRate sets the rate up to which the pacer asks for padding when
// nothing is queued (for example to keep a probe-free estimate up while an
// encoder idles); zero, the default, turns padding off.
func (p *Pacer[T]) SetPaddingRate(bps int) { p.padRate = max(float64(bps), 0) }

// Push queues v, of size bytes, in class c at now. It returns ErrQueueFull,
// leaving v to the caller, when the queue holds MaxPackets or the bytes
// would exceed MaxBytes.
func (p *Pacer[T]) Push(now time.Time, v T, size int, c Class) error {
	if c >= numClasses {
		return fmt.Errorf("pacer: Push: unknown class %d", c)
	}
	if size <= 0 {
		return fmt.Errorf("pacer: Push: size %d", size)
	}
	p.refill(now)
	if p.total >= p.cfg.maxPackets() || p.bytes+size > p.cfg.maxBytes() {
		p.stats.Refused++
		return ErrQueueFull
	}
	p.queues[c].push(entry[T]{v: v, size: size, at: now})
	p.total++
	p.bytes += size
	return nil
}

// Probe adds a probe cluster at now, sent after the ones already waiting.
// It returns false (counted) when maxProbes wait already or the probe is
// empty.
func (p *Pacer[T]) Probe(now time.Time, pr Probe) bool {
	p.refill(now)
	if p.nprobes == maxProbes || pr.Bitrate <= 0 || pr.ID == 0 {
		p.stats.ProbesDropped++
		return false
	}
	p.probes[p.nprobes] = pr
	p.nprobes++
	return true
}

// refill lets the budget grow with time up to MaxBurst of credit.
func (p *Pacer[T]) refill(now time.Time) {
	if p.last.IsZero() {
		p.last = now
	}
	if !now.After(p.last) {
		return
	}
	dt := now.Sub(p.last).Seconds()
	p.last = now
	burst := p.rate * p.cfg.maxBurst().Seconds() / 8
	p.debt = max(p.debt-p.rate*dt/8, -burst)
	p.padDebt = max(p.padDebt-p.padRate*dt/8, -p.padRate*p.cfg.maxBurst().Seconds()/8)
}

// Poll returns the next packet that may leave at now, or false when none
// may (then PollTimeout says when).
func (p *Pacer[T]) Poll(now time.Time) (Item[T], bool) {
	p.refill(now)
	if p.nprobes > 0 {
		return p.pollProbe(now)
	}
	if p.total > 0 {
		if p.debt > epsilon {
			return Item[T]{}, false
		}
		it := p.take(now)
		p.debt += float64(it.Size)
		return it, true
	}
	if p.padRate > 0 && p.padDebt <= epsilon && p.debt <= epsilon {
		size := p.cfg.paddingSize()
		p.padDebt += float64(size)
		p.debt += float64(size)
		p.stats.Padding++
		p.stats.PaddingBytes += uint64(size)
		return Item[T]{Size: size, Class: ClassVideo, Padding: true}, true
	}
	return Item[T]{}, false
}

// take pops the first packet of the highest-priority class.
func (p *Pacer[T]) take(now time.Time) Item[T] {
	for c := range p.queues {
		q := &p.queues[c]
		if q.size == 0 {
			continue
		}
		e := q.pop()
		p.total--
		p.bytes -= e.size
		p.stats.Sent++
		p.stats.SentBytes += uint64(e.size)
		return Item[T]{Value: e.v, Size: e.size, Class: Class(c), Enqueued: e.at}
	}
	return Item[T]{}
}

// pollProbe sends the current probe cluster at its own rate, media first
// and padding when nothing is queued; the media budget is charged too, so
// the probe does not make media late afterwards.
func (p *Pacer[T]) pollProbe(now time.Time) (Item[T], bool) {
	pr := &p.probes[0]
	if !p.pStarted {
		p.pStarted, p.probeAt, p.pSent, p.pBytes = true, now, 0, 0
	}
	if now.Before(p.probeAt) {
		return Item[T]{}, false
	}
	var it Item[T]
	if p.total > 0 {
		it = p.take(now)
	} else {
		// Padding as small as the cluster allows (at least 200 bytes), so
		// that a probe at a low rate does not fill a narrow queue.
		size := p.cfg.paddingSize()
		if pr.MinPackets > 0 {
			size = min(max(pr.MinBytes/pr.MinPackets, 200), size)
		}
		it = Item[T]{Size: size, Class: ClassVideo, Padding: true}
		p.stats.Padding++
		p.stats.PaddingBytes += uint64(it.Size)
	}
	it.ProbeCluster = pr.ID
	p.stats.ProbePackets++
	p.pSent++
	p.pBytes += it.Size
	p.debt = max(p.debt, 0)
	// Never slower than the target: a probe must not hold media back.
	rate := max(float64(pr.Bitrate), p.rate/p.cfg.factor())
	p.probeAt = p.probeAt.Add(time.Duration(float64(it.Size) * 8 / rate * float64(time.Second)))
	if p.pSent >= pr.MinPackets && p.pBytes >= pr.MinBytes {
		p.stats.Probes++
		copy(p.probes[:], p.probes[1:p.nprobes])
		p.nprobes--
		p.probes[p.nprobes] = Probe{}
		p.pStarted = false
	}
	return it, true
}

// PollTimeout returns when Poll may next release something, or false when
// nothing is waiting (or no time has been seen yet: Push, Probe and Poll
// bring the time).
func (p *Pacer[T]) PollTimeout() (time.Time, bool) {
	if p.last.IsZero() {
		return time.Time{}, false
	}
	if p.nprobes > 0 {
		if !p.pStarted {
			return p.last, true
		}
		return p.probeAt, true
	}
	if p.total == 0 && p.padRate <= 0 {
		return time.Time{}, false
	}
	wait := max(p.debt, 0) * 8 / p.rate
	if p.total == 0 {
		wait = max(wait, max(p.padDebt, 0)*8/p.padRate)
	}
	return p.last.Add(time.Duration(math.Ceil(wait * float64(time.Second)))), true
}

// TimeoutReason names why PollTimeout's deadline exists: "probe", "pace",
// "padding", or "" when there is none.
func (p *Pacer[T]) TimeoutReason() string {
	switch {
	case p.nprobes > 0:
		return "probe"
	case p.total > 0:
		return "pace"
	case p.padRate > 0:
		return "padding"
	}
	return ""
}

// QueueDelay returns how long the oldest queued packet has waited.
func (p *Pacer[T]) QueueDelay(now time.Time) time.Duration {
	var oldest time.Time
	for c := range p.queues {
		if q := &p.queues[c]; q.size > 0 {
			if at := q.front().at; oldest.IsZero() || at.Before(oldest) {
				oldest = at
			}
		}
	}
	if oldest.IsZero() || now.Before(oldest) {
		return 0
	}
	return now.Sub(oldest)
}

// Stats returns the counters.
func (p *Pacer[T]) Stats() Stats {
	s := p.stats
	s.Queued, s.QueuedBytes = p.total, p.bytes
	return s
}
