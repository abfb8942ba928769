package rtc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
	"github.com/sansrtc/rtc/rtc-interceptor/pacer"
	rtp "github.com/sansrtc/rtc/rtc-rtp"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
	shared "github.com/sansrtc/rtc/rtc-shared"
	srtp "github.com/sansrtc/rtc/rtc-srtp"
)

// media is the media part of the PeerConnection: the SRTP and SRTCP
// contexts keyed from the DTLS exporter (RFC 5764 §4.2), the routing table
// of received streams (MID extension, SSRC, RID, RTX, payload type), and
// the outgoing streams of the senders. It decrypts into receive buffers it
// lends out as Message.Data (ReleaseRead gives them back) and encrypts
// outgoing packets into datagrams for the transport's outbox. Like the
// other parts it never calls the PeerConnection.
type media struct {
	in, out *srtp.Context // nil until keyed
	profile srtp.Profile

	// routes: the negotiated transceivers, their header extension ids,
	// and the received streams by SSRC.
	transceivers []*Transceiver
	byMid        map[string]*Transceiver
	ids          extIDs
	ssrcs        map[uint32]*recvStream
	maxSSRCs     int

	// chain is the interceptor chain (nil until the first exchange with
	// media, or when disabled), reached through ch() for calls that may
	// change its deadline; bound lists the SSRCs bound to it.
	chain      *interceptor.Chain
	chainTimer partTimer
	bound      map[uint32]bool

	// pacer holds written RTP until the pacing rate lets it go
	// (Configuration.Pacing), reached through pc().
	pacer      *pacer.Pacer[pacedPacket]
	pacerTimer partTimer

	// tracksFor is the remote description whose tracks were processed
	// (remoteTracks).
	tracksFor *sdp.SessionDescription

	scratch *rtp.Packet // WriteRTP's parsed packet; allocated on first use (680 bytes a data-only PeerConnection does without)
	free    [][]byte    // buffers given back by ReleaseRead and ReleaseWrite
	stats   MediaStats
}

// ch returns the chain for a call that may change its deadline.
func (m *media) ch() *interceptor.Chain { m.chainTimer.stale = true; return m.chain }

// extIDs are the negotiated ids of the header extensions routing and
// sending use (RFC 8285), 0 when not negotiated. BUNDLE makes them the
// same for every m-section (RFC 8843 §9.2).
type extIDs struct{ mid, rid, rrid, twcc uint8 }

// sendEncoding is one outgoing RTP stream of a Sender.
type sendEncoding struct {
	Encoding
	fwd     Forwarder
	pktz    *rtp.Packetizer
	pktzPT  uint8
	sampleT uint32 // RTP timestamp of the next sample
	rid     []byte // RID as bytes for the header extension
	packets uint64
	bytes   uint64
}

// recvStream is one received RTP stream.
type recvStream struct {
	t        *Transceiver
	ssrc     uint32
	rtx      bool   // an RTX stream; repairs names the repaired SSRC
	repairs  uint32 // the repaired stream's SSRC when known
	rid      string
	pt       uint8
	packets  uint64
	bytes    uint64
	signaled bool // from a=ssrc (not learned from a packet)
}

func (s *recvStream) info() StreamInfo {
	return StreamInfo{Mid: s.t.mid, Kind: s.t.kind, SSRC: s.ssrc, RID: s.rid, PayloadType: s.pt}
}

// MediaStats are the media part's counters.
type MediaStats struct {
	// PacketsIn/BytesIn: RTP delivered to PollRead; RTCPIn: RTCP delivered.
	PacketsIn, BytesIn, RTCPIn uint64
	// PacketsOut/BytesOut: RTP sent; RTCPOut: RTCP sent.
	PacketsOut, BytesOut, RTCPOut uint64
	// SRTPAuthFailures, SRTPReplays and SRTPOther count received packets
	// SRTP rejected (RFC 3711 §3.3: authentication, replay; other: too
	// short, too many SSRCs, unknown MKI). All are dropped.
	SRTPAuthFailures, SRTPReplays, SRTPOther uint64
	// UnroutedRTP counts RTP that matched no transceiver (RTP on an
	// unknown SSRC with no MID, RID or unique payload type), dropped.
	UnroutedRTP uint64
	// UnknownPayloadType counts RTP whose payload type is not negotiated
	// for its transceiver, dropped.
	UnknownPayloadType uint64
	// TooManySSRCs counts RTP of a new SSRC beyond MaxRemoteSSRCs, dropped.
	TooManySSRCs uint64
	// NotKeyed counts RTP and RTCP that arrived before SRTP was keyed.
	NotKeyed uint64
	// RTXRepaired counts RTX packets turned back into the packet they
	// repair (RFC 4588 §4); RTXPadding RTX packets without an original
	// sequence number (padding probes), dropped.
	RTXRepaired, RTXPadding uint64
	// WritesDropped counts packets written for an inactive encoding.
	WritesDropped uint64
	// Retransmitted counts retransmissions (RTX or in-band) the chain sent
	// in answer to NACKs (RFC 4585 §6.2.1, RFC 4588).
	Retransmitted uint64
	// TargetBitrate is the estimator's latest target in bits per second
	// (GCC over transport-wide feedback), 0 before any.
	TargetBitrate int
	// NACKsSent and NACKsReceived count NACK messages the chain sent for
	// our received streams and received for our sent ones (filled by
	// PeerConnection.MediaStats).
	NACKsSent, NACKsReceived uint64
	// PacerDropped counts packets the pacer's full queue refused
	// (ErrPacerFull).
	PacerDropped uint64
	// ChainBindFailures counts streams the interceptor chain refused to
	// bind (its stream limit): their media flows without NACK or reports.
	ChainBindFailures uint64
}

