package datachannel

import (
	"encoding/binary"
	"hash/crc32"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// hostilePeer writes SCTP packets as the (dropped) peer of a Manager
// would: right ports, verification tag and checksum, I-DATA chunks on the
// next TSNs, carrying random DCEP and data channel traffic.
type hostilePeer struct {
	tag  uint32 // the Manager's verification tag
	tsn  uint32 // the peer's next TSN
	mid  uint32
	open uint16 // a channel both sides know
	seen bool   // tsn was learned
}

// learn records the tag and the next TSN from a packet the peer sent.
func (h *hostilePeer) learn(b []byte) {
	if len(b) < 12 {
		return
	}
	h.tag = binary.BigEndian.Uint32(b[4:])
	for off := 12; off+8 <= len(b); {
		typ, n := b[off], int(binary.BigEndian.Uint16(b[off+2:]))
		if n < 4 {
			return
		}
		if (typ == 0 || typ == 64) && off+8 <= len(b) {
			if tsn := binary.BigEndian.Uint32(b[off+4:]); !h.seen || tsn-h.tsn < 1<<31 {
				h.tsn, h.seen = tsn+1, true
			}
		}
		off += (n + 3) &^ 3
	}
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// packet wraps chunks in a common header with a CRC32c.
func (h *hostilePeer) packet(chunks []byte) []byte {
	b := make([]byte, 12, 12+len(chunks))
	binary.BigEndian.PutUint16(b[0:], 5000)
	binary.BigEndian.PutUint16(b[2:], 5000)
	binary.BigEndian.PutUint32(b[4:], h.tag)
	b = append(b, chunks...)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b, castagnoli))
	return b
}

// idata returns an I-DATA chunk (RFC 8260 §2.1) on the next TSN with one
// whole unordered message (delivered at once, whatever its MID).
func (h *hostilePeer) idata(stream uint16, ppid uint32, data []byte) []byte {
	tsn := h.tsn
	h.tsn++
	return h.idataWith(0x07, tsn, stream, ppid, data)
}

