package rtc

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// This file is the codec registry of the media part (issue 13,
// "Negotiation"): the codecs, RTCP feedback and header extensions a
// PeerConnection offers by default, and the rules that match a remote
// codec with a local one. It is a table and pure functions; SDP is read
// and written by the negotiation part.

// Codec is one RTP payload format as a description carries it (a=rtpmap,
// a=fmtp, a=rtcp-fb).
type Codec struct {
	PayloadType uint8
	// Name is the encoding name ("opus", "VP8", "H264", "rtx", ...),
	// matched without regard to case (RFC 4855 §3).
	Name      string
	ClockRate uint32
	// Channels is the audio channel count; 0 means the default, 1.
	Channels uint16
	// FMTP is the format parameters ("profile-level-id=42e01f;..."), empty
	// when there are none.
	FMTP string
	// Feedback is the RTCP feedback the codec uses (a=rtcp-fb, RFC 4585).
	Feedback []Feedback
}

// Feedback is one a=rtcp-fb value without its payload type.
type Feedback struct {
	Type      string // "nack", "ccm", "goog-remb", "transport-cc"
	Parameter string // "pli", "fir", or ""
}

// The RTCP feedback WebRTC video uses: generic NACK and PLI (RFC 4585
// §4.2), FIR (RFC 5104 §7.1), REMB (draft-alvestrand-rmcat-remb) and
// transport-wide congestion control (draft-holmer-rmcat-transport-wide-cc).
var videoFeedback = []Feedback{{"goog-remb", ""}, {"transport-cc", ""}, {"ccm", "fir"}, {"nack", ""}, {"nack", "pli"}}

// The header extensions WebRTC uses (RFC 8285 URIs).
const (
	ExtMID                  = "urn:ietf:params:rtp-hdrext:sdes:mid"                    // RFC 8843 §15.1
	ExtRID                  = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"          // RFC 8852 §4.3
	ExtRepairedRID          = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id" // RFC 8852 §4.4
	ExtAudioLevel           = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"            // RFC 6464
	ExtTransmissionOffset   = "urn:ietf:params:rtp-hdrext:toffset"                     // RFC 5450
	ExtAbsSendTime          = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
	ExtTransportWideCC      = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
	ExtVideoOrientation     = "urn:3gpp:video-orientation"
	ExtPlayoutDelay         = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"
	ExtDependencyDescriptor = "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"
	ExtAbsCaptureTime       = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
)

// DefaultAudioExtensions and DefaultVideoExtensions are the header
// extensions offered by default, in the order their ids are assigned.
var (
	DefaultAudioExtensions = []string{ExtAudioLevel, ExtAbsSendTime, ExtTransportWideCC, ExtMID, ExtAbsCaptureTime}
	DefaultVideoExtensions = []string{ExtTransmissionOffset, ExtAbsSendTime, ExtVideoOrientation, ExtTransportWideCC,
		ExtPlayoutDelay, ExtMID, ExtRID, ExtRepairedRID, ExtDependencyDescriptor, ExtAbsCaptureTime}
)

// DefaultAudioCodecs returns the audio codecs offered by default, in
// preference order: Opus (RFC 7587), RED for Opus (RFC 2198), G.722,
// G.711 µ-law and A-law (static payload types, RFC 3551 §6).
func DefaultAudioCodecs() []Codec {
	return []Codec{
		{PayloadType: 111, Name: "opus", ClockRate: 48000, Channels: 2, FMTP: "minptime=10;useinbandfec=1",
			Feedback: []Feedback{{"transport-cc", ""}}},
		{PayloadType: 63, Name: "red", ClockRate: 48000, Channels: 2, FMTP: "111/111"},
		{PayloadType: 9, Name: "G722", ClockRate: 8000}, // RFC 3551 §4.5.2: 8000 though sampled at 16 kHz
		{PayloadType: 0, Name: "PCMU", ClockRate: 8000},
		{PayloadType: 8, Name: "PCMA", ClockRate: 8000},
	}
}