// Errors of the receive path: HandleRead returns them for a dropped
// packet (counted in MediaStats); the connection keeps serving.
var (
	// ErrUnroutedRTP: RTP on an unknown SSRC with no MID (or an unknown
	// one), no RID and a payload type no single transceiver negotiated.
	ErrUnroutedRTP = errors.New("rtc: RTP on an unknown SSRC with no MID")
	// ErrUnknownPayloadType: RTP whose payload type its transceiver did
	// not negotiate.
	ErrUnknownPayloadType = errors.New("rtc: RTP payload type not negotiated")
	// ErrTooManySSRCs: RTP of a new SSRC beyond MaxRemoteSSRCs.
	ErrTooManySSRCs = fmt.Errorf("%w: too many remote SSRCs", ErrLimit)
)

var (
	errNotKeyed   = fmt.Errorf("%w: SRTP not keyed", ErrNoMedia)
	errRTXPadding = errors.New("rtc: RTX padding packet")
)

// mediaBufSize is the capacity of the media part's buffers (one datagram
// plus room for the SRTP trailer), an odd size so that ReleaseWrite can
// tell them from DTLS's; maxFree bounds the free list (about 400 KiB).
const (
	mediaBufSize = 1500 + 64 + 3
	maxFree      = 256
)

// key creates the SRTP contexts from the DTLS exporter once DTLS is
// connected with use_srtp negotiated (RFC 5764 §4.2). A profile of 0
// (use_srtp not negotiated) leaves media unkeyed.
func (m *media) key(profile uint16, e srtp.Exporter, client bool) error {
	if m.in != nil || profile == 0 {
		return nil
	}
	role := srtp.RoleServer
	if client {
		role = srtp.RoleClient
	}
	local, remote, err := srtp.ConfigsFromExporter(srtp.Config{Profile: srtp.Profile(profile)}, e, role)
	if err != nil {
		return layerErr("srtp", err)
	}
	out, err := srtp.NewContext(local)
	if err != nil {
		return layerErr("srtp", err)
	}
	in, err := srtp.NewContext(remote)
	if err != nil {
		return layerErr("srtp", err)
	}
	m.in, m.out, m.profile = in, out, srtp.Profile(profile)
	return nil
}

// handlePacket takes one SRTP or SRTCP datagram from the selected pair
// (borrowed). It decrypts it into a receive buffer and returns the
// Message to queue for PollRead, or an error when the packet is dropped
// (counted in MediaStats and the sink's Stats).
func (m *media) handlePacket(now time.Time, kind MessageKind, b []byte, out *sink) (Message, error) {
	msg, err := m.receive(now, kind, b)
	if err != nil {
		out.stats.Dropped++
		if kind == MessageRTCP {
			out.stats.DroppedRTCP++
		} else {
			out.stats.DroppedRTP++
		}
	}
	return msg, err
}

func (m *media) receive(now time.Time, kind MessageKind, b []byte) (Message, error) {
	if m.in == nil {
		m.stats.NotKeyed++
		return Message{}, errNotKeyed
	}
	buf := m.buffer()
	var dec []byte
	var err error
	if kind == MessageRTCP {
		dec, err = m.in.AppendUnprotectRTCP(buf, b)
	} else {
		dec, err = m.in.AppendUnprotectRTP(buf, b)
	}
	if err != nil {
		m.recycle(buf)
		m.countSRTP(err)
		return Message{}, layerErr("srtp", err)
	}
	if kind == MessageRTCP {
		m.stats.RTCPIn++
		if m.chain != nil {
			// Malformed parts are counted by the chain; the packet still
			// goes to the application, which may understand it.
			_ = m.ch().ReceiveRTCP(now, dec) // counted in ChainStats
		}
		return Message{Kind: MessageRTCP, Transceiver: m.rtcpTransceiver(dec), Data: dec}, nil
	}
	msg, err := m.route(dec)
	if errors.Is(err, errRTXPadding) && m.chain != nil {
		// Padding-only RTX (RFC 4588 §4, a sender's bandwidth probe)
		// has nothing for the application, but its transport-wide
		// sequence number counts: without its arrival, transport-cc
		// feedback reports it lost and the sender's estimate sinks.
		_ = m.ch().ReceiveRTP(now, dec) // the RTX SSRC: counted as unknown
	}
	if err != nil {
		m.recycle(buf)
		return Message{}, err
	}
	m.stats.PacketsIn++
	m.stats.BytesIn += uint64(len(msg.Data))
	if m.chain != nil {
		_ = m.ch().ReceiveRTP(now, msg.Data) // counted in ChainStats (UnknownSSRC)
	}
	return msg, nil
}