// idataWith returns an I-DATA chunk with the given flags and TSN.
func (h *hostilePeer) idataWith(flags byte, tsn uint32, stream uint16, ppid uint32, data []byte) []byte {
	h.mid++
	b := []byte{64, flags, 0, 0}
	b = binary.BigEndian.AppendUint32(b, tsn)
	b = binary.BigEndian.AppendUint16(b, stream)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint32(b, h.mid)
	b = binary.BigEndian.AppendUint32(b, ppid)
	b = append(b, data...)
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// message returns hostile DCEP or data channel traffic.
func (h *hostilePeer) message(r *contracttest.Rand) (stream uint16, ppid uint32, data []byte) {
	stream = h.open
	if r.IntN(2) == 0 {
		stream = uint16(r.IntN(16))
	}
	switch r.IntN(8) {
	case 0: // DATA_CHANNEL_OPEN with a random label, protocol and type
		o := openMessage{typ: ChannelType(r.IntN(4)) | ChannelType(r.IntN(2))<<7, priority: uint16(r.IntN(1024)),
			label: make([]byte, r.IntN(300)), protocol: make([]byte, r.IntN(40))}
		data = o.appendTo(nil)
		if r.IntN(4) == 0 {
			data = data[:r.IntN(len(data)+1)] // truncated
		}
		return stream, PPIDDCEP, data
	case 1: // DATA_CHANNEL_ACK, or garbage DCEP
		if r.IntN(2) == 0 {
			return stream, PPIDDCEP, []byte{dcepAck}
		}
		data = make([]byte, r.IntN(20))
		for i := range data {
			data[i] = byte(r.IntN(256))
		}
		return stream, PPIDDCEP, data
	case 2: // deprecated partial PPIDs
		return stream, []uint32{PPIDStringPartial, PPIDBinaryPartial}[r.IntN(2)], make([]byte, r.IntN(2000))
	default:
		ppids := []uint32{PPIDString, PPIDBinary, PPIDStringEmpty, PPIDBinaryEmpty, 0, 99}
		return stream, ppids[r.IntN(len(ppids))], make([]byte, 1+r.IntN(1500))
	}
}

func (h *hostilePeer) read(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
	var chunks []byte
	for range 1 + r.IntN(3) {
		st, ppid, data := h.message(r)
		switch r.IntN(16) {
		case 0: // random flags: fragments, ordered
			chunks = append(chunks, h.idataWith(byte(r.IntN(16)), h.tsn, st, ppid, data)...)
			h.tsn++
		case 1: // a random TSN: out of window, duplicate, half-way
			chunks = append(chunks, h.idataWith(0x07, r.Uint32(), st, ppid, data)...)
		default:
			chunks = append(chunks, h.idata(st, ppid, data)...)
		}
	}
	b := h.packet(chunks)
	if r.IntN(16) == 0 {
		b[12+r.IntN(len(b)-12)] ^= byte(1 + r.IntN(255)) // the checksum catches it
	}
	return shared.TaggedBytes{Now: now, Message: b}
}

// connectedManager returns a Manager connected to a peer that opened one
// channel, and the hostile stand-in for that peer (which is dropped).
func connectedManager(t *testing.T, cfg Config) (*Manager, time.Time, *hostilePeer) {
	d := newDuoCfg(t, func(side int, c *Config) {
		if side == 1 {
			rand := c.SCTP.Rand
			*c = cfg
			c.SCTP.Rand = rand
		}
	})
	h := &hostilePeer{}
	d.tap = func(from int, b []byte) {
		if from == 0 {
			h.learn(b)
		}
	}
	d.connect()
	id, err := d.m[0].Open(Options{Label: "known"})
	if err != nil {
		t.Fatal(err)
	}
	d.run(func() bool { return d.has(1, EventDataChannel, id) && d.has(0, EventOpen, id) })
	h.open = id
	return d.m[1], d.now, h
}

// Issue 12: the Manager keeps the shared contract, fed hostile DCEP and
// data channel traffic by its peer.
func TestContract(t *testing.T) {
	var peer *hostilePeer
	contracttest.Run(t, contracttest.Subject[Message, Message, Command, Event]{
		New: func(t *testing.T) (shared.Protocol[Message, Message, Command, Event], time.Time) {
			m, now, h := connectedManager(t, Config{MaxEvents: 8})
			peer = h
			return m, now
		},
		RandomRead: func(r *contracttest.Rand, now time.Time) shared.TaggedBytes { return peer.read(r, now) },
		RandomWrite: func(r *contracttest.Rand) Message {
			return Message{Channel: uint16(r.IntN(4)), Binary: r.IntN(2) == 0, Data: make([]byte, r.IntN(2000))}
		},
		RandomEvent: func(r *contracttest.Rand) Command {
			if r.IntN(4) == 0 {
				return Command{Kind: CommandConnect}
			}
			return Command{Kind: CommandCloseChannel, Channel: uint16(r.IntN(4))}
		},
		FillEvents: func(t *testing.T, m shared.Protocol[Message, Message, Command, Event], now time.Time) contracttest.Fill {
			// Each DATA_CHANNEL_OPEN makes EventDataChannel; the queue
			// holds 8.
			var f contracttest.Fill
			for i := range 20 {
				o := openMessage{typ: ChannelReliable, label: []byte("x")}
				pkt := peer.packet(peer.idata(uint16(2*i+2), PPIDDCEP, o.appendTo(nil)))
				f.Errs = append(f.Errs, m.HandleRead(shared.TaggedBytes{Now: now, Message: pkt}))
				for _, ok := m.PollWrite(); ok; _, ok = m.PollWrite() {
				}
			}
			f.Produced = 20
			return f
		},
	})
}