// DefaultVideoCodecs returns the video codecs offered by default, in
// preference order, each followed by its RTX format (RFC 4588 §8.6, apt=).
func DefaultVideoCodecs() []Codec {
	base := []Codec{
		{PayloadType: 96, Name: "VP8", ClockRate: 90000},
		{PayloadType: 98, Name: "VP9", ClockRate: 90000, FMTP: "profile-id=0"},
		{PayloadType: 100, Name: "VP9", ClockRate: 90000, FMTP: "profile-id=2"},
		{PayloadType: 102, Name: "H264", ClockRate: 90000, FMTP: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"},
		{PayloadType: 104, Name: "H264", ClockRate: 90000, FMTP: "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f"},
		{PayloadType: 106, Name: "H264", ClockRate: 90000, FMTP: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"},
		{PayloadType: 108, Name: "H264", ClockRate: 90000, FMTP: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"},
		{PayloadType: 112, Name: "H264", ClockRate: 90000, FMTP: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f"},
		{PayloadType: 114, Name: "H265", ClockRate: 90000},
		{PayloadType: 116, Name: "AV1", ClockRate: 90000, FMTP: "level-idx=5;profile=0;tier=0"},
	}
	var out []Codec
	for _, c := range base {
		c.Feedback = videoFeedback
		out = append(out, c, Codec{PayloadType: c.PayloadType + 1, Name: "rtx", ClockRate: 90000,
			FMTP: "apt=" + strconv.Itoa(int(c.PayloadType))})
	}
	return out
}

// fmtpParams parses "a=1;b=2" into a map with lowercase keys (RFC 8866
// §6.15 leaves the syntax to each format; every WebRTC format uses it).
func fmtpParams(s string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Split(s, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		if k != "" {
			m[strings.ToLower(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

// channels returns the channel count, 1 when absent (RFC 8866 §6.6).
func (c *Codec) channels() uint16 { return max(c.Channels, 1) }

// Matches reports whether a remote codec r can be answered with c: same
// name (any case), clock rate and channels, and for the formats where the
// parameters select a different bitstream, the same parameters:
//   - H.264: the same profile (profile_idc and profile-iop of
//     profile-level-id, RFC 6184 §8.1 Table 5; the level may differ, §8.2.2)
//     and the same packetization-mode (default 0); a profile-level-id we
//     cannot classify matches nothing;
//   - VP9: the same profile-id (default 0, RFC 9628 §6);
//   - AV1: the same profile (default 0, AV1 RTP payload §7.2);
//   - RTX: compared by name and clock rate only; its apt is resolved by
//     the caller (AnswerCodecs).
func (c *Codec) Matches(r Codec) bool {
	if !strings.EqualFold(c.Name, r.Name) || c.ClockRate != r.ClockRate || c.channels() != r.channels() {
		return false
	}
	lp, rp := fmtpParams(c.FMTP), fmtpParams(r.FMTP)
	switch strings.ToLower(c.Name) {
	case "h264":
		p := h264Profile(lp["profile-level-id"])
		return p != H264ProfileUnknown && p == h264Profile(rp["profile-level-id"]) &&
			orDefaultParam(lp["packetization-mode"], "0") == orDefaultParam(rp["packetization-mode"], "0")
	case "vp9":
		return orDefaultParam(lp["profile-id"], "0") == orDefaultParam(rp["profile-id"], "0")
	case "av1":
		return orDefaultParam(lp["profile"], "0") == orDefaultParam(rp["profile"], "0")
	}
	return true
}

func orDefaultParam(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// H264Profile is an H.264 profile as profile-level-id names it.
type H264Profile uint8

// H.264 profiles (RFC 6184 §8.1, Table 5; RFC 7742 §6.2 lists the ones
// WebRTC uses).
const (
	H264ProfileUnknown H264Profile = iota
	H264ProfileConstrainedBaseline
	H264ProfileBaseline
	H264ProfileMain
	H264ProfileExtended
	H264ProfileHigh
	H264ProfileConstrainedHigh
)

// h264ProfilePattern is one row of RFC 6184 Table 5: a profile_idc and
// the bits of profile-iop that must be set and clear ("x" bits are free).
type h264ProfilePattern struct {
	idc       byte
	set, zero byte // profile-iop bits that must be 1 and 0
	profile   H264Profile
}

// h264Profiles is RFC 6184 §8.1 Table 5 (and the constrained high profile
// of H.264 Annex A, profile_idc 100 with constraint_set4 and _set5).
// profile-iop bits are constraint_set0..5 from the most significant.
var h264Profiles = []h264ProfilePattern{
	{0x42, 0x40, 0x0f, H264ProfileConstrainedBaseline}, // x1xx0000
	{0x4d, 0x80, 0x0f, H264ProfileConstrainedBaseline}, // 1xxx0000
	{0x58, 0xc0, 0x0f, H264ProfileConstrainedBaseline}, // 11xx0000
	{0x42, 0x00, 0x4f, H264ProfileBaseline},            // x0xx0000
	{0x58, 0x80, 0x4f, H264ProfileBaseline},            // 10xx0000
	{0x4d, 0x00, 0xaf, H264ProfileMain},                // 0x0x0000
	{0x58, 0x00, 0xcf, H264ProfileExtended},            // 00xx0000
	{0x64, 0x0c, 0xf3, H264ProfileConstrainedHigh},     // 00001100
	{0x64, 0x00, 0xff, H264ProfileHigh},                // 00000000
}

// h264Profile classifies a profile-level-id (6 hex digits); absent means
// 420010, Baseline level 1 (RFC 6184 §8.1: an absent profile-level-id is
// inferred to be 420010).
func h264Profile(plid string) H264Profile {
	if plid == "" {
		plid = "420010"
	}
	b, err := hex.DecodeString(plid)
	if err != nil || len(b) != 3 {
		return H264ProfileUnknown
	}
	for _, p := range h264Profiles {
		if b[0] == p.idc && b[1]&p.set == p.set && b[1]&p.zero == 0 {
			return p.profile
		}
	}
	return H264ProfileUnknown
}

// AnswerCodecs returns the codecs of an answer to offered, given the local
// codecs (RFC 8829 §5.3.1; RFC 3264 §6.1: the answer uses the payload
// type numbers of the offer). Each offered codec that matches a local one
// is kept in the offer's order with the offerer's payload type and
// parameters, and with the RTCP feedback both sides list. An RTX format is
// kept when the local side has RTX and its apt names a kept codec (RFC
// 4588 §8.6); RED and other formats by their name like any codec.
func AnswerCodecs(offered, local []Codec) []Codec {
	var out []Codec
	kept := map[uint8]bool{}
	for _, o := range offered {
		if strings.EqualFold(o.Name, "rtx") {
			continue
		}
		for _, l := range local {
			if l.Matches(o) {
				a := o
				a.Feedback = commonFeedback(o.Feedback, l.Feedback)
				out = append(out, a)
				kept[o.PayloadType] = true
				break
			}
		}
	}
	if !hasCodec(local, "rtx") {
		return out
	}
	for _, o := range offered {
		if !strings.EqualFold(o.Name, "rtx") {
			continue
		}
		apt, err := strconv.ParseUint(fmtpParams(o.FMTP)["apt"], 10, 8)
		if err == nil && kept[uint8(apt)] {
			out = append(out, Codec{PayloadType: o.PayloadType, Name: o.Name, ClockRate: o.ClockRate, FMTP: o.FMTP})
		}
	}
	return out
}

func hasCodec(cs []Codec, name string) bool {
	for _, c := range cs {
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}

func commonFeedback(a, b []Feedback) []Feedback {
	var out []Feedback
	for _, f := range a {
		for _, g := range b {
			if strings.EqualFold(f.Type, g.Type) && strings.EqualFold(f.Parameter, g.Parameter) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// Extension is one negotiated RTP header extension (a=extmap, RFC 8285
// §5): its local identifier and URI.
type Extension struct {
	ID  uint16
	URI string
}

// OfferExtensions gives the uris ids in order, 1 to 14: the ids a one-byte
// header can carry (RFC 8285 §4.2; 15 is reserved). More than 14 need
// two-byte headers (ids up to 255, §4.3), which an offer may use only
// with a=extmap-allow-mixed (§6); set twoByte for that.
func OfferExtensions(uris []string, twoByte bool) ([]Extension, error) {
	limit := 14
	if twoByte {
		limit = 254 // 1-14 and 16-255
	}
	if len(uris) > limit {
		return nil, fmt.Errorf("%w: %d header extensions, at most %d ids", ErrLimit, len(uris), limit)
	}
	out := make([]Extension, 0, len(uris))
	id := uint16(1)
	for _, u := range uris {
		if id == 15 {
			id = 16 // RFC 8285 §4.2: 15 is reserved in one-byte headers
		}
		out = append(out, Extension{ID: id, URI: u})
		id++
	}
	return out, nil
}

// AnswerExtensions keeps each offered extension the local side supports,
// with the offerer's id (RFC 8829 §5.3.1: the answer's a=extmap uses the
// id of the offer; RFC 8285 §6), in the offer's order. An offer that gives
// one id to two URIs, or an id outside 1-14 and 16-255 (RFC 8285 §5: 15
// and 0 are not ids; 4096-4351 are reserved for answers and never appear
// in an offer here), is refused: the mapping would be ambiguous.
func AnswerExtensions(offered []Extension, local []string) ([]Extension, error) {
	seen := map[uint16]string{}
	var out []Extension
	for _, e := range offered {
		if e.ID == 0 || e.ID == 15 || e.ID > 255 {
			return nil, fmt.Errorf("%w: extmap id %d (RFC 8285 §5)", ErrUnsupported, e.ID)
		}
		if u, dup := seen[e.ID]; dup && u != e.URI {
			return nil, fmt.Errorf("%w: extmap id %d names %q and %q", ErrUnsupported, e.ID, u, e.URI)
		}
		seen[e.ID] = e.URI
		if slices.Contains(local, e.URI) {
			out = append(out, e)
		}
	}
	return out, nil
}

func isRTXName(name string) bool { return strings.EqualFold(name, "rtx") }

// apt returns the payload type an RTX format's apt parameter names (RFC
// 4588 §8.6).
func (c *Codec) apt() (uint8, bool) {
	v, err := strconv.ParseUint(fmtpParams(c.FMTP)["apt"], 10, 8)
	return uint8(v), err == nil
}