func (m *media) countSRTP(err error) {
	switch {
	case errors.Is(err, srtp.ErrAuthFailed):
		m.stats.SRTPAuthFailures++
	case errors.Is(err, srtp.ErrReplay):
		m.stats.SRTPReplays++
	default:
		m.stats.SRTPOther++
	}
}

// buffer returns an empty receive buffer.
func (m *media) buffer() []byte {
	if n := len(m.free); n > 0 {
		b := m.free[n-1]
		m.free = m.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, mediaBufSize)
}

// sendBuffer returns an empty buffer for an outgoing datagram of up to n
// bytes: a pooled one when it fits (PollWrite's caller gives it back with
// ReleaseWrite), else a new one.
func (m *media) sendBuffer(n int) []byte {
	if n > mediaBufSize {
		return make([]byte, 0, n)
	}
	return m.buffer()
}

// release gives back the buffer of an RTP or RTCP Message.
func (m *media) release(msg Message) { m.recycle(msg.Data) }

// recycle keeps a buffer of the pool's size for reuse. The free list is
// bounded (maxFree): buffers beyond it are left to the garbage collector.
// Any buffer its owner gave back is safe to reuse, whichever pool it
// came from; the size only keeps the pool's buffers uniform.
func (m *media) recycle(b []byte) bool {
	if cap(b) != mediaBufSize {
		return false
	}
	if len(m.free) < maxFree {
		m.free = append(m.free, b[:0])
	}
	return true
}

// rtcpTransceiver returns the transceiver the first RTCP packet of a
// compound is about: the one whose stream sent it (the sender SSRC of an
// SR or RR, RFC 3550 §6.4), else nil.
func (m *media) rtcpTransceiver(b []byte) *Transceiver {
	if len(b) < 8 {
		return nil
	}
	if s := m.ssrcs[binary.BigEndian.Uint32(b[4:8])]; s != nil {
		return s.t
	}
	return nil
}

// deadline returns the media timers' earliest deadline: the interceptor
// chain's (reports, NACKs, feedback).
func (m *media) deadline() time.Time {
	return shared.Earliest(m.chainDeadline(), m.pacerDeadline())
}

// handleTimeout runs the chain's timers and sends what the pacer lets go.
func (m *media) handleTimeout(now time.Time, send func([]byte) error) error {
	err := m.pollPacer(now, send)
	if m.chain == nil || !m.chainTimer.due(now) {
		return err
	}
	return errors.Join(err, layerErr("interceptor", m.ch().HandleTimeout(now)))
}

// newEncodings checks a sender's encodings (RFC 8851 §10: rids are 1-16
// alphanumeric characters; distinct) and draws their SSRCs (RFC 3550
// §8.1: random).
func (m *media) newEncodings(init []Encoding, r io.Reader) ([]*sendEncoding, error) {
	if len(init) == 0 {
		init = []Encoding{{}}
	}
	seen := map[string]bool{}
	out := make([]*sendEncoding, 0, len(init))
	for _, e := range init {
		if len(init) > 1 && !validRID(e.RID) {
			return nil, fmt.Errorf("rtc: encoding rid %q: 1-16 alphanumeric characters (RFC 8851 §10)", e.RID)
		}
		if seen[e.RID] {
			return nil, fmt.Errorf("rtc: encoding rid %q twice", e.RID)
		}
		seen[e.RID] = true
		if e.SSRC == 0 {
			e.SSRC = randomSSRC(r)
		}
		if e.RTXSSRC == 0 {
			e.RTXSSRC = randomSSRC(r)
		}
		se := &sendEncoding{Encoding: e}
		var b [6]byte
		if _, err := io.ReadFull(r, b[:]); err == nil {
			// RFC 3550 §5.1: random initial sequence number and timestamp.
			se.fwd.Start(binary.BigEndian.Uint16(b[:2]), binary.BigEndian.Uint32(b[2:]))
		}
		out = append(out, se)
	}
	return out, nil
}

func validRID(s string) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func randomSSRC(r io.Reader) uint32 {
	var b [4]byte
	for range 4 {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			break
		}
		if v := binary.BigEndian.Uint32(b[:]); v != 0 {
			return v
		}
	}
	return 1
}

// close closes the chain.
func (m *media) close() {
	if m.chain != nil {
		_ = m.ch().Close() // closing drops its queues; nothing else can fail
	}
}

// stopTransceiver forgets a stopped transceiver's received streams.
func (m *media) stopTransceiver(t *Transceiver) {
	for ssrc, s := range m.ssrcs {
		if s.t == t {
			delete(m.ssrcs, ssrc)
		}
	}
}

// packet returns the scratch packet, allocating it on first use.
func (m *media) packet() *rtp.Packet {
	if m.scratch == nil {
		m.scratch = new(rtp.Packet)
	}
	return m.scratch
}
