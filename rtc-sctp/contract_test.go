package sctp

import (
	"encoding/binary"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// contractAssoc returns an association established with a peer that is
// then dropped: the suite talks to it alone.
func contractAssoc(t *testing.T) (*Association, time.Time) {
	t.Helper()
	p := newPair(t, Config{MaxEvents: 8}, Config{})
	p.connect()
	return p.ep[0], p.now
}

// randomChunk returns one nearly valid chunk for a, of a random type.
func randomChunk(r *contracttest.Rand, a *Association) []byte {
	near := func(base uint32) uint32 {
		switch r.IntN(8) {
		case 0:
			return r.Uint32()
		case 1:
			return base + 1<<31
		default:
			return base + uint32(r.IntN(8)) - 2
		}
	}
	payload := make([]byte, 1+r.IntN(64))
	if r.IntN(64) == 0 {
		payload = nil // DATA without user data: ABORT (RFC 9260 §6.2)
	}
	switch r.IntN(12) {
	case 0, 1, 2:
		d := dataChunk{idata: a.idata, flags: uint8(r.IntN(16)), tsn: near(a.rcv.cum + 1), stream: uint16(r.IntN(4)),
			ssn: uint16(r.IntN(4)), mid: uint32(r.IntN(4)), fsn: uint32(r.IntN(4)), ppid: 51, payload: payload}
		return d.appendTo(nil)
	case 3, 4:
		s := sackChunk{cumTSN: near(a.snd.cumAck), rwnd: r.Uint32() >> uint(r.IntN(32))}
		for range r.IntN(3) {
			st := uint16(1 + r.IntN(8))
			s.gaps = append(s.gaps, gapBlock{st, st + uint16(r.IntN(4))})
		}
		return s.appendTo(nil)
	case 5:
		f := forwardTSNChunk{idata: a.idata, newCum: near(a.rcv.cum + 1), streams: []fwdStream{{stream: uint16(r.IntN(4)), seq: uint32(r.IntN(4))}}}
		return f.appendTo(nil)
	case 6:
		b, off := appendChunkHeader(nil, ctReconfig, 0)
		b = appendOutgoingReset(b, near(a.rc.peerSeq), a.rc.nextSeq-1, near(a.rcv.cum), []uint16{uint16(r.IntN(4))})
		return finishChunk(b, off)
	case 7:
		return appendHeartbeat(nil, ctHeartbeat, payload)
	case 8:
		if r.IntN(16) == 0 {
			return appendShutdown(nil, near(a.snd.cumAck))
		}
		return appendHeartbeat(nil, ctHeartbeatAck, payload)
	case 9:
		return appendCauseChunk(nil, ctError, 0, ErrorCause(r.IntN(14)), payload)
	default:
		// A chunk of any type but ABORT with a random body.
		typ := byte(r.IntN(256))
		if typ == byte(ctAbort) {
			typ = byte(ctSack)
		}
		b := []byte{typ, byte(r.IntN(256)), 0, 0}
		b = append(b, payload...)
		binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
}

// randomPacket is a packet with the right ports, tag and checksum and one
// to three random chunks; now and then a bad tag or checksum.
func randomPacket(r *contracttest.Rand, a *Association, now time.Time) shared.TaggedBytes {
	tag := a.myTag
	if r.IntN(16) == 0 {
		tag = r.Uint32()
	}
	b := appendCommonHeader(nil, DefaultPort, DefaultPort, tag)
	for range 1 + r.IntN(3) {
		b = append(b, randomChunk(r, a)...)
	}
	putChecksum(b)
	if r.IntN(16) == 0 {
		b[8] ^= 1
	}
	return shared.TaggedBytes{Now: now, Message: b}
}

// Issue 12: the association keeps the shared contract.
func TestContract(t *testing.T) {
	var cur *Association
	contracttest.Run(t, contracttest.Subject[Message, Message, Command, Event]{
		New: func(t *testing.T) (shared.Protocol[Message, Message, Command, Event], time.Time) {
			a, now := contractAssoc(t)
			cur = a
			return a, now
		},
		RandomRead: func(r *contracttest.Rand, now time.Time) shared.TaggedBytes { return randomPacket(r, cur, now) },
		RandomWrite: func(r *contracttest.Rand) Message {
			return Message{Stream: uint16(r.IntN(4)), PPID: 53, Unordered: r.IntN(2) == 0, Data: make([]byte, r.IntN(3000))}
		},
		RandomEvent: func(r *contracttest.Rand) Command {
			switch r.IntN(256) {
			case 0:
				return Command{Kind: CommandAbort, Reason: "random"}
			case 1:
				return Command{Kind: CommandShutdown}
			case 2, 3, 4, 5:
				return Command{Kind: CommandConnect}
			default:
				return Command{Kind: CommandResetStreams, Streams: []uint16{uint16(r.IntN(4))}}
			}
		},
		FillEvents: func(t *testing.T, m shared.Protocol[Message, Message, Command, Event], now time.Time) contracttest.Fill {
			// Each message sent fires EventBufferedAmountLow on its own
			// stream (threshold 0); the queue holds 8.
			var f contracttest.Fill
			for i := range 20 {
				f.Errs = append(f.Errs, m.HandleWrite(Message{Stream: uint16(i), PPID: 51, Data: []byte("x")}))
				for _, ok := m.PollWrite(); ok; _, ok = m.PollWrite() {
				}
			}
			f.Errs = append(f.Errs, m.HandleTimeout(now))
			f.Produced = 20
			return f
		},
	})
}
